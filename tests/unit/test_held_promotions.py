"""Held promotions (cogs/events/held.py) said once and on time: a person held at start who is
moved to the waitlist and back, or promoted again by a live change, while the hold lasts hears
it once, when their platform is read (a live change holds it too); one whose event lost its
capacity meanwhile hears it when their platform is read; and nothing is held for a platform that has finished starting."""

from __future__ import annotations

from bot.clock import ManualClock
from bot.model import ReactionChanged
from bot.testing import FakeAdapter, Sent
from cogs.events.held import HOLD
from tests.unit.linking import link
from tests.unit.model_kit import START
from tests.unit.test_linked_restart_promotions import full_picnic, start_without_beta, told
from tests.unit.test_model_linked import WHEN, linked_bot, pair


async def run(side: FakeAdapter, line: str) -> None:
    """A moderator's command that waits for no card (Beta's wait for it to connect)."""
    u = side.user("maker", mod=True)
    replies: list[Sent] = []
    ctx = side._ctx(u, side.channel, replies)
    assert side.bot is not None
    await side.bot.run_text_command(side, line, user=u, channel=side.channel, is_moderator=True,
                                    responder=ctx.responder)
    assert replies and replies[0].text.startswith("✅"), [r.text for r in replies]


async def picnic_for_two(where: str) -> tuple[ManualClock, FakeAdapter, FakeAdapter, dict[str, Sent]]:
    """A Picnic of capacity 2 made on Alpha: ann and cid (Alpha) are in, bea then bob (Beta)
    wait; the bot is stopped, and then ann takes her ✅ back."""
    clock = ManualClock(START)
    a, b = pair()
    bot = await linked_bot(where, clock, a, b)
    await link(a, b)
    await a.invoke(f"!event create Picnic when={WHEN} capacity=2", "maker")
    await bot.settle()
    cards = {f.platform: next(s for s in f.cards() if "#1" in s.text) for f in (a, b)}
    for side, who in ((a, "ann"), (a, "cid"), (b, "bea"), (b, "bob")):
        await side.react(cards[side.platform], "✅", side.user(who))
    await bot.settle()
    await bot.stop()
    await a.react(cards["alpha"], "✅", a.user("ann"), added=False, dispatch=False)
    return clock, a, b, cards


async def test_moved_to_the_waitlist_and_back_while_held_is_told_once(databases) -> None:  # type: ignore[no-untyped-def]
    clock, a, b, _ = await picnic_for_two(databases("l.db"))
    marks = {"alpha": len(a.log), "beta": len(b.log)}
    bot, late, starting = await start_without_beta(databases("l.db"), clock, a, b)
    try:
        assert told(a, late, marks) == []  # bea held: Beta is not read yet
        await run(a, "event edit 1 capacity=1")  # bea back on the waitlist
        await run(a, "event edit 1 capacity=2")  # and in again: held again, Beta still unread
        assert told(a, late, marks) == []
        late.connect.set()
        await starting
        await bot.settle()
        await bot.scheduler.advance(HOLD)
        assert told(a, late, marks) == ["bea"]  # not again when Beta is read, nor at the hold's end
    finally:
        starting.cancel()
        await bot.stop()


async def test_promoted_by_a_live_reaction_while_held_is_told_once(databases) -> None:  # type: ignore[no-untyped-def]
    clock, a, b, cards = await picnic_for_two(databases("l.db"))
    marks = {"alpha": len(a.log), "beta": len(b.log)}
    bot, late, starting = await start_without_beta(databases("l.db"), clock, a, b)
    try:
        await run(a, "event edit 1 capacity=1")  # cid in, bea back on the waitlist
        ref, cid = a._ref(cards["alpha"]), a.user("cid")
        a.reactions[ref.id]["✅"].remove(cid)
        await bot.reaction_changed(ReactionChanged(ref, cid, "✅", False))  # live: bea is in, held
        assert told(a, late, marks) == []
        late.connect.set()
        await starting
        await bot.settle()
        await bot.scheduler.advance(HOLD)
        assert told(a, late, marks) == ["bea"]
    finally:
        starting.cancel()
        await bot.stop()


async def test_a_capacity_taken_away_while_held_is_said_when_the_platform_is_read(databases) -> None:  # type: ignore[no-untyped-def]
    clock, a, b, cards = await full_picnic(databases("l.db"))
    await a.react(cards["alpha"], "✅", a.user("ann"), added=False, dispatch=False)
    marks = {"alpha": len(a.log), "beta": len(b.log)}
    bot, late, starting = await start_without_beta(databases("l.db"), clock, a, b)
    try:
        await run(a, "event edit 1 capacity=0")  # no limit: bob in, held as bea is
        assert told(a, late, marks) == []
        late.connect.set()
        await starting
        await bot.settle()  # Beta read: bea still has her ✅ there
        assert sorted(told(a, late, marks)) == ["bea", "bob"]
        await bot.scheduler.advance(HOLD)
        assert sorted(told(a, late, marks)) == ["bea", "bob"]
    finally:
        starting.cancel()
        await bot.stop()


async def test_nothing_is_held_for_a_platform_that_has_started(databases) -> None:  # type: ignore[no-untyped-def]
    """Both sides up; an event made since start has never been read on Beta, and a re-read of
    its Alpha card (a moderator cleared its reactions) frees ann's place for bea at once."""
    clock = ManualClock(START)
    a, b = pair()
    bot = await linked_bot(databases("l.db"), clock, a, b)
    try:
        await link(a, b)
        await a.invoke(f"!event create Picnic when={WHEN} capacity=1", "maker")
        await bot.settle()
        cards = {f.platform: next(s for s in f.cards() if "#1" in s.text) for f in (a, b)}
        await a.react(cards["alpha"], "✅", a.user("ann"))
        await b.react(cards["beta"], "✅", b.user("bea"))
        marks = {"alpha": len(a.log), "beta": len(b.log)}
        await a.clear_reactions(cards["alpha"])
        await bot.settle()
        assert told(a, b, marks) == ["bea"]
        assert await bot.scheduler.pending("event:1:promoted:") == []
    finally:
        await bot.stop()
