"""`event edit <id> when=<a time of day>` keeps the event's day for every way of writing the
time, or refuses and changes nothing: a time alone that is not read after the event's date
("T20:00") is never read against today instead, which moved Saturday's event to Monday. A part
of the day beside it ("evening 7pm"): tests/unit/test_edit_part_of_day.py."""

from __future__ import annotations

import pytest

from adapters.console import ConsoleAdapter
from bot.app import Bot
from tests.unit.console_kit import typed


def reply(out: str) -> str:
    return out.split("logoff: ", 1)[1]


async def starts(bot: Bot) -> list[float]:
    return [r[0] for r in await bot.db.fetchall("SELECT starts_at FROM events ORDER BY id")]


@pytest.mark.parametrize("when", ["20:00h", "8pm (utc)", "20:00Z", "8 pm utc", "20h00"])
async def test_a_time_of_day_in_any_spelling_keeps_the_events_day(console: tuple[Bot, ConsoleAdapter],
                                                                  when: str) -> None:
    _, a = console  # Mon 23 Nov 2026 09:00 UTC, a space in UTC
    await typed(a, ":as ann mod", '!event create Party when="2026-11-28 18:00"')
    out = await typed(a, f'!event edit 1 when="{when}"')
    assert not reply(out).startswith("⚠️"), out
    assert "Sat 28 Nov 2026 20:00 UTC" in out and "Mon 23 Nov" not in out, out


@pytest.mark.parametrize(("when", "said"), [
    ("T20:00", "I can't read 't20:00' as a time: I read 20:00 but not 't'"),
])
async def test_a_time_of_day_not_read_on_the_events_day_is_refused(console: tuple[Bot, ConsoleAdapter],
                                                                    when: str, said: str) -> None:
    bot, a = console
    await typed(a, ":as ann mod", '!event create Party when="2026-11-28 18:00"')
    before = await starts(bot)
    out = await typed(a, f'!event edit 1 when="{when}"')
    assert reply(out).startswith("⚠️"), out
    assert said in out and "or give the day too" in out, out
    assert await starts(bot) == before
