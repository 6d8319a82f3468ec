"""`duration=` sets the end the card and the .ics show, to the minute: a length with seconds
would show an end that is not the real one (`duration=1s` showed "until 19:00" with the start),
so it is refused, saying what was read and the whole minutes to give, and changes nothing."""

from __future__ import annotations

import pytest

from adapters.console import ConsoleAdapter
from bot.app import Bot
from tests.unit.console_kit import typed


async def ends(bot: Bot) -> list[tuple[float, float]]:
    return [tuple(r) for r in await bot.db.fetchall("SELECT starts_at, ends_at FROM events ORDER BY id")]


@pytest.mark.parametrize(("given", "read", "offered"), [("1s", "1s", "1m"), ("59s", "59s", "1m"),
                                                        ("90s", "1m30s", "2m"), ("1h0m30s", "1h30s", "1h1m")])
async def test_a_length_with_seconds_is_refused_on_create(console: tuple[Bot, ConsoleAdapter], given: str,
                                                          read: str, offered: str) -> None:
    bot, a = console
    out = await typed(a, f'!event create Party when="tomorrow 7pm" duration={given}')
    assert "⚠️" in out and f"duration={read}" in out and f"duration={offered}" in out, out
    assert await ends(bot) == []
    again = await typed(a, f'!event create Party when="tomorrow 7pm" duration={offered}')
    assert "⚠️" not in again, again


async def test_a_length_with_seconds_is_refused_on_edit(console: tuple[Bot, ConsoleAdapter]) -> None:
    bot, a = console
    await typed(a, ":as ann mod", '!event create Party when="tomorrow 7pm" duration=90m')
    before = await ends(bot)
    out = await typed(a, "!event edit 1 duration=45s")
    assert "⚠️" in out and "duration=45s" in out and "duration=1m" in out, out
    assert await ends(bot) == before
    assert "⚠️" not in await typed(a, "!event edit 1 duration=2m")
    (start, end), = await ends(bot)
    assert end - start == 120
