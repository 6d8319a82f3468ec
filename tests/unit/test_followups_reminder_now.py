"""A reminder due at the very moment a time is set (PRODUCT.md "Reminders", "Recurring
meetups"): `event edit … when="in 1 hour"` and a series whose first occurrence is "in 1 hour"
get their 1h reminder on a clock that moves while the command runs, as a real one does; so does
an occurrence made by its series' job exactly one reminder offset before it starts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.testing import FakeAdapter

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday


class TickingClock(ManualClock):
    """A clock that moves on as code reads it, as a real one does within one command."""

    def now(self) -> datetime:
        self.set(super().now() + timedelta(milliseconds=1))
        return super().now()


def reminders(fake: FakeAdapter, title: str) -> list[str]:
    return [s.text for s in fake.log if "Reminder" in s.text and title in s.text]


@pytest.fixture
async def ticking(tmp_path) -> AsyncIterator[tuple[Bot, FakeAdapter]]:  # type: ignore[no-untyped-def]
    bot = await build_bot(str(tmp_path / "tick.db"), clock=TickingClock(START))
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    try:
        yield bot, fake
    finally:
        await bot.stop()


async def test_an_event_moved_to_in_one_hour_gets_its_one_hour_reminder(
        ticking: tuple[Bot, FakeAdapter]) -> None:
    bot, fake = ticking
    await fake.invoke('!event create Pizza when="2026-11-26 18:00"')
    [ok] = await fake.invoke('!event edit 1 when="in 1 hour"')
    assert ok.text.startswith("✅ Updated Pizza #1"), ok.text
    await bot.advance(timedelta(minutes=1))
    said = reminders(fake, "Pizza #1")
    assert len(said) == 1 and "starts in 1 hour" in said[0], fake.log
    await bot.advance(timedelta(days=4))
    assert len(reminders(fake, "Pizza #1")) == 1  # and not again at the old time


async def test_a_series_starting_in_one_hour_gets_its_one_hour_reminder(
        ticking: tuple[Bot, FakeAdapter]) -> None:
    bot, fake = ticking
    [first, said] = await fake.invoke('!event create Run when="in 1 hour" repeat=daily count=2')
    assert "repeats daily" in said.text, said.text
    await bot.advance(timedelta(minutes=1))
    assert [r for r in reminders(fake, "Run #1") if "starts in 1 hour" in r], fake.log


async def test_an_occurrence_made_one_offset_ahead_gets_that_reminder(
        ticking: tuple[Bot, FakeAdapter]) -> None:
    """With series.ahead equal to a reminder offset, the job that makes the occurrence runs at
    the moment its reminder is due (and, on a real clock, a little after)."""
    bot, fake = ticking
    await fake.invoke("!config set series.ahead 1d", "mod", mod=True)
    await fake.invoke("!config set reminders 1d", "mod", mod=True)
    await fake.invoke('!event create Swim when="2026-11-23 19:00" repeat=weekly count=3')
    await bot.advance(timedelta(days=15))
    said = [r for r in reminders(fake, "Swim") if "starts in 24 hours" in r]
    assert len(said) == 2, [s.text for s in fake.log]  # the first was made 10 hours ahead
