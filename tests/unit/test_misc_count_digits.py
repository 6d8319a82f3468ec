"""A series' count= or a goal= typed with digits other than 0-9 ("９９９") is refused saying what it
reads as; the refusal offered "type 999" where the series' five years (or the capacity) then refused
999. What the command limits beyond the option's own range is said, not offered."""

from __future__ import annotations

import pytest

from adapters.console import ConsoleAdapter
from bot.app import Bot
from tests.unit.console_kit import typed


@pytest.mark.parametrize("odd, reads", [
    ('!event create W when="2027-01-05 19:00" repeat=weekly count=９９９', "999"),
    ('!event create G when="2027-01-05 19:00" capacity=10 goal=９９', "99"),
])
async def test_a_number_the_command_limits_further_is_said_not_offered(
        console: tuple[Bot, ConsoleAdapter], odd: str, reads: str) -> None:
    _, adapter = console
    out = await typed(adapter, ":as alice mod", odd)
    assert out.count("⚠️") == 1 and f"reads as {reads}" in out, out
    assert "if that is what you meant" not in out and "type it with the digits 0-9" in out, out
    assert "🔁" not in out and "📅" not in out, out
    # What it reads as is refused on its own, so offering it would have been wrong.
    out = await typed(adapter, odd.replace(odd.split("=")[-1], reads))
    assert out.count("⚠️") == 1 and "🔁" not in out, out


async def test_a_number_in_range_of_an_option_checked_only_by_its_range_is_still_offered(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    out = await typed(adapter, ":as alice mod", '!event create P when="2027-01-05 19:00" capacity=１０')
    assert "if that is what you meant, type 10" in out, out
