"""Through the console: a number or a setting typed with digits other than 0-9 is refused saying
what it reads as; that text is offered as the thing to type only where it would be taken, and
otherwise the refusal says why it would not do either (it offered capacity=10000000000 and
reminders 99d, both then refused as out of range)."""

from __future__ import annotations

import pytest

from adapters.console import ConsoleAdapter
from bot.app import Bot
from tests.unit.console_kit import typed


@pytest.mark.parametrize("odd, reads, why", [
    ("!event create P when=tomorrow 7pm capacity=１0000000000", "10000000000", "must be at most"),
    ("!config set reminders ９９d", "99d", "99d is outside 1m to 30d"),
    ("!config set reminders 24h,９９d", "24h,99d", "99d is outside 1m to 30d"),
])
async def test_text_that_would_be_refused_is_not_offered(console: tuple[Bot, ConsoleAdapter], odd: str,
                                                        reads: str, why: str) -> None:
    _, adapter = console
    await typed(adapter, ":as alice mod")
    out = await typed(adapter, odd)
    assert out.count("⚠️") == 1 and f"reads as {reads}, which would not do either" in out, out
    assert why in out and "if that is what you meant" not in out, out


@pytest.mark.parametrize("odd, advised, taken", [
    ("!event create P when=tomorrow 7pm capacity=１０", "capacity=10", "Going (0/10)"),
    ("!config set reminders ２h", "2h", "reminders is now 2h"),
])
async def test_text_that_would_be_taken_is_offered_and_is_taken(console: tuple[Bot, ConsoleAdapter], odd: str,
                                                                advised: str, taken: str) -> None:
    _, adapter = console
    await typed(adapter, ":as alice mod")
    out = await typed(adapter, odd)
    said = advised.split("=")[-1]
    assert "⚠️" in out and "if that is what you meant, type" in out and said in out, out
    out = await typed(adapter, odd.replace(odd.split()[-1], advised))
    assert "⚠️" not in out and taken in out, out


@pytest.mark.parametrize("odd, reads", [
    ('!event create X when="tomorrow 7pm" duration=９９d', "99d"),
    ("!poll create Q A | B closes=９９d", "99d"),
    ("!event create X when=\"tomorrow 7pm\" duration=２h", "2h"),
])
async def test_a_length_the_command_limits_is_said_not_offered(console: tuple[Bot, ConsoleAdapter], odd: str,
                                                              reads: str) -> None:
    """duration= (at most 14 days) and closes= (at most 90 days) offered "type 99d", then refused
    it: their limits are the command's, unknown where the digits are read."""
    _, adapter = console
    out = await typed(adapter, odd)
    assert "⚠️" in out and f"reads as {reads}" in out and "type it with the digits 0-9" in out, out
    assert "if that is what you meant" not in out and "📅" not in out and "📊" not in out, out
