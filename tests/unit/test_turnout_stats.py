"""`stats [days]` (PRODUCT.md "Turnout"): events held, going, checked in and show-up rate per
event and overall, and a bar chart as a PNG whose bars are measured here in its pixels; in the
console the chart as text beside the PNG's path. Counts only: no names, no chat text."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from PIL import Image

from adapters.console import ConsoleAdapter
from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.render import Attachment
from bot.testing import FakeAdapter
from cogs.events import chart
from tests.reliability.reliability_kit import changed_tables, snapshot

PEOPLE = ("bob", "carol", "dave", "erin", "frank")


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def bars_of(image: Image.Image, colour: str) -> list[tuple[int, int]]:
    """(left x, height in pixels) of each bar of one colour: runs of pixel columns holding it,
    the legend's small swatch left out."""
    want = rgb(colour)
    px = image.convert("RGB").load()
    assert px is not None
    heights = [sum(1 for y in range(image.height) if px[x, y] == want) for x in range(image.width)]
    runs: list[tuple[int, int]] = []
    x = 0
    while x < image.width:
        if heights[x]:
            start = x
            while x < image.width and heights[x]:
                x += 1
            runs.append((start, max(heights[start:x])))
        x += 1
    return [r for r in runs if r[1] > 12]  # the legend swatch is a few pixels high


async def meetup(fake: FakeAdapter, bot: Bot, title: str, going: tuple[str, ...], here: tuple[str, ...]) -> None:
    """An event tomorrow at 18:00 that is then held: RSVPs, check-ins, and its end passes."""
    [card] = await fake.invoke(f'!event create "{title}" when="tomorrow 18:00"')
    event_id = int(card.card.ref.lstrip("#"))
    for who in going:
        await fake.react(card, "✅", who)
    await fake.say(f"see you there, the door code is 4711 ({title})", going[0] if going else "alice")
    start = card.card.body[0][1].at  # type: ignore[union-attr]
    await bot.advance(start - bot.clock.now())
    for who in here:
        await fake.invoke(f"!checkin {event_id}", who)
    await bot.advance(timedelta(hours=3))


async def test_stats_counts_rates_and_a_chart_of_counts(fake: FakeAdapter, bot: Bot) -> None:
    await meetup(fake, bot, "Long ago", ("bob",), ("bob",))
    await bot.advance(timedelta(days=100))
    await meetup(fake, bot, "Clean-up", ("bob", "carol", "dave", "erin"), ("bob", "carol"))
    await meetup(fake, bot, "Picnic", ("bob", "carol"), ("bob", "carol", "frank"))
    await meetup(fake, bot, "Rally", ("bob", "carol", "dave"), ())
    [gone] = await fake.invoke('!event create Cancelled when="tomorrow 18:00"')
    await fake.react(gone, "✅", "bob")
    await fake.invoke("!event cancel 5")
    await fake.invoke('!event create Upcoming when="in 72 hours"')
    await bot.advance(timedelta(days=2))

    summary, image = await fake.invoke("!stats", "bob")
    text = summary.text
    # Rally's nobody checking in is a count like any other: 4 of the 9 going came.
    assert "3 events held, 9 going, 5 checked in, show-up rate 44%" in text, text
    assert "#2 Clean-up" in text and "going 4, here 2, show-up 50%" in text
    assert "#3 Picnic" in text and "going 2, here 3, show-up 100%" in text
    assert "#4 Rally" in text and "going 3, here 0, show-up 0%" in text
    assert "Long ago" not in text and "Cancelled" not in text and "Upcoming" not in text
    assert isinstance(image.out, Attachment) and image.out.mime == "image/png"
    # Counts, never names; nothing anyone wrote in the chat.
    for said in (text, image.text, image.out.alt):
        assert not any(p in said for p in PEOPLE) and "door code" not in said

    png = Image.open(io.BytesIO(image.out.data))
    assert png.format == "PNG" and png.size == (chart.WIDTH_PX, chart.HEIGHT_PX)
    going, here = bars_of(png, chart.GOING), bars_of(png, chart.HERE)
    assert len(going) == 3 and len(here) == 2  # Rally: nobody checked in, no bar
    (g2x, g2), (g3x, g3), (g4x, g4) = going
    (h2x, h2), (h3x, h3) = here
    assert g2x < h2x < g3x < h3x < g4x  # side by side, event by event
    unit = g2 / 4  # pixels per person
    for height, n in ((g3, 2), (g4, 3), (h2, 2), (h3, 3)):
        assert abs(height - n * unit) <= 2, (height, n, unit)
    assert image.out.alt.count("\n") == 6 and "#2 " in image.out.alt  # the same bars in text

    longer = (await fake.invoke("!stats 365", "bob"))[0].text
    assert "4 events held" in longer and "#1 Long ago" in longer


async def test_stats_with_nothing_held_and_bad_days(fake: FakeAdapter, bot: Bot) -> None:
    [none] = await fake.invoke("!stats")
    assert "No events ended here in the last 90 days" in none.text and not fake.files()
    before = await snapshot(bot)
    for bad in ("0", "-3", "731", "lots"):
        [r] = await fake.invoke(f"!stats {bad}")
        assert r.text.startswith("⚠️") and "Days" in r.text, r.text
    assert not changed_tables(before, await snapshot(bot))


async def test_console_shows_the_chart_as_text_and_where_the_png_is(tmp_path: Path,
                                                                     clock: ManualClock) -> None:
    bot = await build_bot(str(tmp_path / "c.db"), clock=clock, rate_limit=False)
    console = ConsoleAdapter(out=io.StringIO(), files=tmp_path / "files")
    bot.add_adapter(console)
    await bot.start()
    try:
        for line in ('!event create Picnic when="tomorrow 18:00"', ":as bob", ":react m1 ✅",
                     ":wait 33h", ":react m1 :round_pushpin:", ":wait 3h", "!stats"):
            await console.handle_line(line)
        out = console.out.getvalue()  # type: ignore[attr-defined]
        assert "reactions: + 📍" in out  # the card's edit added the check-in reaction
        assert "Here (1)" in out and "Thanks for coming to Picnic #1: 1 person checked in" in out
        chart_part = out[out.index("Turnout, last 90 days"):]
        assert "#1 " in chart_part and "█" in chart_part and "▒" in chart_part
        saved = Path(chart_part.split("saved to ", 1)[1].split()[0])
        assert Image.open(saved).size == (chart.WIDTH_PX, chart.HEIGHT_PX)
    finally:
        await bot.stop()
