"""`stats` shows a count of nobody as the number it is: an event nobody checked in at has a
show-up rate of 0%, and counts in the overall rate; only where nobody was going is there no
rate, and that is said in words, apart from "no events" (nothing held in the period)."""

from __future__ import annotations

from datetime import timedelta

from bot.app import Bot
from bot.testing import FakeAdapter

from .test_turnout_stats import meetup


async def test_nobody_checking_in_is_a_show_up_rate_of_zero(fake: FakeAdapter, bot: Bot) -> None:
    await meetup(fake, bot, "Picnic", ("bob", "carol"), ("bob",))
    await meetup(fake, bot, "Rally", ("bob", "carol", "dave"), ())
    summary, _ = await fake.invoke("!stats", "bob")
    assert "2 events held, 5 going, 1 checked in, show-up rate 20%." in summary.text, summary.text
    assert "#2 Rally" in summary.text and "going 3, here 0, show-up 0%" in summary.text, summary.text
    assert "—  " not in summary.text and not summary.text.rstrip().endswith("—")


async def test_no_rate_where_nobody_was_going_is_said_and_told_apart_from_no_events(
        fake: FakeAdapter, bot: Bot) -> None:
    [empty] = await fake.invoke("!stats 7", "bob")
    assert "No events ended here" in empty.text, empty.text
    await meetup(fake, bot, "Walk", (), ("erin",))  # checked in without saying they'd go
    summary, _ = await fake.invoke("!stats 7", "bob")
    text = summary.text
    assert "1 event held, 0 going, 1 checked in, show-up rate none (nobody was going)." in text, text
    assert "going 0, here 1, show-up none (nobody was going)" in text, text
    await bot.advance(timedelta(days=30))
    [gone] = await fake.invoke("!stats 7", "bob")
    assert "No events ended here" in gone.text
