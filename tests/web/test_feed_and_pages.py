"""The calendar feed and event pages over real HTTP on loopback (aiohttp), read back with the
parsers calendar apps use: icalendar re-parses the feed and recurring-ical-events expands its
series; the chat and the calendar must agree on every occurrence."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import icalendar
import recurring_ical_events

from bot.testing import FakeAdapter

BERLIN = ZoneInfo("Europe/Berlin")


async def get(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    async with aiohttp.ClientSession() as http, http.request(method, url) as r:
        return r.status, dict(r.headers), await r.read()


async def calendar_urls(fake: FakeAdapter, *, reset: bool = False) -> tuple[str, str]:
    [reply] = await fake.invoke("!calendar reset" if reset else "!calendar", "mod", mod=True)
    feed = re.search(r"Subscribe: (\S+)", reply.text)
    page = re.search(r"Upcoming: (\S+)", reply.text)
    assert feed and page, reply.text
    return feed.group(1), page.group(1)


def page_url(card_text: str) -> str:
    m = re.search(r"🔗 (\S+)", card_text)
    assert m, card_text
    return m.group(1)


async def test_feed_agrees_with_the_chat_across_dst(fake: FakeAdapter, bot, web: str) -> None:
    await fake.invoke("!config set timezone Europe/Berlin", "mod", mod=True)
    await fake.invoke('!event create Picnic when="2027-03-20 12:00" where=Park')
    await fake.invoke('!event create Board games when="2027-03-16 18:30" repeat=weekly count=6')
    bot.clock.set(datetime(2027, 3, 10, tzinfo=UTC))
    await bot.scheduler.advance(timedelta(days=7))  # the next ones are made as their time nears
    rows = await bot.db.fetchall("SELECT id, occurrence FROM events WHERE series_id IS NOT NULL "
                                 "ORDER BY occurrence")
    by_day = {r[1][:10]: r[0] for r in rows}
    await fake.invoke(f"!event cancel {by_day['2027-03-23']}", "mod", mod=True)
    await fake.invoke(f"!event edit {by_day['2027-03-30']} where=Library", "mod", mod=True)
    feed, _ = await calendar_urls(fake)
    status, headers, body = await get(feed)
    assert status == 200 and headers["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(body)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    masters = [v for v in cal.walk("VEVENT") if "RRULE" in v]
    assert len(masters) == 1 and masters[0].get("RRULE")["COUNT"] == [6]
    expanded = recurring_ical_events.of(cal).between(datetime(2027, 3, 1), datetime(2027, 5, 1))
    got = sorted((e["DTSTART"].dt.astimezone(BERLIN).strftime("%m-%d %H:%M %Z"), str(e.get("SUMMARY")),
                  str(e.get("LOCATION", ""))) for e in expanded)
    assert got == [
        ("03-16 18:30 CET", "Board games", ""),
        ("03-20 12:00 CET", "Picnic", "Park"),
        ("03-30 18:30 CEST", "Board games", "Library"),  # 23 March was cancelled in the chat
        ("04-06 18:30 CEST", "Board games", ""),
        ("04-13 18:30 CEST", "Board games", ""),
        ("04-20 18:30 CEST", "Board games", ""),
    ]


async def test_unknown_and_rotated_addresses_are_404_and_say_nothing(fake: FakeAdapter, web: str) -> None:
    await fake.invoke('!event create Secret meetup when="in 72 hours" where="Hidden place"')
    feed, page = await calendar_urls(fake)
    assert (await get(feed))[0] == 200 and (await get(page))[0] == 200
    new_feed, _ = await calendar_urls(fake, reset=True)
    assert new_feed != feed
    for url in (feed, page, web + "/cal/" + "A" * 32, web + "/e/1-" + "A" * 32, web + "/e/1",
                web + "/e/999999-x", web + "/nothing", web + "/e/1-%00"):
        status, _, body = await get(url)
        assert status == 404, url
        assert b"Secret" not in body and b"Hidden" not in body and len(body) < 40
    assert (await get(new_feed))[0] == 200


async def test_event_page_escapes_and_sets_a_strict_policy(fake: FakeAdapter, bot, web: str) -> None:
    [card] = await fake.invoke('!event create <script>alert(1)</script> & friends when="in 48 hours" '
                               'where="<img src=x onerror=alert(2)>" capacity=3 goal=2')
    await fake.react(card, "✅", "bob")
    url = page_url(card.text)
    status, headers, body = await get(url)
    html = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends" in html
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp and "unsafe" not in csp
    assert headers["Referrer-Policy"] == "no-referrer" and headers["X-Content-Type-Options"] == "nosniff"
    assert "Going (1/3)" in html and "bob" not in html  # counts only, unless web.names is on
    assert "Goal (1/2)" in html
    # Before (or without) its script the page shows the group's zone and does not call it yours.
    assert "shown in <span data-whose>the group's</span> timezone, <span data-zone>UTC</span>" in html
    assert "your timezone" not in html
    await fake.invoke("!config set web.names on", "mod", mod=True)
    assert "bob" in (await get(url))[2].decode()
    assert (await get(url, "HEAD"))[0] == 200
    for method in ("POST", "PUT", "DELETE"):
        assert (await get(url, method))[0] == 405
    status, headers, body = await get(url + ".ics")
    assert status == 200 and b"BEGIN:VEVENT" in body and "attachment" in headers["Content-Disposition"]
    # The address is unguessable: a different id with this mac, or this id with another, is 404.
    event_id, mac = url.rsplit("/", 1)[1].split("-", 1)
    assert len(mac) >= 22  # >= 128 bits
    assert (await get(url.replace(f"/{event_id}-", f"/{int(event_id) + 1}-")))[0] == 404


async def test_the_feed_follows_every_change(fake: FakeAdapter, bot, web: str) -> None:
    [card] = await fake.invoke('!event create Picnic when="in 72 hours" where=Park')
    await fake.invoke('!event create Yoga when="in 48 hours" repeat=weekly')
    feed, _ = await calendar_urls(fake)
    first = (await get(feed))[2]
    assert (await get(feed))[2] == first  # nothing changed: the same feed
    for line, seen in (("!event edit 1 title=Barbecue", b"SUMMARY:Barbecue"),
                       ('!event create Quiz when="in 96 hours"', b"SUMMARY:Quiz"),
                       ("!event edit 2 series where=Gym", b"LOCATION:Gym"),
                       ("!event cancel 1", None)):
        await fake.invoke(line, "mod", mod=True)
        body = (await get(feed))[2]
        if seen is not None:
            assert seen in body, line
        else:
            assert b"Barbecue" not in body


async def test_anyone_gets_the_address_only_moderators_reset_it(fake: FakeAdapter, web: str) -> None:
    [given] = await fake.invoke("!calendar", "bob")
    [refused] = await fake.invoke("!calendar reset", "bob")
    assert refused.text.startswith("⚠️") and "only moderators" in refused.text
    [again] = await fake.invoke("!calendar", "carol")
    assert re.search(r"Subscribe: (\S+)", given.text).group(1) == re.search(  # type: ignore[union-attr]
        r"Subscribe: (\S+)", again.text).group(1)  # type: ignore[union-attr]


async def test_a_series_moved_from_one_occurrence_on_reads_right_in_calendars(fake: FakeAdapter, bot,
                                                                             web: str) -> None:
    await fake.invoke("!config set timezone Europe/Berlin", "mod", mod=True)
    await fake.invoke('!event create Choir when="2027-03-09 18:00" repeat=weekly count=4')
    bot.clock.set(datetime(2027, 3, 10, tzinfo=UTC))
    await bot.scheduler.advance(timedelta(hours=1))
    second = (await bot.db.fetchone("SELECT id FROM events WHERE occurrence LIKE '2027-03-16%'"))[0]
    await fake.invoke(f'!event edit {second} series when="2027-03-16 19:30"')
    feed, _ = await calendar_urls(fake)
    cal = icalendar.Calendar.from_ical((await get(feed))[2])
    expanded = recurring_ical_events.of(cal).between(datetime(2027, 3, 1), datetime(2027, 5, 1))
    got = sorted(e["DTSTART"].dt.astimezone(BERLIN).strftime("%m-%d %H:%M") for e in expanded)
    assert got == ["03-09 18:00", "03-16 19:30", "03-23 19:30", "03-30 19:30"]
