"""A live promotion held while the other platform starts (cogs/events/held.py) is written with
the change that made it: when that write fails (the database away for a moment), neither the
change nor its hold lands, so nobody is left promoted in the store and never told "a spot opened
up". Once the database answers again the change is made again (a reaction: the cards are read
again; a command: its author tries again) and the person is told, once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from bot.app import Bot
from bot.clock import ManualClock
from bot.model import ReactionChanged
from bot.stores import StorageUnavailable
from bot.testing import FakeAdapter, Sent
from cogs.events.held import HOLD, KIND
from tests.unit.linking import link
from tests.unit.model_kit import START
from tests.unit.test_held_promotions import run
from tests.unit.test_linked_restart_promotions import full_picnic, start_without_beta, told
from tests.unit.test_model_linked import WHEN, linked_bot, pair

WAIT = 10  # seconds: a start that never finishes fails the test rather than hanging it


@contextmanager
def holds_fail(bot: Bot) -> Iterator[list[str]]:
    """While inside: writing a held promotion's job fails as a database gone away would (every
    try, so a batch's isolated rerun of the unit fails too). Yields the keys refused."""
    real, refused = bot.scheduler.put, []

    def put(conn: Any, kind: str, key: str, *args: Any, **kw: Any) -> Any:
        if kind == KIND:
            refused.append(key)
            raise StorageUnavailable("away for a moment")
        return real(conn, kind, key, *args, **kw)

    bot.scheduler.put = put
    try:
        yield refused
    finally:
        bot.scheduler.put = real


async def going(a: FakeAdapter) -> str:
    [full] = await a.invoke("!event attendees 1", "viewer")
    return full.text


async def test_a_reaction_whose_hold_cannot_be_written_is_not_kept_and_is_told_once_read_again(databases) -> None:  # type: ignore[no-untyped-def]
    clock, a, b, cards = await full_picnic(databases("l.db"))
    marks = {"alpha": len(a.log), "beta": len(b.log)}
    bot, late, starting = await start_without_beta(databases("l.db"), clock, a, b)
    try:
        ref, ann = a._ref(cards["alpha"]), a.user("ann")
        a.reactions[ref.id]["✅"].remove(ann)
        with holds_fail(bot) as refused:
            await bot.reaction_changed(ReactionChanged(ref, ann, "✅", False))  # live, Beta still starting
        assert refused, "bea's hold was not written"
        late.connect.set()
        await asyncio.wait_for(starting, WAIT)
        await bot.settle()
        assert "Going (1/1):\nann (Alpha)" in await going(a)  # the RSVP did not land without its hold
        assert told(a, late, marks) == []
        await bot.reconcile(a)  # as when the database answers again (Bot.database_back): cards read again
        await bot.settle()
        assert told(a, late, marks) == ["bea"]  # ann's place went to bea, first waiting
        assert "Going (1/1):\nbea (Beta)" in await going(a)
        await bot.scheduler.advance(HOLD + timedelta(seconds=1))
        assert told(a, late, marks) == ["bea"]  # once
    finally:
        starting.cancel()
        await bot.stop()


async def test_a_new_capacity_whose_hold_cannot_be_written_changes_nothing(databases) -> None:  # type: ignore[no-untyped-def]
    clock, a, b, _ = await full_picnic(databases("l.db"))
    marks = {"alpha": len(a.log), "beta": len(b.log)}
    bot, late, starting = await start_without_beta(databases("l.db"), clock, a, b)
    try:
        u = a.user("maker", mod=True)
        replies: list[Sent] = []
        with holds_fail(bot) as refused:
            await bot.run_text_command(a, "event edit 1 capacity=2", user=u, channel=a.channel,
                                       is_moderator=True, responder=a._ctx(u, a.channel, replies).responder)
        assert refused, "bea's hold was not written"
        assert [r.text for r in replies] == [f"⚠️ {StorageUnavailable.said}"]
        assert "Going (1/1):\nann (Alpha)" in await going(a)  # capacity 1 still
        await run(a, "event edit 1 capacity=2")  # tried again: bea in, held while Beta starts
        assert told(a, late, marks) == []
        late.connect.set()
        await asyncio.wait_for(starting, WAIT)
        await bot.settle()
        assert told(a, late, marks) == ["bea"]
        await bot.scheduler.advance(HOLD + timedelta(seconds=1))
        assert told(a, late, marks) == ["bea"]  # once
    finally:
        starting.cancel()
        await bot.stop()


async def test_a_failed_look_for_what_to_release_still_tells_who_is_told_now(databases) -> None:  # type: ignore[no-untyped-def]
    """A Picnic of capacity 1: ann (Alpha) in, bea (Beta) then cid (Alpha) waiting. A new capacity
    promotes both while Beta starts: bea is held, cid is told at once, also when the look for
    holds to release that follows the edit's commit fails (the database away for a moment)."""
    clock = ManualClock(START)
    a, b = pair()
    bot = await linked_bot(databases("l.db"), clock, a, b)
    await link(a, b)
    await a.invoke(f"!event create Picnic when={WHEN} capacity=1", "maker")
    await bot.settle()
    cards = {f.platform: next(s for s in f.cards() if "#1" in s.text) for f in (a, b)}
    for side, who in ((a, "ann"), (b, "bea"), (a, "cid")):
        await side.react(cards[side.platform], "✅", side.user(who))
    await bot.settle()
    await bot.stop()
    marks = {"alpha": len(a.log), "beta": len(b.log)}
    bot, late, starting = await start_without_beta(databases("l.db"), clock, a, b)
    real, failed = bot.scheduler.pending, list[str]()

    async def pending(key_prefix: str = "", **kw: Any) -> Any:
        if key_prefix == "event:1:promoted:" and not failed:
            failed.append(key_prefix)
            raise StorageUnavailable("away for a moment")
        return await real(key_prefix, **kw)

    bot.scheduler.pending = pending  # type: ignore[method-assign]
    try:
        await run(a, "event edit 1 capacity=3")
        assert failed, "no look for holds to release"
        assert told(a, late, marks) == ["cid"]
        late.connect.set()
        await asyncio.wait_for(starting, WAIT)
        await bot.settle()
        await bot.scheduler.advance(HOLD + timedelta(seconds=1))
        assert sorted(told(a, late, marks)) == ["bea", "cid"]  # each once
    finally:
        bot.scheduler.pending = real  # type: ignore[method-assign]
        starting.cancel()
        await bot.stop()
