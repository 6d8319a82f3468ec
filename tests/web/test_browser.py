"""What a person sees: the event page and the space's upcoming page in headless Chromium
(Debian's chromium, driven by Playwright; no browser download), in two timezones."""

from __future__ import annotations

import asyncio
import os
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.testing import FakeAdapter

from .test_feed_and_pages import calendar_urls

ARTEFACTS = Path(os.environ.get("LOGOFF_TEST_ARTEFACTS",
                                Path(__file__).resolve().parents[2] / "artefacts"))

pytestmark = pytest.mark.integration


def link(text: str) -> str:
    m = re.search(r"🔗 (\S+)", text)
    assert m, text
    return m.group(1)


def expected(at: datetime, tz: str) -> str:
    """How en-GB Chromium writes the page's times: 'Sat, 28 Nov 2026, 18:30 …'."""
    local = at.astimezone(ZoneInfo(tz))
    return f"{local:%a}, {local.day} {local:%b} {local.year}, {local:%H:%M}"


@pytest.fixture
def artefacts() -> Path:
    """Screenshots and downloads are kept here for a person to look at after the run."""
    return ARTEFACTS


async def test_event_page_in_two_timezones_with_live_counts(fake: FakeAdapter, bot, web: str,  # type: ignore[no-untyped-def]
                                                            chromium, artefacts: Path) -> None:
    await fake.invoke("!config set timezone Europe/Berlin", "mod", mod=True)
    [card] = await fake.invoke('!event create Riverside clean-up when="2026-11-28 10:00" '
                               'where="Riverside Park" capacity=10')
    url = link(card.text)
    starts = (await bot.db.fetchone("SELECT starts_at FROM events WHERE id=1"))[0]
    at = datetime.fromtimestamp(starts, ZoneInfo("UTC"))
    for tz in ("America/New_York", "Asia/Tokyo"):
        ctx = await chromium(tz)
        page = await ctx.new_page()
        await page.goto(url)
        assert await page.title() == "Riverside clean-up"
        assert await page.locator("h1").inner_text() == "Riverside clean-up"
        when = await page.locator("time").first.inner_text()
        assert when.startswith(expected(at, tz)), (tz, when)
        assert tz in await page.locator("[data-zone]").inner_text()
        note = await page.locator("dd .muted").first.inner_text()
        assert f"shown in your timezone, {tz}; the group's is" in note, note
        assert "Riverside Park" in await page.locator("main").inner_text()
        assert "Going (0/10)" in await page.locator("main").inner_text()
        await page.screenshot(path=str(artefacts / f"event-page-{tz.replace('/', '_')}.png"), full_page=True)
        await ctx.close()

    # An RSVP in the chat shows on the page at the next load.
    await fake.react(card, "✅", "bob")
    await fake.react(card, "🤔", "carol")
    ctx = await chromium("Europe/Berlin")
    page = await ctx.new_page()
    await page.goto(url)
    text = await page.locator("main").inner_text()
    assert "Going (1/10)" in text and "Maybe (1)" in text and "bob" not in text
    async with page.expect_download() as info:
        await page.get_by_text("Add to your calendar (.ics)").click()
    download = await info.value
    saved = artefacts / "event.ics"
    await download.save_as(str(saved))
    assert b"SUMMARY:Riverside clean-up" in await asyncio.to_thread(saved.read_bytes)
    google = await page.get_by_text("Add to Google Calendar").get_attribute("href")
    assert google and google.startswith("https://calendar.google.com/calendar/render?")
    # Nothing is fetched from anywhere but this server.
    hosts = set()
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    await page.reload()
    assert hosts == {url.split("/")[2]}


async def test_upcoming_page_lists_the_space_and_a_bad_address_is_404(fake: FakeAdapter, web: str,
                                                                      chromium) -> None:  # type: ignore[no-untyped-def]
    await fake.invoke('!event create Book club when="in 72 hours" where=Library')
    await fake.invoke('!event create Walk when="in 120 hours" repeat=weekly count=3')
    [reply] = await fake.invoke("!calendar")
    upcoming = re.search(r"Upcoming: (\S+)", reply.text)
    assert upcoming
    ctx = await chromium("UTC")
    page = await ctx.new_page()
    await page.goto(upcoming.group(1))
    items = await page.locator("li").all_inner_texts()
    # A series once, with its next occurrence (two of the walk's are within series.ahead).
    assert [i.split(" — ")[0] for i in items] == ["Book club", "Walk"]
    await page.get_by_text("Book club").click()
    assert await page.locator("h1").inner_text() == "Book club"
    response = await page.goto(web + "/cal/not-a-real-token-at-all-123")
    assert response is not None and response.status == 404
    assert "Book club" not in await page.content()


async def test_a_long_unbroken_title_place_and_name_fit_a_phone(fake: FakeAdapter, web: str,  # type: ignore[no-untyped-def]
                                                               chromium) -> None:
    word = "Supercalifragilisticexpialidocious" * 5
    [card] = await fake.invoke(f'!event create {word} when="in 48 hours" '
                               f'where="https://example.org/{"a" * 150}" details="{"b" * 200}"')
    await fake.react(card, "✅", "x" * 80)
    await fake.invoke("!config set web.names on", "mod", mod=True)
    _, upcoming = await calendar_urls(fake)
    ctx = await chromium("Europe/Berlin")  # a phone's width (390 px)
    page = await ctx.new_page()
    for url in (link(card.text), upcoming):
        await page.goto(url)
        wide, shown = await page.evaluate("[document.documentElement.scrollWidth, "
                                          "document.documentElement.clientWidth]")
        assert wide <= shown, (url, wide, shown)  # no sideways scrolling
    assert word in (await page.locator("main").inner_text()).replace("\n", "")
