"""`event attendees`: each heading exactly as the markers say, on a line of its own with no
trailing space, the names on the next line, on every platform's rendering of the reply."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from adapters.console import ConsoleAdapter
from adapters.discord.render import render_all
from adapters.matrix.render import html, plain_body
from bot.app import Bot
from bot.render import Text
from bot.testing import FakeAdapter
from tests.discord_fake import unescape_markdown
from tests.unit.console_kit import typed

EXPECTED = ["📅 Picnic #1", "Going (2/2):", "bob, carol", "Maybe (1):", "erin",
            "Waitlist (1):", "dave", "Not going (0):", "—"]


async def _listed(fake: FakeAdapter) -> Text:
    [card] = await fake.invoke('!event create Picnic when="2026-12-05 12:00" capacity=2')
    for who in ("bob", "carol", "dave"):
        await fake.react(card, "✅", who)
    await fake.react(card, "🤔", "erin")
    [listed] = await fake.invoke("!event attendees 1")
    assert isinstance(listed.out, Text)
    return listed.out


async def test_attendees_headings_are_exact_on_every_rendering(fake: FakeAdapter) -> None:
    out = await _listed(fake)
    assert (await fake.invoke("!event attendees 1"))[0].text.split("\n") == EXPECTED
    discord = "\n".join(unescape_markdown(r.content or "") for r in render_all(out))
    matrix_plain = plain_body(out, ZoneInfo("UTC"))
    matrix_html = html(out, ZoneInfo("UTC"))
    for shown in (discord, matrix_plain, matrix_html.replace("<br>", "\n")):
        rows = shown.split("\n")
        assert [r for r in rows if r != r.rstrip()] == [], rows
        assert "Going (2/2):" in rows and "Maybe (1):" in rows and "Waitlist (1):" in rows, rows


async def test_attendees_headings_in_the_console(console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    await typed(adapter, '!event create Picnic when="2026-12-05 12:00"', ":react m1 ✅")
    shown = await typed(adapter, "!event attendees 1")
    rows = shown.splitlines()
    assert [r for r in rows if r != r.rstrip()] == [], rows
    assert [r.strip() for r in rows][1:5] == ["Going (1):", "you", "Maybe (0):", "—"], rows
