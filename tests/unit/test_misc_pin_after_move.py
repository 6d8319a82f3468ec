"""Check-in opens and the card gets the bot's 📍 (PRODUCT.md "Turnout"). The event then moves to
a time whose check-in opens only later (or is cancelled): the card no longer shows `Here (n)`,
and the bot's own 📍 must leave it too, or it invites check-ins that count for nothing."""

from __future__ import annotations

from adapters.console import ConsoleAdapter
from bot.app import Bot
from tests.unit.console_kit import typed


async def test_the_bots_pin_leaves_the_card_when_the_event_moves_out_of_check_in(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    out = await typed(adapter, '!event create Picnic when="2026-11-26 18:00"', ":wait 3d8h35m")
    assert "reactions: + 📍" in out and "Here (0)" in out, out
    assert adapter.me in adapter.reactions["m1"]["📍"]
    out = await typed(adapter, '!event edit 1 when="2026-12-03 18:00"')
    assert "Here (" not in out.split("[m1]")[-1], out
    assert adapter.me not in adapter.reactions["m1"].get("📍", []), adapter.reactions["m1"]
    assert "[m1] reactions: - 📍" in out, out
    # Moved back into its window: the card asks for 📍 again, and the bot puts it back.
    out = await typed(adapter, '!event edit 1 when="2026-11-26 18:00"')
    assert "reactions: + 📍" in out and "Here (0)" in out, out
    assert adapter.me in adapter.reactions["m1"]["📍"]


async def test_the_bots_pin_leaves_the_card_when_the_event_is_cancelled_during_check_in(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    out = await typed(adapter, '!event create Picnic when="2026-11-26 18:00"', ":wait 3d8h35m")
    assert adapter.me in adapter.reactions["m1"]["📍"], out
    out = await typed(adapter, "!event cancel 1")
    assert "[m1] reactions: - 📍" in out, out
    [card] = adapter.cards()
    assert "(cancelled)" in card.text and "Here (" not in card.text, card.text  # nobody checks in to it now
    assert adapter.me not in adapter.reactions["m1"].get("📍", []), adapter.reactions["m1"]


async def test_a_move_within_check_in_leaves_the_bots_pin(console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    await typed(adapter, '!event create Picnic when="2026-11-26 18:00"', ":wait 3d8h35m")
    out = await typed(adapter, '!event edit 1 when="2026-11-26 17:50"')
    assert "reactions: - 📍" not in out and "Here (0)" in out.split("[m1]")[-1], out
    assert adapter.me in adapter.reactions["m1"]["📍"]
