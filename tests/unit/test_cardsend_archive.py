"""An event's cards are archived a day after its end: edited a last time (the end, the final
counts), then no longer live. The edit is what ends their life, so a stop before it lands leaves
them live in the database, and the next start archives them again (PRODUCT.md "Turnout")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bot.app import Bot, build_bot
from bot.clock import ManualClock
from tests.unit.test_untrack_cancelled_event import (
    SlowEdits,
    live,
    picnic_bob_going_then_edits_hang,
)


async def started(databases: Callable[[], str], clock: ManualClock, fake: SlowEdits) -> Bot:
    again = await build_bot(databases(), clock=clock)
    again.add_adapter(fake)
    await again.start()
    await again.settle()
    return again


async def test_a_card_whose_archiving_edit_a_stop_cut_off_ends_archived_after_the_restart(
        bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    fake = SlowEdits()
    card = await picnic_bob_going_then_edits_hang(bot, fake)
    # Past the end and the archive, each job at its time, not waiting for the edits they set off
    # (the first hangs): the archive's is still on its way when the stop comes.
    await bot.scheduler.advance(timedelta(days=4))
    assert await fake.editing.wait()
    assert "It has ended." not in fake.messages[card.ref.id].text
    assert not bot.is_tracked(card.ref), "archived: no longer live for this run"
    assert await live(bot, card.ref.id) == 1, "live in the database until its archiving edit is on it"
    await bot.stop()
    fake.hang = False
    again = await started(databases, clock, fake)
    try:
        assert "It has ended." in fake.messages[card.ref.id].text, fake.messages[card.ref.id].text
        assert "Going (1)" in fake.messages[card.ref.id].text
        assert await live(again, card.ref.id) == 0
        assert not again.is_tracked(card.ref)
    finally:
        await again.stop()


async def test_an_event_that_ended_while_the_bot_was_down_has_its_card_archived_showing_the_end(
        bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    """Down from before the end until past the archive: the follow-up is too late to run (and to
    edit the card), so the archive is what shows the end, and takes the bot's 📍 off."""
    fake = SlowEdits()
    bot.add_adapter(fake)
    await bot.start()
    await fake.invoke('!event create Picnic when="in 20 minutes"')  # check-in is open: 📍
    [card] = fake.cards()
    assert fake.me in fake.reactions[card.ref.id]["📍"]
    await bot.stop()
    clock.advance(timedelta(days=2))
    again = await started(databases, clock, fake)
    try:
        await again.advance(timedelta(minutes=5))
        assert "It has ended." in fake.messages[card.ref.id].text, fake.messages[card.ref.id].text
        assert fake.me not in fake.reactions[card.ref.id].get("📍", []), fake.reactions[card.ref.id]
        assert await live(again, card.ref.id) == 0
        assert not again.is_tracked(card.ref)
    finally:
        await again.stop()
