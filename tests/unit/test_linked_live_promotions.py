"""Live changes in linked spaces while the other platform is still starting (PRODUCT.md "Linked
spaces", "Capacity and waitlist"): a place freed by a reaction, a button, `rsvp` or a new
capacity on the platform that has started goes, as a start's reading would, to someone on the
other platform only once that platform's cards were read: bea, who took her ✅ back there while
the bot was down, is not told "you're in"; the next one still in is, once."""

from __future__ import annotations

from datetime import timedelta

from bot.model import ReactionChanged
from cogs.events.held import HOLD
from tests.unit.test_held_promotions import run
from tests.unit.test_linked_restart_promotions import full_picnic, start_without_beta, told


async def test_a_live_reaction_holds_a_promotion_until_the_other_platform_is_read(databases) -> None:  # type: ignore[no-untyped-def]
    clock, a, b, cards = await full_picnic(databases("l.db"))
    await b.react(cards["beta"], "✅", b.user("bea"), added=False, dispatch=False)  # while down
    marks = {"alpha": len(a.log), "beta": len(b.log)}
    bot, late, starting = await start_without_beta(databases("l.db"), clock, a, b)
    try:
        ref, ann = a._ref(cards["alpha"]), a.user("ann")
        a.reactions[ref.id]["✅"].remove(ann)
        await bot.reaction_changed(ReactionChanged(ref, ann, "✅", False))  # live, Beta still starting
        assert told(a, late, marks) == []
        late.connect.set()
        await starting
        await bot.settle()
        assert told(a, late, marks) == ["bob"]
        await bot.scheduler.advance(HOLD + timedelta(seconds=1))
        assert told(a, late, marks) == ["bob"]  # once
    finally:
        starting.cancel()
        await bot.stop()


async def test_a_new_capacity_holds_a_promotion_until_the_other_platform_is_read(databases) -> None:  # type: ignore[no-untyped-def]
    clock, a, b, cards = await full_picnic(databases("l.db"))
    await b.react(cards["beta"], "✅", b.user("bea"), added=False, dispatch=False)  # while down
    marks = {"alpha": len(a.log), "beta": len(b.log)}
    bot, late, starting = await start_without_beta(databases("l.db"), clock, a, b)
    try:
        await run(a, "event edit 1 capacity=2")  # the store still has bea first on the waitlist
        assert told(a, late, marks) == []
        late.connect.set()
        await starting
        await bot.settle()
        await bot.scheduler.advance(HOLD + timedelta(seconds=1))
        assert told(a, late, marks) == ["bob"]
    finally:
        starting.cancel()
        await bot.stop()
