"""The calendar feed over real HTTP, read back with icalendar: times named by the space's zone
with its VTIMEZONE in every space (UTC too), and a SEQUENCE that grows with every change to a
series, as calendar apps use it to tell a newer copy from an older one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import recurring_ical_events

from bot.testing import FakeAdapter

from .test_feed_and_pages import calendar_urls, get, page_url


async def feed(fake: FakeAdapter) -> icalendar.Calendar:
    url, _ = await calendar_urls(fake)
    status, _, body = await get(url)
    assert status == 200
    return icalendar.Calendar.from_ical(body)


def master(cal: icalendar.Calendar, title: str) -> icalendar.Event:
    [found] = [v for v in cal.walk("VEVENT") if "RRULE" in v and str(v["SUMMARY"]) == title]
    return found


@pytest.mark.parametrize(("zone", "tzid"), [("UTC", "Etc/UTC"), ("Atlantic/Reykjavik", "Atlantic/Reykjavik")])
async def test_a_space_on_utc_time_still_names_its_zone(fake: FakeAdapter, bot, web: str,  # type: ignore[no-untyped-def]
                                                         zone: str, tzid: str) -> None:
    await fake.invoke(f"!config set timezone {zone}", "mod", mod=True)
    [card] = await fake.invoke('!event create Picnic when="2026-12-05 12:00" where=Park')
    await fake.invoke('!event create Choir when="2026-11-30 18:00" repeat=weekly count=3')
    bot.clock.set(datetime(2026, 12, 1, tzinfo=UTC))
    await bot.scheduler.advance(timedelta(hours=1))
    rows = await bot.db.fetchall("SELECT id FROM events WHERE series_id IS NOT NULL ORDER BY occurrence")
    await fake.invoke(f"!event cancel {rows[1][0]}", "mod", mod=True)
    await fake.invoke(f"!event edit {rows[2][0]} where=Hall", "mod", mod=True)
    cal = await feed(fake)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == [tzid]
    for item in cal.walk("VEVENT"):
        for name in ("DTSTART", "DTEND", "EXDATE", "RECURRENCE-ID"):
            for prop in (item.get(name) if isinstance(item.get(name), list) else [item.get(name)]):
                if prop is not None:
                    assert prop.params.get("TZID") == tzid, (name, item.to_ical())
    expanded = recurring_ical_events.of(cal).between(datetime(2026, 11, 1), datetime(2027, 1, 1))
    got = sorted((e["DTSTART"].dt.astimezone(UTC).strftime("%m-%d %H:%M"), str(e["SUMMARY"]),
                  str(e.get("LOCATION", ""))) for e in expanded)
    assert got == [("11-30 18:00", "Choir", ""), ("12-05 12:00", "Picnic", "Park"),
                   ("12-14 18:00", "Choir", "Hall")]  # 7 Dec was cancelled in the chat
    # The event page's own .ics download too.
    status, _, body = await get(page_url(card.text) + ".ics")
    one = icalendar.Calendar.from_ical(body)
    assert status == 200 and [str(tz["TZID"]) for tz in one.walk("VTIMEZONE")] == [tzid]
    [event] = one.walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == tzid
    assert event["DTSTART"].dt.astimezone(UTC) == datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


async def test_the_sequence_of_a_series_grows_with_every_change(fake: FakeAdapter, bot, web: str) -> None:
    await fake.invoke('!event create Run club when="2026-11-25 07:00" repeat=weekly count=6')
    rows = await bot.db.fetchall("SELECT id FROM events WHERE series_id IS NOT NULL ORDER BY occurrence")
    first, second = rows[0][0], rows[1][0]
    seen = [int(master(await feed(fake), "Run club").get("SEQUENCE", 0))]
    for line in (f"!event edit {first} series where=Gym",  # the master's LOCATION
                 f"!event cancel {second}",  # an EXDATE
                 f"!event edit {first} series title=\"Run club\" details=Bring water"):
        [*_, reply] = await fake.invoke(line, "mod", mod=True)
        cal = await feed(fake)
        seen.append(int(master(cal, "Run club").get("SEQUENCE", 0)))
    assert seen == sorted(set(seen)), seen  # strictly growing
    assert "EXDATE" in master(cal, "Run club") and str(master(cal, "Run club")["LOCATION"]) == "Gym"
    # Moved to a new time from the first on: the old series ends (a new UNTIL), so it changed too.
    before = seen[-1]
    bot.clock.set(datetime(2026, 11, 26, tzinfo=UTC))
    await bot.scheduler.advance(timedelta(hours=1))  # the third is made
    third = (await bot.db.fetchone("SELECT id FROM events WHERE occurrence LIKE '2026-12-09%'"))[0]
    await fake.invoke(f'!event edit {third} series when="2026-12-09 08:00"', "mod", mod=True)
    cal = await feed(fake)
    old = [v for v in cal.walk("VEVENT") if "RRULE" in v and "UNTIL" in v["RRULE"]]
    assert len(old) == 1 and int(old[0]["SEQUENCE"]) > before
