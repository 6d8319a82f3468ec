"""The event page as its readers meet it: the names exactly as the card writes them, the
group's times said once to a reader whose clocks read the same, actions big enough for a
thumb, and an "add to Google Calendar" link short enough to open."""

from __future__ import annotations

import re
from html import unescape
from importlib.resources import files
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.model import UserRef
from bot.testing import FakeAdapter
from cogs.events.page_html import GOOGLE_LINK_MAX, RENAMED

from .test_browser import link
from .test_feed_and_pages import calendar_urls, get


def listed(html: str, label: str) -> str:
    m = re.search(rf"<li>{label} \([^)]*\)(?:: (.*?))?</li>", html)
    assert m, html
    return unescape(re.sub(r"<bdi>|</bdi>", "", m.group(1) or ""))


def card_names(text: str, label: str) -> str:
    m = re.search(rf"^{label} \([^)]*\)\n  (.*)$", text, re.M)
    assert m, text
    return m.group(1)


async def test_the_page_names_people_as_the_card_does(fake: FakeAdapter, web: str) -> None:
    await fake.invoke("!config set web.names on", "mod", mod=True)
    [card] = await fake.invoke('!event create Quiz when="in 48 hours" capacity=2')
    # Two who look alike, told apart on the card by their IDs, and one the platform names not.
    for user, emoji in ((UserRef(fake.platform, "u1", "Sam"), "✅"), (UserRef(fake.platform, "u2", "sam"), "✅"),
                        (UserRef(fake.platform, "u3", "<b>Jo</b>"), "✅"), (UserRef(fake.platform, "u4", ""), "🤔")):
        await fake.react(card, emoji, user)
    shown = card.text  # the card as it reads now, edited with each RSVP
    html = (await get(link(card.text)))[2].decode()
    assert listed(html, "Going") == card_names(shown, r"Going") == "Sam (u1), sam (u2)"
    assert listed(html, "Waitlist") == card_names(shown, "Waitlist") == "<b>Jo</b>"
    assert "&lt;b&gt;Jo&lt;/b&gt;" in html and "<b>Jo" not in html
    assert listed(html, "Maybe") == card_names(shown, "Maybe") == "u4"


@pytest.mark.integration
@pytest.mark.parametrize(("group", "reader"), [("Europe/Berlin", "Europe/Berlin"),
                                               ("Europe/Berlin", "Europe/Paris"),
                                               ("Asia/Kolkata", "Asia/Kolkata")])
async def test_a_reader_whose_clocks_read_as_the_groups_is_told_the_times_once(  # type: ignore[no-untyped-def]
        fake: FakeAdapter, web: str, chromium, group: str, reader: str) -> None:
    await fake.invoke(f"!config set timezone {group}", "mod", mod=True)
    # Across the spring change in Europe: the offsets of start and end differ.
    [card] = await fake.invoke('!event create Night walk when="2027-03-27 22:00" duration=4h')
    ctx = await chromium(reader)
    page = await ctx.new_page()
    await page.goto(link(card.text))
    note = await page.locator("dd .muted").inner_text()
    assert note == f"shown in the group's timezone, {group}, the same as yours", note
    assert await page.locator("time").count() == 2  # the times once, not again in the group's words


@pytest.mark.integration
async def test_a_reader_elsewhere_gets_both_across_a_clock_change(fake: FakeAdapter, web: str,  # type: ignore[no-untyped-def]
                                                                   chromium) -> None:
    await fake.invoke("!config set timezone Europe/Berlin", "mod", mod=True)
    [card] = await fake.invoke('!event create Night walk when="2027-03-27 22:00" duration=4h')
    ctx = await chromium("Europe/London")  # the same change, an hour behind: never the same clock
    page = await ctx.new_page()
    await page.goto(link(card.text))
    when = await page.locator("dd").first.inner_text()
    assert when.startswith("Sat, 27 Mar 2027, 21:00 GMT – Sun, 28 Mar 2027, 02:00 BST"), when
    assert ("shown in your timezone, Europe/London; the group's is Europe/Berlin: "
            "Sat 27 Mar 2027 22:00 CET – Sun 28 Mar 2027 03:00 CEST") in when, when


@pytest.mark.integration
async def test_a_reader_in_a_renamed_zone_is_told_its_name_of_today(fake: FakeAdapter, web: str,  # type: ignore[no-untyped-def]
                                                                     chromium) -> None:
    await fake.invoke("!config set timezone Europe/Berlin", "mod", mod=True)
    [card] = await fake.invoke('!event create Call when="2026-12-05 12:00"')
    ctx = await chromium("Asia/Kolkata")
    page = await ctx.new_page()
    await page.goto(link(card.text))
    note = await page.locator("dd .muted").inner_text()
    assert note.startswith("shown in your timezone, Asia/Kolkata; the group's is Europe/Berlin"), note
    # The table holds only what the browser still says under an old name, each a rename that
    # the tz database keeps as a link to the new one.
    said = await page.evaluate("names => names.map(n => new Intl.DateTimeFormat('en', {timeZone: n})"
                               ".resolvedOptions().timeZone)", list(RENAMED.values()))
    assert dict(zip(said, RENAMED.values(), strict=True)) == RENAMED
    zi = files("tzdata").joinpath("zoneinfo/tzdata.zi").read_text()
    assert all(f"\nL {new} {old}\n" in zi for old, new in RENAMED.items())


