"""The event page at the edges of what people type: a name that turns text right to left turns
only itself, not the platform or ID the page writes after it, and the "add to Google Calendar"
link stays short enough to open however long the title and place are, cut only between
characters as a reader sees them (never inside an emoji or an accented letter)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import regex

from bot.model import UserRef
from bot.testing import FakeAdapter
from cogs.events.page_html import GOOGLE_LINK_MAX, event_page
from cogs.events.repo import Event, Roster
from tests.unit.test_linked_spaces import link as link_spaces

from .test_browser import link
from .test_feed_and_pages import get
from .test_linked_calendar import pair  # noqa: F401

RLO = "\u202e"  # right-to-left override

# Where the browser draws each character of `said` (the first text node holding it), left to right.
DRAWN = """(said) => {
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walk.nextNode()) && !node.data.includes(said)) {}
    if (!node) return null;
    const at = node.data.indexOf(said), range = document.createRange();
    return [...said].map((_, i) => { range.setStart(node, at + i); range.setEnd(node, at + i + 1);
                                    return range.getBoundingClientRect().left; });
}"""


def google_query(html: str) -> tuple[str, dict[str, list[str]]]:
    m = re.search(r'href="(https://calendar\.google\.com/[^"]+)"', html)
    assert m, html
    google = unescape(m.group(1))
    return google, parse_qs(urlsplit(google).query)


def cut_well(said: str, whole: str) -> bool:
    """`said` is `whole`, or a run of `whole`'s first graphemes (spaces after it aside) and "…"."""
    if said == whole:
        return True
    if not said.endswith("…"):
        return False
    kept = said[:-1]
    graphemes = regex.findall(r"\X", whole)
    return any("".join(graphemes[:k]).rstrip() == kept for k in range(len(graphemes)))


async def test_a_names_own_text_is_isolated_from_the_id_after_it(fake: FakeAdapter, web: str) -> None:
    await fake.invoke("!config set web.names on", "mod", mod=True)
    [card] = await fake.invoke('!event create Quiz when="in 48 hours"')
    await fake.react(card, "✅", UserRef(fake.platform, "u1", f"Sam{RLO}"))
    await fake.react(card, "✅", UserRef(fake.platform, "u2", "sam"))
    html = (await get(link(card.text)))[2].decode()
    # Only what was typed is isolated; the ID the bot adds stays in the page's own direction.
    assert f"<li>Going (2): <bdi>Sam{RLO}</bdi> (u1), <bdi>sam</bdi> (u2)</li>" in html, html
    # So does the card: the name an isolate with its override closed, the ID after it.
    assert f"\u2068Sam{RLO}\u202c\u2069 (u1), sam (u2)" in card.text, card.text


@pytest.mark.integration
async def test_the_platform_and_id_after_a_name_that_turns_text_around_read_as_written(  # type: ignore[no-untyped-def]
        pair: tuple[FakeAdapter, FakeAdapter], chromium) -> None:  # noqa: F811
    a, b = pair
    await link_spaces(a, b)
    await a.invoke("!config set web.names on", "moda", mod=True)
    [card] = await a.invoke('!event create Picnic when="in 48 hours"')
    await a.react(card, "✅", UserRef(a.platform, "u1", f"Sam{RLO}"))
    await a.react(card, "✅", UserRef(a.platform, "u2", "sam"))
    await b.invoke("!rsvp 1 going", UserRef(b.platform, "b1", f"Ben{RLO}"))
    ctx = await chromium("UTC")
    page = await ctx.new_page()
    await page.goto(link(card.text))
    going = await page.evaluate("[...document.querySelectorAll('li')].find(l => "
                                "l.textContent.startsWith('Going')).textContent")
    assert going == f"Going (3): Sam{RLO} (Alpha) (u1), sam (Alpha) (u2), Ben{RLO} (Beta)", going
    for said in ("(Alpha) (u1)", "(Beta)"):
        xs = await page.evaluate(DRAWN, said)
        assert xs and xs == sorted(xs), (said, xs)


async def test_a_long_title_and_place_are_cut_to_keep_the_google_link_whole(fake: FakeAdapter, web: str) -> None:
    title, place = "会" * 200, "場" * 200  # nine characters each once escaped
    [card] = await fake.invoke(f'!event create {title} when="in 48 hours" where="{place}" details="bring tea"')
    assert card.text.startswith("📅"), card.text
    url = link(card.text)
    google, q = google_query((await get(url))[2].decode())
    assert len(google) <= GOOGLE_LINK_MAX, len(google)
    # The page, with everything, is still a click away; the place gave way first, then the title.
    assert q["details"][0].endswith(url)
    assert q["location"] == ["…"] and cut_well(q["text"][0], title) and q["text"][0] != title
    # Cut no more than needed: one more character would not have fitted.
    assert len(google) > GOOGLE_LINK_MAX - len("%E4%BC%9A")

    # A place that alone is too long is cut, and the title kept whole.
    emoji = "😀" * 200  # twelve characters each
    [card] = await fake.invoke(f'!event create Tea when="in 48 hours" where="{emoji}"')
    google, q = google_query((await get(link(card.text)))[2].decode())
    assert len(google) <= GOOGLE_LINK_MAX and q["text"] == ["Tea"] and q["details"] == [link(card.text)]
    assert cut_well(q["location"][0], emoji) and len(q["location"][0]) > 100


@pytest.mark.parametrize("unit", ["👨\u200d👩\u200d👧", "e\u0301\u0323", "🇩🇪", "👍🏽"])
async def test_the_google_link_cuts_between_graphemes(fake: FakeAdapter, web: str, unit: str) -> None:
    # Several lead-ins, so the cuts fall at each place inside the unit a cut by code points could.
    for lead in range(len(unit) + 1):
        said = "x" * lead + unit * 500
        [card] = await fake.invoke(f'!event create {said[:200]} when="in 48 hours" where="{said[:200]}"')
        google, q = google_query((await get(link(card.text)))[2].decode())
        assert len(google) <= GOOGLE_LINK_MAX, len(google)
        assert q["details"] == [link(card.text)]
        for got in (q["text"][0], q["location"][0]):
            assert cut_well(got, said[:200]), (lead, got[-8:])
        [card] = await fake.invoke(f'!event create Tea when="in 48 hours" details="{said[:1000]}"')
        google, q = google_query((await get(link(card.text)))[2].decode())
        assert len(google) <= GOOGLE_LINK_MAX, len(google)
        details, _, page = q["details"][0].rpartition("\n\n")
        assert page == link(card.text) and details and cut_well(details, said[:1000]), (lead, details[-8:])


def test_without_a_page_address_the_details_end_with_what_was_said() -> None:
    start = datetime(2026, 12, 1, 18, tzinfo=UTC)

    def google_of(details: str) -> dict[str, list[str]]:
        event = Event(1, "s", "p", "c", "u", "Quiz", start, "Pub", details, None, "active", 0,
                      start + timedelta(hours=2))
        html = event_page(event, Roster((), (), (), ()), ZoneInfo("UTC"), start, names=False,
                          ics_href="1-x.ics", page="", repeats=None, labels={})
        return google_query(html)[1]

    assert google_of("Bring cups")["details"] == ["Bring cups"]
    assert "details" not in google_of("")
    cut = google_of("Grüße & Küsse " * 200)["details"][0]
    assert cut.endswith("…") and not cut.endswith("\n")
