"""The feed of a series moved to a new time after the space's zone changed, and of one whose
cancelled occurrence stays at its time: each part is a VEVENT in its own zone, every EXDATE an
instance of its rule, and the instants it expands to are the ones the bot makes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import Bot
from bot.testing import FakeAdapter

from . import ics_check as check
from .test_feed_and_pages import calendar_urls, get


async def ok(fake: FakeAdapter, line: str) -> None:
    replies = await fake.invoke(line, "mod", mod=True)
    assert not any(r.text.startswith("⚠️") for r in replies), (line, replies[-1].text)


async def feed(fake: FakeAdapter) -> bytes:
    url, _ = await calendar_urls(fake)
    status, _, body = await get(url)
    assert status == 200
    check.rules_and_zones(body)
    return body


async def made(bot: Bot) -> list[str]:
    rows = await bot.db.fetchall("SELECT starts_at FROM events WHERE state='active' ORDER BY starts_at")
    return [datetime.fromtimestamp(r[0], UTC).strftime("%Y-%m-%d %H:%M") for r in rows]


async def test_a_series_moved_into_the_spaces_new_zone(fake: FakeAdapter, bot: Bot, web: str) -> None:
    for line in ("!config set reminders off", "!config set series.ahead 20d",
                 '!event create Meet when="2026-11-24 18:30" repeat=weekly count=20',
                 "!config set timezone America/New_York", "!event cancel 3",
                 '!event edit 2 when="2026-12-01 20:00" series'):
        await ok(fake, line)
    body = await feed(fake)
    assert b"TZID=America/New_York" in body and b"TZID=Etc/UTC" in body, body
    starts = [i[0] for i in check.expanded(body, datetime(2026, 11, 1, tzinfo=UTC), datetime(2027, 6, 1, tzinfo=UTC))]
    assert starts[:3] == ["2026-11-24 18:30", "2026-12-02 01:00", "2026-12-16 01:00"], starts
    assert "2027-03-17 00:00" in starts and len(starts) == 19, starts  # 20:00 EDT; #3 cancelled
    await bot.advance(timedelta(days=150))
    assert await made(bot) == starts[:len(await made(bot))]


async def test_a_cancelled_occurrence_left_at_its_time_by_a_later_move(fake: FakeAdapter, bot: Bot,
                                                                       web: str) -> None:
    for line in ("!config set reminders off", '!event create Q when="2026-11-24 18:30" repeat=weekly count=4',
                 "!event cancel 2", '!event edit 1 when="20:00" series'):
        await ok(fake, line)
    body = await feed(fake)
    starts = [i[0] for i in check.expanded(body, datetime(2026, 11, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))]
    assert starts == ["2026-11-24 20:00", "2026-12-08 20:00", "2026-12-15 20:00"], starts
    await bot.advance(timedelta(days=30))
    assert await made(bot) == starts