@pytest.mark.integration
async def test_the_actions_are_big_enough_to_tap_on_a_phone(fake: FakeAdapter, web: str,  # type: ignore[no-untyped-def]
                                                             chromium) -> None:
    [card] = await fake.invoke('!event create Quiz when="in 48 hours" where=Pub')
    ctx = await chromium("Asia/Kolkata")
    page = await ctx.new_page()
    await page.set_viewport_size({"width": 360, "height": 640})
    await page.goto(link(card.text))
    boxes = await page.evaluate("Array.from(document.querySelectorAll('main a'))"
                                ".map(a => {const r = a.getBoundingClientRect(); return [a.textContent, r.width, r.height]})")
    assert [b[0] for b in boxes] == ["Add to your calendar (.ics)", "Add to Google Calendar"]
    for label, width, height in boxes:
        assert height >= 44 and width >= 44, (label, width, height)
    wide, shown, font = await page.evaluate("[document.documentElement.scrollWidth, "
                                            "document.documentElement.clientWidth, "
                                            "parseFloat(getComputedStyle(document.body).fontSize)]")
    assert wide <= shown and font >= 16


async def test_the_google_link_stays_short_with_long_details(fake: FakeAdapter, web: str) -> None:
    details = "Grüße & Küsse: ÄÖÜ — " * 47  # 987 characters, nearly 3000 once escaped
    [card] = await fake.invoke(f'!event create Fête when="in 48 hours" where="Café Größe" details="{details}"')
    url = link(card.text)
    html = (await get(url))[2].decode()
    m = re.search(r'href="(https://calendar\.google\.com/[^"]+)"', html)
    assert m
    google = unescape(m.group(1))
    assert len(google) <= GOOGLE_LINK_MAX, len(google)
    q = parse_qs(urlsplit(google).query)
    assert q["text"] == ["Fête"] and q["location"] == ["Café Größe"]
    said, _, more = q["details"][0].rpartition("\n\n")
    # Cut where it had to be, said so, and the page (with all of it) a click away.
    assert said.endswith("…") and details.startswith(said[:-1]) and len(said) > 100
    assert more == url
    # Short details go whole.
    [card] = await fake.invoke('!event create Tea when="in 48 hours" details="Bring cups & saucers"')
    html = (await get(link(card.text)))[2].decode()
    m = re.search(r'href="(https://calendar\.google\.com/[^"]+)"', html)
    assert m and parse_qs(urlsplit(unescape(m.group(1))).query)["details"] == [
        f"Bring cups & saucers\n\n{link(card.text)}"]


@pytest.mark.integration
async def test_a_name_that_turns_text_around_turns_only_itself(fake: FakeAdapter, web: str,  # type: ignore[no-untyped-def]
                                                               chromium) -> None:
    await fake.invoke("!config set web.names on", "mod", mod=True)
    [card] = await fake.invoke('!event create Quiz when="in 48 hours"')
    await fake.react(card, "✅", UserRef(fake.platform, "u1", "Ann\u202e"))  # right-to-left override
    await fake.react(card, "✅", UserRef(fake.platform, "u2", "xyz"))
    ctx = await chromium("UTC")
    page = await ctx.new_page()
    await page.goto(link(card.text))
    # Where the browser draws the x and the z of the name after it: left to right, as written.
    xs = await page.evaluate("""() => {
        const li = [...document.querySelectorAll('li')].find(l => l.textContent.startsWith('Going'));
        const walk = document.createTreeWalker(li, NodeFilter.SHOW_TEXT);
        let node;
        while ((node = walk.nextNode()) && !node.data.includes('xyz')) {}
        const at = node.data.indexOf('xyz'), range = document.createRange();
        return [at, at + 2].map(i => { range.setStart(node, i); range.setEnd(node, i + 1);
                                      return range.getBoundingClientRect().left; });
    }""")
    assert xs[0] < xs[1], xs


@pytest.mark.integration
async def test_a_title_that_turns_text_around_leaves_the_times_readable(fake: FakeAdapter, web: str,  # type: ignore[no-untyped-def]
                                                                       chromium) -> None:
    [card] = await fake.invoke('!event create Quiz\u202e when="in 48 hours" where="Pub\u202e" capacity=12')
    _, upcoming = await calendar_urls(fake)
    ctx = await chromium("UTC")
    page = await ctx.new_page()
    for url, after in ((upcoming, "Going (0/12)"), (link(card.text), "(cancelled)")):
        if after == "(cancelled)":
            await fake.invoke("!event cancel 1")
        await page.goto(url)
        # Where the browser draws the first and last letters of what follows: in the order written.
        xs = await page.evaluate("""after => {
            const walk = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
            let node;
            while ((node = walk.nextNode()) && !node.data.includes(after)) {}
            const at = node.data.indexOf(after), range = document.createRange();
            return [at, at + after.length - 1].map(i => { range.setStart(node, i); range.setEnd(node, i + 1);
                                                          return range.getBoundingClientRect().left; });
        }""", after)
        assert xs[0] < xs[1], (url, xs)
