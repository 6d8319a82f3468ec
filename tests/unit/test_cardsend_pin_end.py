"""Check-in closes at the event's end (PRODUCT.md "Turnout"; a 📍 after it gets "check-in
closed"): the card stops asking for 📍 then, and the bot's own 📍 leaves it too."""

from __future__ import annotations

from adapters.console import ConsoleAdapter
from bot.app import Bot
from tests.unit.console_kit import typed


async def test_the_bots_pin_leaves_the_card_when_the_event_ends(console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    out = await typed(adapter, '!event create Picnic when="2026-11-26 18:00"', ":wait 3d8h35m")
    assert "reactions: + 📍" in out and "Here (0)" in out, out
    out = await typed(adapter, ":wait 2h30m")  # past the end (20:00)
    assert "It has ended." in out.split("[m1] logoff (edited)")[-1], out
    assert "[m1] reactions: - 📍" in out, out
    assert adapter.me not in adapter.reactions["m1"].get("📍", []), adapter.reactions["m1"]
    # Still there while it runs: check-in is open until the end.
    out = await typed(adapter, '!event create Quiz when="2026-11-27 18:00"', ":wait 22h")  # 18:05
    assert "reactions: - 📍" not in out, out
    [quiz] = [m for m, sent in adapter.messages.items() if sent.text.startswith("📅 Quiz")]
    assert adapter.me in adapter.reactions[quiz]["📍"], adapter.reactions


async def test_the_pin_stays_off_once_the_event_has_ended(console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    await typed(adapter, '!event create Picnic when="2026-11-26 18:00"', ":wait 3d8h35m", ":wait 2h30m")
    out = await typed(adapter, ":as bob", ":react m1 📍", ":wait 1d")  # the archive edits it once more
    assert "check-in closed" in out, out
    assert "reactions: + 📍" not in out, out
    assert adapter.me not in adapter.reactions["m1"].get("📍", []), adapter.reactions["m1"]
