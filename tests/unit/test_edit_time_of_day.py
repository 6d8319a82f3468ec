"""`event edit <id> when=<time of day>` keeps the event's own day, for a single event as for a
series: read against today, "20:00" would move Saturday's party to tonight. A time of day that
is past on the event's day is refused, saying the moment in full; more than a time of day is
read as any `when=`."""

from __future__ import annotations

from adapters.console import ConsoleAdapter
from bot.app import Bot
from tests.unit.console_kit import typed


def reply(out: str) -> str:
    return out.split("logoff: ", 1)[1]


async def starts(bot: Bot) -> list[float]:
    return [r[0] for r in await bot.db.fetchall("SELECT starts_at FROM events ORDER BY id")]


async def test_a_time_of_day_alone_keeps_a_single_events_day(console: tuple[Bot, ConsoleAdapter]) -> None:
    _, a = console  # Mon 23 Nov 2026 09:00 UTC
    await typed(a, ":as ann mod", '!event create Party when="2026-11-28 18:00"', ":as bob", "!rsvp 1 going",
                ":as ann mod")
    out = await typed(a, '!event edit 1 when="20:00"')
    assert not reply(out).startswith("⚠️"), out
    assert "Sat 28 Nov 2026 20:00 UTC" in out and "Mon 23 Nov" not in out, out
    shown = await typed(a, "!event show 1")
    assert "Sat 28 Nov 2026 20:00 UTC" in shown, shown


async def test_a_time_of_day_past_on_the_events_day_is_refused(console: tuple[Bot, ConsoleAdapter]) -> None:
    bot, a = console  # Mon 23 Nov 2026 09:00 UTC
    await typed(a, ":as ann mod", '!event create Lunch when="today 13:00"')
    before = await starts(bot)
    out = await typed(a, '!event edit 1 when="8am"')
    assert reply(out).startswith("⚠️"), out
    assert "'8am' on the event's day is Mon 23 Nov 2026 08:00 UTC, in the past" in out, out
    assert await starts(bot) == before


async def test_more_than_a_time_of_day_is_read_as_any_when(console: tuple[Bot, ConsoleAdapter]) -> None:
    _, a = console  # Mon 23 Nov 2026 09:00 UTC
    await typed(a, ":as ann mod", '!event create Party when="2026-11-28 18:00"')
    out = await typed(a, '!event edit 1 when="tomorrow 8pm"')
    assert not reply(out).startswith("⚠️") and "Tue 24 Nov 2026 20:00 UTC" in out, out
