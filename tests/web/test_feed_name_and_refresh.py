"""The calendar feed says which space it is for and how often to read it again (PRODUCT.md
"Calendar feed and event pages"): NAME (RFC 7986) and X-WR-CALNAME carry the space's name as
its platform gives it, escaped as calendar text so no name can add a line to the feed; another
space's feed has another name. REFRESH-INTERVAL (RFC 7986) and X-PUBLISHED-TTL ask for an
hourly read, beside the `Cache-Control: no-store` every answer carries."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import icalendar
import pytest

from bot.model import ChannelRef
from bot.testing import FakeAdapter
from bot.web import WebConfig
from tests.web.ics_check import octets
from tests.web.test_feed_and_pages import calendar_urls, get, page_url


class NamedFake(FakeAdapter):
    """A platform that knows what its spaces are called, as a server or a room has a name."""

    def __init__(self) -> None:
        super().__init__()
        self.names: dict[str, str] = {}

    def space_name(self, space_id: str) -> str | None:
        return self.names.get(space_id)


@pytest.fixture
async def named(bot) -> AsyncIterator[NamedFake]:  # type: ignore[no-untyped-def]
    adapter = NamedFake()
    bot.add_adapter(adapter)
    await bot.start()
    await bot.web.start(WebConfig("127.0.0.1", 0, "http://127.0.0.1:0"))
    try:
        yield adapter
    finally:
        await bot.web.stop()


def calendar(body: bytes) -> icalendar.Calendar:
    octets(body)
    return icalendar.Calendar.from_ical(body)


async def test_each_space_s_feed_is_named_after_it_and_follows_a_rename(named: NamedFake) -> None:
    named.names = {"space1": "Board Gamers", "space2": "Hikers"}
    await named.invoke('!event create Picnic when="in 72 hours"')
    feed, _ = await calendar_urls(named)
    other = ChannelRef(named.platform, "trail", "space2")
    [reply] = await named.invoke("!calendar", channel=other)
    other_feed = re.search(r"Subscribe: (\S+)", reply.text).group(1)  # type: ignore[union-attr]
    status, _, body = await get(feed)
    assert status == 200 and b"\r\nNAME:Board Gamers\r\n" in body and b"\r\nX-WR-CALNAME:Board Gamers\r\n" in body
    assert b"X-WR-CALNAME:Hikers\r\n" in (await get(other_feed))[2]
    named.names["space1"] = "Board Gamers Berlin"  # renamed on the platform: the feed follows
    assert b"X-WR-CALNAME:Board Gamers Berlin\r\n" in (await get(feed))[2]


async def test_a_name_cannot_add_lines_to_the_feed(named: NamedFake) -> None:
    named.names["space1"] = "Evil\r\nEND:VCALENDAR\rBEGIN:VEVENT;x,y\\z\x00"
    await named.invoke('!event create Picnic when="in 72 hours"')
    feed, _ = await calendar_urls(named)
    body = (await get(feed))[2]
    cal = calendar(body)
    # One line each, as calendar text: ";", "," and "\\" escaped, line breaks and NUL as spaces.
    said = b"Evil END:VCALENDAR BEGIN:VEVENT\\;x\\,y\\\\z"
    assert b"\r\nNAME:" + said + b"\r\n" in body and b"\r\nX-WR-CALNAME:" + said + b"\r\n" in body, body
    assert len(cal.walk("VEVENT")) == 1 and body.count(b"\r\nEND:VCALENDAR\r\n") == 1, body


async def test_a_platform_that_gives_no_name_names_the_platform(named: NamedFake) -> None:
    feed, _ = await calendar_urls(named)
    body = (await get(feed))[2]
    assert b"\r\nX-WR-CALNAME:Meetups on fake\r\n" in body and b"logoff\r\n" not in body, body


async def test_the_feed_asks_for_an_hourly_read_and_is_never_kept_by_a_cache(named: NamedFake) -> None:
    [card] = await named.invoke('!event create Picnic when="in 72 hours"')
    feed, _ = await calendar_urls(named)
    status, headers, body = await get(feed)
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\nX-PUBLISHED-TTL:PT1H\r\n" in body, body
    cal = calendar(body)
    assert cal["refresh-interval"].dt == timedelta(hours=1)
    # One event's .ics is imported once, not subscribed to: nothing to refresh, no feed name.
    one = (await get(page_url(card.text) + ".ics"))[2]
    assert b"REFRESH-INTERVAL" not in one and b"X-PUBLISHED-TTL" not in one and b"X-WR-CALNAME" not in one


async def test_the_upcoming_page_says_the_space_s_name_as_text(named: NamedFake) -> None:
    named.names["space1"] = "<b>Gamers</b> \u202e"
    _, page = await calendar_urls(named)
    html = (await get(page))[2].decode()
    assert "<p><bdi>&lt;b&gt;Gamers&lt;/b&gt; \u202e</bdi></p>" in html, html
    assert "<title>Upcoming meetups: &lt;b&gt;Gamers&lt;/b&gt; \u202e</title>" in html, html
