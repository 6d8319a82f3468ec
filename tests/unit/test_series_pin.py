"""A series edit that moves the current occurrence, open for check-in, to a later time of the
same day takes it out of check-in (PRODUCT.md "Turnout"): its card stops asking for 📍, so the
bot's own 📍 comes off it too, as it does for an edit of the one event (test_misc_pin_after_move.py).
The edit moves the occurrences inside its write (a new series from the new time on), so what
the event was before is what it was before that move."""

from __future__ import annotations

from datetime import timedelta

from adapters.console import ConsoleAdapter
from bot.app import Bot
from bot.testing import FakeAdapter
from tests.unit.console_kit import typed


def pinned(adapter: FakeAdapter) -> list[str]:
    return [k for k, v in adapter.reactions.items() if adapter.me in v.get("📍", [])]


async def test_series_move_out_of_check_in_takes_the_bots_pin_off(console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    out = await typed(adapter, ":as ann mod", "!config set reminders off",
                      '!event create Picnic when="2026-11-26 18:00" repeat=weekly', ":wait 3d8h35m")
    assert "Here (0)" in out, out
    [card] = pinned(adapter)
    out = await typed(adapter, '!event edit 1 when="21:00" series')
    assert "✅ Updated Picnic #1 and every later one of its series" in out, out
    assert "Here (" not in out.split(f"[{card}]")[-1], out  # the card stopped asking for 📍
    assert f"[{card}] reactions: - 📍" in out, out
    assert pinned(adapter) == [], adapter.reactions


async def test_series_time_given_back_out_of_check_in_takes_the_bots_pin_off(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    """#1 moved on its own into check-in; the series' own time given back to it moves it out."""
    _, adapter = console
    out = await typed(adapter, ":as ann mod", "!config set reminders off",
                      '!event create Picnic when="2026-11-26 21:00" repeat=weekly',
                      '!event edit 1 when="2026-11-26 18:00"', ":wait 3d8h35m")
    [card] = pinned(adapter)
    out = await typed(adapter, '!event edit 1 when="21:00" series')
    assert "✅ Updated Picnic #1 and every later one of its series: now Thu 26 Nov 2026 21:00" in out, out
    assert f"[{card}] reactions: - 📍" in out, out
    assert pinned(adapter) == [], adapter.reactions


async def test_series_cancel_during_check_in_takes_the_bots_pin_off(console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    await typed(adapter, ":as ann mod", "!config set reminders off",
                '!event create Picnic when="2026-11-26 18:00" repeat=weekly', ":wait 3d8h35m")
    [_] = pinned(adapter)
    out = await typed(adapter, "!event cancel 1 series")
    assert pinned(adapter) == [], out


async def test_a_series_moved_out_of_check_in_on_either_engine(fake: FakeAdapter, bot: Bot) -> None:
    await bot.advance(timedelta(days=3, hours=8, minutes=35))  # Thu 26 Nov 17:35
    [card, _] = await fake.invoke('!event create Picnic when="18:00" repeat=weekly')
    assert "Here (0)" in fake.messages[card.id].text and pinned(fake) == [card.ref.id], fake.reactions
    [done] = await fake.invoke('!event edit 1 when="21:00" series')
    assert done.text.startswith("✅ Updated Picnic #1 and every later one"), done.text
    assert "Here (" not in fake.messages[card.id].text, fake.messages[card.id].text
    assert pinned(fake) == [], fake.reactions
    # A series edit that keeps it in check-in leaves the pin.
    [card2, _] = await fake.invoke('!event create Quiz when="17:50" repeat=weekly')
    assert "Quiz #3" in card2.text, card2.text
    [kept] = await fake.invoke('!event edit 3 when="17:55" series')
    assert kept.text.startswith("✅"), kept.text
    assert pinned(fake) == [card2.ref.id], fake.reactions
