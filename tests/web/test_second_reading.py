"""The hour the clocks repeat: a time in its second reading, asked for as the bot's own refusal
suggests ("2027-10-31 02:30 CET"), is that moment, for the first meetup of a series, an
occurrence moved on its own, and an occurrence moved with the rest of its series; and the feed
places each where the bot does."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.testing import FakeAdapter
from tests.web import ics_check as check
from tests.web.test_feed_and_pages import calendar_urls, get
from tests.web.test_feed_as_clients_read_it import SPACE, ok

# zone: (the repeated wall time, it at its second reading, that moment, a week earlier)
CASES = {"Europe/Berlin": ("2027-10-31 02:30", "2027-10-31 02:30 CET",
                           datetime(2027, 10, 31, 1, 30, tzinfo=UTC), "2027-10-24 02:30"),
         "America/New_York": ("2027-11-07 01:30", "2027-11-07 01:30 EST",
                              datetime(2027, 11, 7, 6, 30, tzinfo=UTC), "2027-10-31 01:30")}


async def _feed_matches(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    body = (await get((await calendar_urls(fake))[0]))[2]
    since, until = check.far(bot.clock.now())
    want = await bot.db.read(lambda c: check.bot_instances(c, SPACE, since))
    got = check.expanded(body, since, until)
    assert got == want, (sorted(set(want) - set(got)), sorted(set(got) - set(want)))


async def _starts(bot, title: str) -> list[datetime]:  # type: ignore[no-untyped-def]
    rows = await bot.db.fetchall("SELECT starts_at FROM events WHERE title=? ORDER BY starts_at", (title,))
    return [datetime.fromtimestamp(r[0], UTC) for r in rows]


@pytest.mark.parametrize("zone", list(CASES))
async def test_series_first_meetup_at_the_second_reading(fake: FakeAdapter, bot, web: str, zone: str) -> None:
    bare, second, moment, _ = CASES[zone]
    await ok(fake, "!config set reminders off")
    await ok(fake, f"!config set timezone {zone}")
    bot.clock.set(datetime(2027, 10, 20, tzinfo=UTC))
    [asked] = await fake.invoke(f'!event create Once when="{bare}" repeat=weekly count=3', "mod", mod=True)
    assert asked.text.startswith("⚠️") and second in asked.text, asked.text  # the bot asks which one
    replies = await fake.invoke(f'!event create F when="{second}" repeat=weekly count=3', "mod", mod=True)
    assert not replies[0].text.startswith("⚠️"), replies[0].text
    await ok(fake, "!config set series.ahead 40d")
    await bot.scheduler.advance(timedelta(hours=1))
    starts = await _starts(bot, "F")
    assert starts[0] == moment, replies[0].text
    wall = moment.astimezone(ZoneInfo(zone))
    assert f"{wall:%H:%M} {wall.tzname()}" in replies[0].text, replies[0].text  # its card says so
    # The later ones keep the wall time, at the zone's offset of their day.
    assert [s.astimezone(wall.tzinfo).strftime("%H:%M") for s in starts] == [f"{wall:%H:%M}"] * 3
    assert [s - starts[0] for s in starts] == [timedelta(days=7 * i) for i in range(3)]
    await _feed_matches(fake, bot)


@pytest.mark.parametrize("zone", list(CASES))
async def test_occurrence_moved_alone_to_the_second_reading(fake: FakeAdapter, bot, web: str, zone: str) -> None:
    _, second, moment, week_before = CASES[zone]
    await ok(fake, "!config set reminders off")
    await ok(fake, f"!config set timezone {zone}")
    bot.clock.set(datetime(2027, 10, 20, tzinfo=UTC))
    await ok(fake, f'!event create Late when="{week_before}" repeat=weekly count=4')
    await ok(fake, "!config set series.ahead 40d")
    await bot.scheduler.advance(timedelta(hours=1))
    [(eid, before)] = await bot.db.fetchall("SELECT id, starts_at FROM events WHERE occurrence LIKE ?",
                                            (second[:10] + "%",))
    replies = await fake.invoke(f'!event edit {eid} when="{second}"', "mod", mod=True)
    assert not replies[-1].text.startswith("⚠️"), replies[-1].text
    after = (await bot.db.fetchone("SELECT starts_at FROM events WHERE id=?", (eid,)))[0]
    assert datetime.fromtimestamp(after, UTC) == moment and after - before == 3600
    await _feed_matches(fake, bot)


@pytest.mark.parametrize("zone", list(CASES))
async def test_series_moved_to_the_second_reading(fake: FakeAdapter, bot, web: str, zone: str) -> None:
    """`… series` from the night the clocks go back: that one at the moment given, the later ones
    at the new wall time."""
    _, second, moment, week_before = CASES[zone]
    await ok(fake, "!config set reminders off")
    await ok(fake, f"!config set timezone {zone}")
    bot.clock.set(datetime(2027, 10, 20, tzinfo=UTC))
    early = f"{week_before[:10]} 00:15"
    await ok(fake, f'!event create M when="{early}" repeat=weekly count=4')
    await ok(fake, "!config set series.ahead 40d")
    await bot.scheduler.advance(timedelta(hours=1))
    [(eid,)] = await bot.db.fetchall("SELECT id FROM events WHERE occurrence LIKE ?", (second[:10] + "%",))
    replies = await fake.invoke(f'!event edit {eid} when="{second}" series', "mod", mod=True)
    assert not replies[-1].text.startswith("⚠️"), replies[-1].text
    starts = await _starts(bot, "M")
    assert moment in starts, starts
    later = [s for s in starts if s > moment]
    wall = moment.astimezone(ZoneInfo(zone)).strftime("%H:%M")
    assert later and all(s.astimezone(ZoneInfo(zone)).strftime("%H:%M") == wall
                         for s in later)
    await _feed_matches(fake, bot)
