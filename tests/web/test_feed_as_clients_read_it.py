"""The calendar feed and `event ics` as a calendar app reads them (ics_check.py): in a zone of
each hemisphere, with series across both DST changes, occurrences cancelled and edited, a
series moved and one ended, the instants the feed expands to are exactly the ones the bot has
posted or will post, in UTC, each rule's EXDATE and RECURRENCE-ID are its own instances, and
the octets are RFC 5545's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from bot.render import Attachment
from bot.testing import FakeAdapter

from . import ics_check as check
from .test_feed_and_pages import calendar_urls, get, page_url

# zone: (first day of the series, the spring-forward day, the fall-back day) in 2027
DAYS = {"Europe/Berlin": ("2027-03-23", "2027-03-28", "2027-10-31"),
        "America/New_York": ("2027-03-09", "2027-03-14", "2027-11-07"),
        "Australia/Sydney": ("2027-03-30", "2027-10-03", "2027-04-04")}
# The second 02:30 (01:30 in New York) of the fall-back night, and a start two hours before it.
SECOND = {"Europe/Berlin": ("2027-10-31 02:30 CET", "2027-10-31 01:30"),
          "America/New_York": ("2027-11-07 01:30 EST", "2027-11-07 00:30"),
          "Australia/Sydney": ("2027-04-04 02:30 AEST", "2027-04-04 01:30")}
SPACE = "fake:space1"


async def ok(fake: FakeAdapter, line: str) -> None:
    replies = await fake.invoke(line, "mod", mod=True)
    assert not any(r.text.startswith("⚠️") for r in replies), (line, replies[-1].text)


async def ids_ahead(bot, title: str) -> list[int]:  # type: ignore[no-untyped-def]
    rows = await bot.db.fetchall("SELECT id FROM events WHERE title=? AND starts_at > ? AND state='active' "
                                 "ORDER BY starts_at", (title, bot.clock.now().timestamp()))
    return [r[0] for r in rows]


async def ics_of(fake: FakeAdapter, event_id: int) -> bytes:
    [sent] = await fake.invoke(f"!event ics {event_id}")
    assert isinstance(sent.out, Attachment), sent.text
    return sent.out.data


@pytest.mark.parametrize("zone", list(DAYS))
async def test_the_feed_expands_to_exactly_what_the_bot_posts(fake: FakeAdapter, bot, web: str,  # type: ignore[no-untyped-def]
                                                             zone: str) -> None:
    first, spring, autumn = DAYS[zone]
    later = max(spring, autumn)  # still ahead when the events are edited
    second, before = SECOND[zone]
    await ok(fake, f"!config set timezone {zone}")
    bot.clock.set(datetime.fromisoformat(f"{first}T00:00+00:00") - timedelta(days=20))
    await ok(fake, f'!event create "Picnic, with; friends \\\\ all" when="{spring} 12:00" '
                   'where="Park; by the ,lake" details="Bring ü, 🎉 and; more \\ stuff ' + "🎉" * 30 + '"')
    await ok(fake, f'!event create Second reading when="{second}"')
    await ok(fake, f'!event create Ends in the repeated hour when="{before}"')
    await ok(fake, f'!event create Moved when="{later} 10:00"')
    await ok(fake, f'!event create Dropped when="{later} 11:00"')
    await ok(fake, f'!event create Board games when="{first} 18:30" repeat=weekly count=8')
    await ok(fake, f'!event create Early when="{first} 02:30" repeat=daily count=40')
    await ok(fake, f'!event create Late when="{first} 23:30" repeat="every 2 weeks" until={later}')
    await ok(fake, f'!event create Monthly when="{first} 19:00" repeat=monthly')
    await ok(fake, f'!event create Split when="{first} 17:00" repeat="every tuesday and friday" count=12')
    await ok(fake, f'!event create Ended when="{first} 09:00" repeat=daily')
    bot.clock.set(datetime.fromisoformat(f"{first}T00:00+00:00") + timedelta(days=2))
    await bot.scheduler.advance(timedelta(days=5))  # the next ones are made as their time nears
    board, early = await ids_ahead(bot, "Board games"), await ids_ahead(bot, "Early")
    alone = early[4]
    before_edit = await ics_of(fake, alone)
    await ok(fake, f'!event edit {await ids_of(bot, "Moved")} when="{later} 18:00" where="Hall, 2nd floor"')
    await ok(fake, f"!event cancel {await ids_of(bot, 'Dropped')}")
    await ok(fake, f"!event cancel {board[0]}")
    await ok(fake, f'!event edit {board[1]} where="Library, 2nd floor"')
    await ok(fake, f"!event cancel {early[2]}")
    await ok(fake, f'!event edit {early[3]} title="Early bird"')
    await ok(fake, f'!event edit {alone} when="05:15"')  # this one only, on its own day
    await ok(fake, f'!event edit {(await ids_ahead(bot, "Late"))[0]} series title="Late show"')
    await ok(fake, f'!event edit {(await ids_ahead(bot, "Split"))[1]} series when="18:15"')
    await ok(fake, f"!event cancel {(await ids_ahead(bot, 'Ended'))[2]} series")
    await bot.scheduler.advance(timedelta(days=3))

    feed, _ = await calendar_urls(fake)
    body = (await get(feed))[2]
    check.octets(body)
    check.rules_and_zones(body)
    since, until = check.far(bot.clock.now())
    want = await bot.db.read(lambda c: check.bot_instances(c, SPACE, since))
    assert check.expanded(body, since, until) == want
    cal = icalendar.Calendar.from_ical(body)
    # TEXT escaping: what the chat was given comes back (the instances above hold the titles).
    assert {str(v["SUMMARY"]) for v in cal.walk("VEVENT")} >= {"Picnic, with; friends \\ all", "Late show"}
    for item in cal.walk("VEVENT"):
        assert item["DTSTAMP"].dt.utcoffset() == timedelta(0)

    # `event ics` of one occurrence is that occurrence, under its own UID, kept across edits,
    # with a higher SEQUENCE; the page's download is the same.
    after_edit = await ics_of(fake, alone)
    for data in (before_edit, after_edit):
        check.octets(data)
        check.rules_and_zones(data)
    [old], [new] = (icalendar.Calendar.from_ical(d).walk("VEVENT") for d in (before_edit, after_edit))
    assert old["UID"] == new["UID"] and int(new["SEQUENCE"]) > int(old["SEQUENCE"])
    assert "RRULE" not in new and "RECURRENCE-ID" not in new
    starts = (await bot.db.fetchone("SELECT starts_at FROM events WHERE id=?", (alone,)))[0]
    assert new["DTSTART"].dt.astimezone(UTC) == datetime.fromtimestamp(starts, UTC)
    assert new["DTSTART"].dt.astimezone(new["DTSTART"].dt.tzinfo).strftime("%H:%M") == "05:15"


async def ids_of(bot, title: str) -> int:  # type: ignore[no-untyped-def]
    [(event_id,)] = await bot.db.fetchall("SELECT id FROM events WHERE title=?", (title,))
    return int(event_id)


@pytest.mark.parametrize("zone", list(SECOND))
async def test_a_time_in_the_hour_the_clocks_repeat_keeps_its_moment(fake: FakeAdapter, bot, web: str,  # type: ignore[no-untyped-def]
                                                                    zone: str) -> None:
    """A wall time the clocks show twice names the first of the two (RFC 5545 3.3.5): an event
    in the second must not be written as that wall time, or calendars show it an hour early."""
    second, before = SECOND[zone]
    bot.clock.set(datetime(2027, 3, 1, tzinfo=UTC))
    await ok(fake, f"!config set timezone {zone}")
    [card] = await fake.invoke(f'!event create Late start when="{second}"')
    await ok(fake, f'!event create Late end when="{before}"')
    rows = await bot.db.fetchall("SELECT id, starts_at, ends_at FROM events ORDER BY id")
    told = {r[0]: (datetime.fromtimestamp(r[1], UTC), datetime.fromtimestamp(r[2], UTC)) for r in rows}
    feed, _ = await calendar_urls(fake)
    bodies = [(await get(feed))[2], await ics_of(fake, 1), await ics_of(fake, 2),
              (await get(page_url(card.text) + ".ics"))[2]]
    for body in bodies:
        check.rules_and_zones(body)
        for item in icalendar.Calendar.from_ical(body).walk("VEVENT"):
            event_id = int(str(item["UID"]).split("-")[1].split("@")[0])
            got = (item["DTSTART"].dt.astimezone(UTC), item["DTEND"].dt.astimezone(UTC))
            assert got == told[event_id], (zone, item.to_ical())


async def test_a_series_with_no_end_stops_in_the_feed_where_the_bot_stops(fake: FakeAdapter, bot,  # type: ignore[no-untyped-def]
                                                                         web: str) -> None:
    await ok(fake, "!config set timezone Europe/Berlin")
    await ok(fake, '!event create Monthly when="2026-12-08 19:00" repeat=monthly')
    await ok(fake, '!event create Daily when="2026-11-24 07:00" repeat=daily')
    feed, _ = await calendar_urls(fake)
    body = (await get(feed))[2]
    since, _ = check.far(bot.clock.now())
    got = check.expanded(body, since, datetime(2040, 1, 1, tzinfo=UTC))
    want = await bot.db.read(lambda c: check.bot_instances(c, SPACE, since))
    assert got[-1] == want[-1] and got == want
    # The last of each is five years on, as the bot counts them.
    assert max(g[0] for g in got if g[2] == "Daily") == "2031-11-24 06:00"


async def test_the_zones_reach_every_time_a_later_feed_uses(fake: FakeAdapter, bot, web: str) -> None:  # type: ignore[no-untyped-def]
    """Years from now a series runs past 2038, where icalendar's VTIMEZONE would stop by itself:
    a calendar that reads the VTIMEZONE would put its summer meetups an hour off."""
    bot.clock.set(datetime(2035, 1, 8, tzinfo=UTC))
    await ok(fake, "!config set timezone America/New_York")
    await ok(fake, '!event create Club when="2036-06-10 18:30" repeat=monthly count=40')
    [card] = await fake.invoke('!event create Far picnic when="2039-07-01 12:00"')
    feed, _ = await calendar_urls(fake)
    for body in ((await get(feed))[2], await ics_of(fake, 2), (await get(page_url(card.text) + ".ics"))[2]):
        check.rules_and_zones(body)


@pytest.mark.parametrize(("zone", "first"), [("Europe/Berlin", "2027-03-28 01:00"),
                                             ("Australia/Sydney", "2027-04-04 01:00")])
async def test_a_series_whose_first_night_changes_the_clocks_keeps_its_length(  # type: ignore[no-untyped-def]
        fake: FakeAdapter, bot, web: str, zone: str, first: str) -> None:
    """Calendars give every instance the length of the series' own DTSTART to DTEND: measured on
    a night the clocks change, that would be an hour off for every later meetup."""
    bot.clock.set(datetime(2027, 3, 20, tzinfo=UTC))
    await ok(fake, f"!config set timezone {zone}")
    await ok(fake, f'!event create Night owls when="{first}" duration=3h repeat=weekly count=6')
    feed, _ = await calendar_urls(fake)
    body = (await get(feed))[2]
    check.rules_and_zones(body)
    since, until = check.far(bot.clock.now())
    got = check.expanded(body, since, until)
    assert got == await bot.db.read(lambda c: check.bot_instances(c, SPACE, since))
    later = [datetime.fromisoformat(end) - datetime.fromisoformat(start) for start, end, *_ in got[1:]]
    assert later == [timedelta(hours=3)] * 5
    # RFC 5545 3.8.5.3: each instance lasts the master's exact duration (recurring-ical-events
    # subtracts wall times, libical and Google the moments).
    [master] = [v for v in icalendar.Calendar.from_ical(body).walk("VEVENT") if "RRULE" in v]
    exact = master["DTEND"].dt.astimezone(UTC) - master["DTSTART"].dt.astimezone(UTC)
    assert exact == timedelta(hours=3), master.to_ical()
