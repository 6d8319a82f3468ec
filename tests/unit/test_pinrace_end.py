"""Check-in closes at the end, and the bot's 📍 leaves the card (PRODUCT.md "Turnout"). A card
edit rendered just before the end (an RSVP then) still on its way when the follow-up runs must
not put the 📍 back for good: it comes off once the edit showing the end is on the card."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from adapters.console import ConsoleAdapter
from bot.app import Bot
from tests.unit.console_kit import typed
from tests.unit.test_pinrace_edit import held_edits, refresh


async def test_an_edit_rendered_before_the_end_does_not_leave_the_bots_pin(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    bot, adapter = console
    out = await typed(adapter, '!event create Picnic when="2026-11-26 18:00"', ":wait 3d8h35m")
    assert adapter.me in adapter.reactions["m1"]["📍"], out
    gate, entered = held_edits(adapter)
    refresh(bot, 1)  # rendered with check-in open
    await asyncio.wait_for(entered.wait(), 5)
    # Past the end (20:00), the follow-up at its time, not waiting for the edit on its way.
    await bot.scheduler.advance(timedelta(hours=2, minutes=30))
    gate.set()
    await bot.settle()
    assert "It has ended." in adapter.messages["m1"].text, adapter.messages["m1"].text
    assert adapter.me not in adapter.reactions["m1"].get("📍", []), adapter.reactions["m1"]
