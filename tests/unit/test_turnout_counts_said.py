"""Counts that turnout states must hold exactly. `stats` lists the latest events and says where
the rest are: the chart carries only the latest of them, so the earliest are said to be in the
totals alone, never "in the chart". The card's note on 📍 reactions from before check-in opened
counts only people with something left to do: not those checked in since (by command), and not
the other platform's people on a linked space's card, whose reactions that card cannot show.
Both engines."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import Bot
from bot.model import UserRef
from bot.render import Attachment
from bot.testing import FakeAdapter, Sent
from cogs.events.chart import MAX_BARS
from cogs.events.turnout_render import SHOWN
from tests.unit.linking import labelled_pair, link

WHEN = '"2026-11-26 18:00"'  # a Thursday; the fake's clock starts on Monday 23 Nov 09:00 UTC
TO_WINDOW = timedelta(days=3, hours=8, minutes=30)  # to 17:30, when check-in opens (30m)
EARLY_NOTE = "from before check-in opened"


def chart_text(image: Sent) -> str:
    """The chart as text (what is said for the PNG where it is not seen)."""
    assert isinstance(image.out, Attachment), image
    return str(image.out.alt)


async def test_stats_says_which_earlier_events_the_chart_leaves_out(fake: FakeAdapter, bot: Bot) -> None:
    n = MAX_BARS + 2
    for i in range(n):
        [card] = await fake.invoke(f'!event create "E{i}" when="in {i * 3 + 2} hours" duration=1h')
        await fake.react(card, "✅", "bob")
    await bot.advance(timedelta(hours=n * 3 + 5))
    summary, image = await fake.invoke("!stats", "bob")
    text, chart = summary.text, chart_text(image)
    assert f"{n} events held, {n} going" in text  # the totals are over all of them
    assert (f"and {n - SHOWN} earlier ones: {MAX_BARS - SHOWN} in the chart, "
            f"the 2 earliest only in the totals") in text, text
    assert "(in the chart)" not in text
    for earliest in ("#1 ", "#2 "):  # in neither the list nor the chart
        assert earliest not in text and earliest not in chart
    assert "#3 " in chart and f"#{n - SHOWN} " in chart and f"#{n - SHOWN} " not in text
    assert f"#{n - SHOWN + 1} E" in text


async def test_stats_says_earlier_events_are_in_the_chart_when_they_are(fake: FakeAdapter, bot: Bot) -> None:
    n = SHOWN + 1
    for i in range(n):
        await fake.invoke(f'!event create "E{i}" when="in {i * 3 + 2} hours" duration=1h')
    await bot.advance(timedelta(hours=n * 3 + 5))
    summary, image = await fake.invoke("!stats", "bob")
    assert "and 1 earlier one (in the chart)" in summary.text, summary.text
    assert "#1 " in chart_text(image) and "#1 " not in summary.text


async def test_early_pin_note_leaves_out_who_has_checked_in_since(fake: FakeAdapter, bot: Bot) -> None:
    [card] = await fake.invoke(f"!event create Clean-up when={WHEN}")
    await fake.react(card, "✅", "dave")  # one a moderator can check in by name
    await bot.advance(TO_WINDOW)
    await fake.react(card, "📍", "carol")
    await fake.react(card, "📍", "dave")
    await fake.invoke('!event edit 1 when="2026-12-03 18:00"')  # both 📍 are now from before
    await bot.advance(timedelta(days=7))
    await bot.settle()
    assert f"2 📍 {EARLY_NOTE} do not count" in fake.messages[card.id].text
    [reply] = await fake.invoke("!checkin 1", "carol")
    assert "checked in" in reply.text, reply.text
    await bot.settle()
    live = fake.messages[card.id].text
    assert "Here (1)" in live and f"1 📍 {EARLY_NOTE} does not count" in live, live
    [reply] = await fake.invoke("!checkin 1 dave", "moda", mod=True)
    assert "Checked in dave" in reply.text, reply.text
    await bot.settle()
    live = fake.messages[card.id].text
    assert "Here (2)" in live and EARLY_NOTE not in live, live


@pytest.fixture
async def pair(bot: Bot) -> tuple[FakeAdapter, FakeAdapter]:
    return await labelled_pair(bot)


async def test_early_pin_note_counts_only_the_cards_own_platform(
        pair: tuple[FakeAdapter, FakeAdapter], bot: Bot) -> None:
    a, b = pair
    await link(a, b)
    [card_a] = await a.invoke(f"!event create Quiz when={WHEN}")
    [card_b] = [s for s in b.cards() if "Quiz" in s.text]
    await bot.advance(TO_WINDOW)
    await a.react(card_a, "📍", UserRef("alpha", "a1", "Sam"))
    await a.invoke('!event edit 1 when="2026-12-03 18:00"')
    await bot.advance(timedelta(days=7))
    await bot.settle()
    assert f"1 📍 {EARLY_NOTE} does not count" in a.messages[card_a.id].text
    assert EARLY_NOTE not in b.messages[card_b.id].text, b.messages[card_b.id].text
