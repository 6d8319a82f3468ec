"""An event page over real HTTP as its event goes through its life: it says the start and end
in the group's zone, and once the event is cancelled or over it stops inviting RSVPs (and a
cancelled one offers no Google link, which would make a live event of it)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

from bot.testing import FakeAdapter

from .test_feed_and_pages import calendar_urls, get, page_url


def google_link(html: str) -> str | None:
    m = re.search(r'href="(https://calendar\.google\.com/[^"]+)"', html)
    return unescape(m.group(1)) if m else None


async def test_the_page_gives_the_groups_start_and_end(fake: FakeAdapter, web: str) -> None:
    await fake.invoke("!config set timezone Europe/Berlin", "mod", mod=True)
    [card] = await fake.invoke('!event create Picnic when="2026-12-05 12:00" duration=3h')
    html = (await get(page_url(card.text)))[2].decode()
    group = re.search(r"<span data-group hidden>(.*?)</span>", html)
    assert group and group.group(1) == ("; the group's is Europe/Berlin: Sat 05 Dec 2026 12:00 CET – "
                                        "Sat 05 Dec 2026 15:00 CET"), html
    google = google_link(html)
    assert google is not None
    assert parse_qs(urlsplit(google).query)["dates"] == ["20261205T110000Z/20261205T140000Z"]
    assert "RSVP in the chat" in html


async def test_a_cancelled_event_page_says_so_and_offers_no_google_link(fake: FakeAdapter, web: str) -> None:
    [card] = await fake.invoke('!event create Picnic when="in 48 hours" where=Park')
    url = page_url(card.text)
    await fake.invoke("!event cancel 1")
    status, _, body = await get(url)
    html = body.decode()
    assert status == 200 and "<bdi>Picnic</bdi> (cancelled)" in html and "It was cancelled." in html
    assert google_link(html) is None and "RSVP in the chat" not in html
    assert b"STATUS:CANCELLED" in (await get(url + ".ics"))[2]


async def test_an_ended_event_page_no_longer_invites_rsvps(fake: FakeAdapter, bot, web: str) -> None:  # type: ignore[no-untyped-def]
    [card] = await fake.invoke('!event create Picnic when="in 3 hours" capacity=4')
    await fake.react(card, "✅", "bob")
    await bot.scheduler.advance(timedelta(hours=6))
    html = (await get(page_url(card.text)))[2].decode()
    assert "It has ended." in html and "RSVP in the chat" not in html and "Going (1/4)" in html
    [reply] = await fake.invoke("!rsvp 1 going", "carol")
    assert reply.text.startswith("⚠️")  # the chat agrees: no more RSVPs


async def test_the_upcoming_page_counts_going_against_the_capacity(fake: FakeAdapter, web: str) -> None:
    [card] = await fake.invoke('!event create Picnic when="in 48 hours" capacity=2')
    await fake.react(card, "✅", "bob")
    await fake.invoke('!event create Quiz when="in 72 hours"')
    _, page = await calendar_urls(fake)
    html = (await get(page))[2].decode()
    assert re.search(r"><bdi>Picnic</bdi></a> — <time[^>]*>[^<]*</time> — Going \(1/2\)</li>", html), html
    assert re.search(r"><bdi>Quiz</bdi></a> — <time[^>]*>[^<]*</time> — Going \(0\)</li>", html), html
