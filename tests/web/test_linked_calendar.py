"""The calendar feed and Upcoming page of linked spaces (PRODUCT.md "Linked spaces", "Calendar
feed and event pages") over real HTTP: each side's feed and page carry the events made on
either side, a series once; after an unlink the other side keeps what was shared with it
and nothing more. The feed is read back with the parsers calendar apps use."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import icalendar
import pytest
import recurring_ical_events

from bot.adapter import Capabilities
from bot.app import Bot
from bot.testing import FakeAdapter
from bot.web import WebConfig
from tests.unit.test_linked_spaces import link
from tests.web.test_feed_and_pages import calendar_urls, get


@pytest.fixture
async def pair(bot: Bot) -> AsyncIterator[tuple[FakeAdapter, FakeAdapter]]:
    a = FakeAdapter("alpha", space="guild", channel="general",
                    capabilities=Capabilities(edits_per_window=0, label="Alpha"))
    b = FakeAdapter("beta", space="room", channel="room",
                    capabilities=Capabilities(edits_per_window=0, label="Beta"))
    bot.add_adapter(a)
    bot.add_adapter(b)
    await bot.start()
    await bot.web.start(WebConfig("127.0.0.1", 0, "http://127.0.0.1:0"))
    try:
        yield a, b
    finally:
        await bot.web.stop()


async def feed_events(url: str) -> list[tuple[str, str]]:
    """(start, title) of every occurrence in the feed, its series expanded."""
    status, _, body = await get(url)
    assert status == 200
    cal = icalendar.Calendar.from_ical(body)
    expanded = recurring_ical_events.of(cal).between(datetime(2026, 11, 1), datetime(2027, 3, 1))
    return sorted((e["DTSTART"].dt.strftime("%y-%m-%d %H:%M"), str(e["SUMMARY"])) for e in expanded)


async def page_items(url: str) -> list[str]:
    status, _, body = await get(url)
    assert status == 200
    return [re.sub(r"<[^>]+>", "", li) for li in re.findall(r"<li>(.*?)</li>", body.decode())]


async def test_each_linked_side_has_the_events_made_on_either(pair: tuple[FakeAdapter, FakeAdapter],
                                                              bot: Bot) -> None:
    a, b = pair
    await link(a, b)
    await a.invoke('!event create FromA when="2026-11-26 18:00"')
    await b.invoke('!event create FromB when="2026-11-27 18:00"')
    await a.invoke('!event create Monthly when="2026-12-08 19:00" repeat=monthly count=3')
    urls = {fake.platform: await calendar_urls(fake) for fake in (a, b)}
    want = [("26-11-26 18:00", "FromA"), ("26-11-27 18:00", "FromB"), ("26-12-08 19:00", "Monthly"),
            ("27-01-12 19:00", "Monthly"), ("27-02-09 19:00", "Monthly")]
    for feed, page in urls.values():
        assert await feed_events(feed) == want, feed
        items = await page_items(page)
        assert [i.split(" — ")[0] for i in items] == ["FromA", "FromB", "Monthly"], items

    await bot.scheduler.advance(datetime(2026, 12, 11, 9, 0, tzinfo=UTC) - bot.clock.now())
    for _, page in urls.values():  # the next one is a month off: not posted yet, still to come
        [monthly] = await page_items(page)
        assert monthly.startswith("Monthly — Tue 12 Jan 2027 19:00 UTC") and "not posted yet" in monthly, monthly

    await b.invoke("!unlink", "modb", mod=True)
    # Beta keeps what was shared with it (the first monthly one was); later ones stay on Alpha.
    assert await feed_events(urls["beta"][0]) == want[:3]
    assert await page_items(urls["beta"][1]) == []
    assert await feed_events(urls["alpha"][0]) == want


async def test_a_shared_events_page_says_where_each_person_is(pair: tuple[FakeAdapter, FakeAdapter]) -> None:
    a, b = pair
    await link(a, b)
    await a.invoke("!config set web.names on", "moda", mod=True)
    [card] = await a.invoke('!event create Picnic when="in 48 hours"')
    await a.react(card, "✅", "ann")
    await b.invoke("!rsvp 1 going", "ben")
    page = re.search(r"🔗 (\S+)", card.text)
    assert page, card.text
    html = (await get(page.group(1)))[2].decode()
    # As the full lists say it (event who): a page is read from either side.
    assert "<li>Going (2): <bdi>ann</bdi> (Alpha), <bdi>ben</bdi> (Beta)</li>" in html, html
