"""The feed's VTIMEZONE gives every zone's offsets as zoneinfo has them, also where the
definition icalendar builds misses changes (Casablanca's and El Aaiun's Ramadan hours): a
calendar app reading the file places every meetup where the bot does."""
from __future__ import annotations

from datetime import UTC, datetime

import icalendar
import pytest

from bot.testing import FakeAdapter
from tests.web import ics_check as check
from tests.web.test_feed_and_pages import calendar_urls, get
from tests.web.test_feed_as_clients_read_it import SPACE, ics_of, ok


@pytest.mark.parametrize("zone", ["Africa/Casablanca", "Africa/El_Aaiun"])
async def test_vtimezone_gives_the_ramadan_offset(fake: FakeAdapter, bot, web: str, zone: str) -> None:
    """+00 from 7 Feb to 14 Mar 2027: a meetup on 9 Feb 19:00 is 19:00 UTC."""
    await ok(fake, "!config set reminders off")
    await ok(fake, f"!config set timezone {zone}")
    bot.clock.set(datetime(2027, 1, 20, tzinfo=UTC))
    await ok(fake, '!event create Iftar meetup when="2027-02-09 19:00"')
    start = (await bot.db.fetchone("SELECT starts_at FROM events"))[0]
    assert datetime.fromtimestamp(start, UTC) == datetime(2027, 2, 9, 19, tzinfo=UTC)
    # The feed, and the event's own .ics (`event ics`)
    for body in ((await get((await calendar_urls(fake))[0]))[2], await ics_of(fake, 1)):
        cal = icalendar.Calendar.from_ical(body)
        [vtz] = cal.walk("VTIMEZONE")
        [ev] = cal.walk("VEVENT")
        wall = ev["DTSTART"].dt.replace(tzinfo=None)
        as_the_file_says = wall.replace(tzinfo=vtz.to_tz(lookup_tzid=False)).astimezone(UTC)
        assert as_the_file_says == datetime.fromtimestamp(start, UTC), (wall, as_the_file_says)


ZONES = ["Africa/Casablanca", "Africa/El_Aaiun", "Europe/Dublin", "Australia/Lord_Howe", "Pacific/Chatham",
         "America/Santiago", "Asia/Gaza", "America/Sao_Paulo", "Pacific/Apia", "America/Godthab", "Asia/Tehran"]


@pytest.mark.parametrize("zone", ZONES)
async def test_series_in_zones_with_odd_changes(fake: FakeAdapter, bot, web: str, zone: str) -> None:
    await ok(fake, "!config set reminders off")
    await ok(fake, f"!config set timezone {zone}")
    bot.clock.set(datetime(2026, 12, 10, tzinfo=UTC))
    await ok(fake, '!event create W when="2026-12-15 19:00" repeat=weekly count=60')
    await ok(fake, '!event create One when="2027-04-03 19:00"')
    body = (await get((await calendar_urls(fake))[0]))[2]
    check.octets(body)
    check.rules_and_zones(body)
    since, until = check.far(bot.clock.now())
    want = await bot.db.read(lambda c: check.bot_instances(c, SPACE, since))
    got = check.expanded(body, since, until)
    missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
    assert not missing and not extra, (missing[:6], extra[:6])
