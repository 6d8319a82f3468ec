"""A held promotion (cogs/events/held.py) is said once its platform has finished starting, also
when the event's card there was not part of that start's reading (a moderator deleted it while
the bot was down): nothing is waited for any more, so it does not wait out the whole hold."""

from __future__ import annotations

from cogs.events.held import HOLD
from tests.unit.test_held_promotions import picnic_for_two
from tests.unit.test_linked_restart_promotions import start_without_beta, told


async def test_held_is_told_once_its_platform_has_started_without_reading_the_card(databases) -> None:  # type: ignore[no-untyped-def]
    clock, a, b, cards = await picnic_for_two(databases("l.db"))
    b.messages[b._ref(cards["beta"]).id].deleted = True  # Beta's card removed meanwhile
    marks = {"alpha": len(a.log), "beta": len(b.log)}
    bot, late, starting = await start_without_beta(databases("l.db"), clock, a, b)
    try:
        assert told(a, late, marks) == []  # bea held while Beta starts
        late.connect.set()
        await starting
        await bot.settle()
        assert not bot.starting("beta")
        assert told(a, late, marks) == ["bea"]  # at once, not at the hold's end
        await bot.scheduler.advance(HOLD)
        assert told(a, late, marks) == ["bea"]  # once
        assert await bot.scheduler.pending("event:1:promoted:") == []
    finally:
        starting.cancel()
        await bot.stop()
