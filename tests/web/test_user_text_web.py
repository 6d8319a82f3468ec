"""User text on the web and in files is shown as typed, never as markup or a formula (PRODUCT.md,
Message markers): an event's title, place, details and the names of its people on its page and
the space's page (served over HTTP, read back with an HTML parser), in its .ics and the calendar
feed (RFC 5545 escaping and folding, read back with icalendar) and in the CSV export."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

import icalendar
import pytest

from adapters.discord import render as discord_render
from adapters.matrix import render as matrix_render
from bot.model import UserRef
from bot.render import Attachment, Card, Text
from bot.testing import FakeAdapter
from tests.web import ics_check
from tests.web.test_feed_and_pages import calendar_urls, get, page_url

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)> & <b>bold</b>",
    '"><a href="javascript:alert(1)">x</a><!--',
    "' onmouseover='alert(1)' </title></main>",
    "a;b,c\\d: 'semi;colon, comma\\backslash'",
    ("Grillfest 🎉 über dem Fluß — 東京タワー前で集合 " * 3).strip(),
    '=HYPERLINK("https://evil.example","x")',
    "@everyone @room <@123> **b** [x](https://evil.example)",
]


class Page(HTMLParser):
    """The elements and attributes of a page, and its text as a reader sees it."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, tuple[str, ...]]] = []
        self.raw: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, tuple(sorted(a for a, _ in attrs))))
        self.raw.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.tags.append(("!--", ()))


async def served(fake: FakeAdapter, title: str) -> tuple[Page, Page, bytes, bytes]:
    """Event `title` (title, place and details all `title`) with someone named `title` going:
    its page, the space's page, its .ics and the space's feed."""
    quoted = title.replace("\\", "\\\\").replace('"', '\\"')
    [card] = await fake.invoke(f'!event create "{quoted}" when="in 48 hours" where="{quoted}" '
                               f'details="{quoted}"')
    await fake.react(card, "✅", UserRef("fake", "evil", title))
    url = page_url(card.text)
    feed, upcoming = await calendar_urls(fake)
    pages = [(await get(u))[2].decode() for u in (url, upcoming)]
    return Page(pages[0]), Page(pages[1]), (await get(url + ".ics"))[2], (await get(feed))[2]


@pytest.mark.parametrize("h", HOSTILE, ids=range(len(HOSTILE)))
async def test_user_text_is_text_on_the_pages_in_the_calendar_and_in_the_export(fake: FakeAdapter, bot,  # type: ignore[no-untyped-def]
                                                                              web: str, h: str) -> None:
    await fake.invoke("!config set web.names on", "mod", mod=True)
    plain_page, plain_space, _, _ = await served(fake, "Picnic")
    page, space, ics, feed = await served(fake, h)

    # The same elements and attributes as an event with a plain title: nothing typed became markup.
    assert page.tags == plain_page.tags
    assert [t for t in space.tags if t not in plain_space.tags] == []
    text = "".join(page.text)
    assert text.count(h) >= 4, text  # the title (twice: <title> and <h1>), place, details, name
    assert h in "".join(space.text)

    for body in (ics, feed):
        ics_check.octets(body)  # CRLF, folded at 75 octets, never inside a UTF-8 character
        [ev] = [e for e in icalendar.Calendar.from_ical(body).walk("VEVENT") if str(e["SUMMARY"]) == h]
        assert str(ev["LOCATION"]) == h and h in str(ev["DESCRIPTION"]).split("\n"), ev.to_ical()
    if ";" in h:  # RFC 5545 3.3.11: escaped, not a parameter or value separator
        assert b"\\;" in ics and b"\\," in ics and b"\\\\" in ics

    [export] = await fake.invoke("!event export 2", "alice")
    assert isinstance(export.out, Attachment)
    rows = list(csv.reader(io.StringIO(export.out.data.decode(), newline="")))
    [name] = [r[0] for r in rows[1:]]
    # A spreadsheet runs a cell that starts like a formula; the export keeps it text.
    assert name == ("'" + h if h[:1] in "=+-@\t\r" else h), rows


async def test_the_bots_own_addresses_are_links_a_typed_one_is_text(fake: FakeAdapter, bot, web: str) -> None:  # type: ignore[no-untyped-def]
    """The event page a card links and the calendar's addresses can be followed on each platform
    (escaped as user text they were not: Discord shows `https\\://…` as text); an address a
    person typed into the details stays text."""
    typed = "https://evil.example/x_y"
    [card] = await fake.invoke(f'!event create Picnic when="in 48 hours" details="{typed}"')
    [said] = await fake.invoke("!calendar", "mod", mod=True)
    page = page_url(card.text)
    feed, upcoming = await calendar_urls(fake)
    assert (await get(page))[0] == 200

    embed = discord_render.render(card.out).embed
    assert embed is not None and f"🔗 <{page}>" in (embed.description or ""), embed.description
    assert typed not in (embed.description or "")  # escaped: no link
    content = discord_render.render(said.out).content or ""
    assert f"Subscribe\\: <{feed}>\n" in content and f"Upcoming\\: <{upcoming}>\n" in content, content

    for out, urls in ((card.out, [page]), (said.out, [feed, upcoming])):
        assert isinstance(out, Text | Card)
        html = Page(matrix_render.notice(out, None)["formatted_body"])
        hrefs = [dict(attrs)["href"] for tag, attrs in html.raw if tag == "a"]
        assert hrefs == urls, hrefs
