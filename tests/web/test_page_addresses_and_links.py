"""An event page's address and its Google Calendar link, over real HTTP: an address that is not
an event's is a bare 404 however odd its characters (never a server error), and the link gives
Google the title, place, details and times exactly as the chat has them."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.testing import FakeAdapter

from .test_feed_and_pages import get, page_url


@pytest.mark.parametrize("token", ["%C2%B2-abc", "%C2%B2-abc.ics", "%C2%B9%C2%B2-" + "A" * 32,
                                   "%D9%A1-abc", "%EF%BC%91-abc"])
async def test_an_address_with_other_digits_is_a_bare_404(fake: FakeAdapter, web: str, token: str,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    await fake.invoke('!event create Secret meetup when="in 48 hours"')
    with caplog.at_level(logging.ERROR):
        status, headers, body = await get(f"{web}/e/{token}")
    assert status == 404 and body == b"404 Not Found\n"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_the_google_link_carries_the_event_as_said(fake: FakeAdapter, bot, web: str) -> None:  # type: ignore[no-untyped-def]
    await fake.invoke("!config set timezone America/New_York", "mod", mod=True)
    title = 'Tom & Jerry\'s "100% fun" + ü #1 <b>'
    [card] = await fake.invoke(f'!event create {title} when="2026-12-05 18:30" duration=90m '
                               'where="Café A&B, 5th Ave #2" details="Bring a+b=c; 50% off?"')
    html = (await get(page_url(card.text)))[2].decode()
    href = re.search(r'href="(https://calendar\.google\.com/[^"]+)"', html)
    assert href, html
    query = parse_qs(urlsplit(unescape(href.group(1))).query, strict_parsing=True)
    row = await bot.db.fetchone("SELECT title, location, details, starts_at, ends_at FROM events")
    # The details, then the page: the event as it is now, after any change or a cancellation.
    assert query["text"] == [row[0]] and query["location"] == [row[1]]
    assert query["details"] == [f"{row[2]}\n\n{page_url(card.text)}"]
    start, end = (datetime.fromtimestamp(t, UTC).strftime("%Y%m%dT%H%M%SZ") for t in row[3:5])
    assert query["dates"] == [f"{start}/{end}"] == ["20261205T233000Z/20261206T010000Z"]
