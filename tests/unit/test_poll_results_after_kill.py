"""A poll's results are said once, however the process stops between the close and the post:
by `poll close`, by another feature taking what it agreed on, or at its deadline. The
platform (one FakeAdapter) outlives the processes; each "kill" is a send that never lands
and stops everything after it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from bot.app import Bot, build_bot
from bot.testing import FakeAdapter, Sent

RESULTS = "Results of poll #1"


class Died(BaseException):
    """The process stops halfway through a send: nothing after it runs."""


async def dies_posting_results(sent: Sent) -> None:
    if RESULTS in sent.text:
        raise Died


async def lives(sent: Sent) -> None:
    return None


async def started(databases, clock, fake: FakeAdapter) -> Bot:  # type: ignore[no-untyped-def]
    bot = await build_bot(databases(), clock=clock)
    bot.add_adapter(fake)
    await bot.start()
    return bot


async def killed_then_restarted(databases, clock, fake: FakeAdapter,  # type: ignore[no-untyped-def]
                                before: Callable[[], Awaitable[object]],
                                kill: Callable[[Bot], Awaitable[object]]) -> Bot:
    """Run `before`, then `kill` with the results' post dying; a second process on the same
    store (and the same platform) takes over. Returns it, started and caught up."""
    first = await started(databases, clock, fake)
    try:
        await before()
        fake.on_recorded = dies_posting_results  # type: ignore[method-assign]
        with pytest.raises(Died):
            await kill(first)
        assert not fake.containing(RESULTS)
    finally:
        fake.on_recorded = lives  # type: ignore[method-assign]
        await first.stop()
    again = await started(databases, clock, fake)
    # On a shared store the dead process's claim holds until its lease lapses: a sweep takes it.
    await again.scheduler.advance(timedelta(minutes=1))
    await again.scheduler.take_over()
    await again.scheduler.taking.idle()
    await again.scheduler.advance(timedelta(minutes=10))
    await again.settle()
    return again


async def said_once_more_restart(databases, clock, fake: FakeAdapter, bot: Bot) -> None:  # type: ignore[no-untyped-def]
    """The results once, with the tally at the close; another restart says nothing again."""
    shown = [m.text for m in fake.containing(RESULTS)]
    assert len(shown) == 1, shown
    assert "Result: Cafe with 2 votes" in shown[0], shown[0]
    await bot.stop()
    bot = await started(databases, clock, fake)
    try:
        await bot.scheduler.advance(timedelta(hours=1))
        await bot.scheduler.take_over()
        await bot.scheduler.taking.idle()
        assert len(fake.containing(RESULTS)) == 1
    finally:
        await bot.stop()


async def votes(fake: FakeAdapter, line: str) -> None:
    [card] = await fake.invoke(line, "alice")
    for who in ("bob", "carol"):
        await fake.react(card, "2️⃣", who)


async def test_poll_close_killed_before_its_results_says_them_after_the_restart(databases, clock) -> None:  # type: ignore[no-untyped-def]
    fake = FakeAdapter()
    bot = await killed_then_restarted(
        databases, clock, fake, lambda: votes(fake, '!poll create "Where?" Park | Cafe'),
        lambda _: fake.invoke("!poll close 1", "alice"))
    await said_once_more_restart(databases, clock, fake, bot)


async def test_a_poll_an_event_took_killed_before_its_results_says_them_after_the_restart(  # type: ignore[no-untyped-def]
        databases, clock) -> None:
    fake = FakeAdapter()
    bot = await killed_then_restarted(
        databases, clock, fake, lambda: votes(fake, '!poll create "Where?" Park | Cafe'),
        lambda _: fake.invoke('!event create Picnic when="in 2 days at 7pm" where=poll:1', "alice"))
    assert "Cafe" in fake.containing("Picnic")[0].text  # the event took it, before the kill
    await said_once_more_restart(databases, clock, fake, bot)


async def test_a_deadline_close_killed_before_its_results_says_them_after_the_restart(databases, clock) -> None:  # type: ignore[no-untyped-def]
    fake = FakeAdapter()
    bot = await killed_then_restarted(
        databases, clock, fake, lambda: votes(fake, '!poll create "Where?" Park | Cafe closes=2h'),
        lambda first: first.scheduler.advance(timedelta(hours=2)))
    await said_once_more_restart(databases, clock, fake, bot)


async def test_a_reaction_or_vote_after_the_deadline_does_not_count_before_the_close_runs(  # type: ignore[no-untyped-def]
        fake: FakeAdapter, clock) -> None:
    [card] = await fake.invoke('!poll create "Where?" Park | Cafe closes=2h', "alice")
    clock.advance(timedelta(hours=2))  # the deadline, its job not yet run
    await fake.react(card, "2️⃣", "bob")
    [late] = await fake.invoke("!poll vote 1 2", "carol")
    assert late.text.startswith("⚠️") and "closed" in late.text
    [res] = await fake.invoke("!poll results 1", "dave")
    assert "Cafe — 0" in res.text, res.text
