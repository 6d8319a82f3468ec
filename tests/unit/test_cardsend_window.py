"""`checkin.window` shortened while an event's check-in is open closes it (PRODUCT.md
"Turnout": it opens `checkin.window` before the start): the card drops `Here (n)`, and the
bot's own 📍 leaves it too, or it invites check-ins that are refused as too early."""

from __future__ import annotations

from adapters.console import ConsoleAdapter
from bot.app import Bot
from tests.unit.console_kit import typed


async def test_a_shorter_window_takes_the_bots_pin_off_a_card_whose_check_in_it_closes(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    out = await typed(adapter, '!event create Picnic when="2026-11-26 18:00"',
                      '!event create Quiz when="2026-11-26 17:50"', ":wait 3d8h35m")  # 17:35
    assert adapter.me in adapter.reactions["m1"]["📍"] and adapter.me in adapter.reactions["m2"]["📍"], out
    out = await typed(adapter, ":as alice mod", "!config set checkin.window 20m")
    # Picnic opens at 17:40 now: closed again. Quiz opened at 17:30 and still has (17:30 <= 17:35).
    edited = out.split("[m1] logoff (edited)")
    assert len(edited) == 2 and "Here (" not in edited[1].split("\n[m")[0], out
    assert "[m1] reactions: - 📍" in out, out
    assert adapter.me not in adapter.reactions["m1"].get("📍", []), adapter.reactions["m1"]
    assert "[m2] reactions: - 📍" not in out, out
    assert adapter.me in adapter.reactions["m2"]["📍"], adapter.reactions["m2"]
    # It opens again at its new time, and the bot puts its 📍 back.
    out = await typed(adapter, ":wait 6m")
    assert "reactions: + 📍" in out.split("[m1]")[-1], out
    assert adapter.me in adapter.reactions["m1"]["📍"]


async def test_a_longer_window_takes_no_pin_off(console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    await typed(adapter, '!event create Picnic when="2026-11-26 18:00"', ":wait 3d8h35m")
    out = await typed(adapter, ":as alice mod", "!config set checkin.window 1h")
    assert "reactions: - 📍" not in out, out
    assert adapter.me in adapter.reactions["m1"]["📍"], adapter.reactions["m1"]
