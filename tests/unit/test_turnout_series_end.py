"""The follow-up of a series: while it goes on its next occurrence is planned, so no "next one?"
poll; after its last occurrence there is none planned, and the poll asks when the next one is."""

from __future__ import annotations

from datetime import timedelta

from bot.app import Bot
from bot.testing import FakeAdapter

WHEN = '"2026-11-26 18:00"'  # a Thursday; the fake's clock starts on Monday 23 Nov 09:00 UTC


async def test_the_last_occurrence_of_a_series_asks_for_the_next_one(fake: FakeAdapter, bot: Bot) -> None:
    [first, _] = await fake.invoke(f"!event create Run when={WHEN} repeat=weekly count=2")
    await fake.react(first, "✅", "bob")
    await bot.advance(timedelta(days=4))
    [thanks] = fake.containing("Thanks for coming to Run #1")
    assert "poll" not in thanks.text and not fake.containing("Next Run?")
    [second] = [m for m in fake.containing("📅 Run") if "#2" in m.text and m.card is not None][:1]
    await fake.react(second, "✅", "bob")
    await bot.advance(timedelta(days=7))
    [last] = fake.containing("Thanks for coming to Run #2")
    assert "Vote on poll #1" in last.text, last.text
    [poll] = fake.containing("Next Run? Same time, which week?")
    assert "Thu 10 Dec 2026 18:00 UTC" in poll.text


async def test_a_series_moved_to_a_new_time_of_day_goes_on(fake: FakeAdapter, bot: Bot) -> None:
    [first, _] = await fake.invoke(f"!event create Run when={WHEN} repeat=weekly count=3")
    await fake.react(first, "✅", "bob")
    await bot.advance(timedelta(days=1))
    [ok] = await fake.invoke('!event edit 2 when="19:00" series')
    assert ok.text.startswith("✅"), ok.text
    await bot.advance(timedelta(days=3))
    [thanks] = fake.containing("Thanks for coming to Run #1")
    assert "poll" not in thanks.text and not fake.containing("Next Run?")


async def test_another_series_on_the_same_day_does_not_stand_for_this_one(fake: FakeAdapter, bot: Bot) -> None:
    """Same creator, channel, rule and weekday, but not this series: the last Run still asks."""
    [first, _] = await fake.invoke(f"!event create Run when={WHEN} repeat=weekly count=2")
    await fake.invoke('!event create Quiz when="2026-11-26 21:00" repeat=weekly')
    await fake.react(first, "✅", "bob")
    await bot.advance(timedelta(days=4))
    [second] = [m for m in fake.containing("📅 Run") if m.card is not None and "Dec" in m.text]
    await fake.react(second, "✅", "bob")
    await bot.advance(timedelta(days=7))
    last = fake.containing("Thanks for coming to Run")[-1]
    assert "Vote on poll #" in last.text, last.text
    assert fake.containing("Next Run? Same time, which week?")
