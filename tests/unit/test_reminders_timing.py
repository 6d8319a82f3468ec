"""Reminders at the edges of their time (PRODUCT.md "Reminders"): an offset reached at the
moment the event is made, an offset that is not a whole number of hours, and a reminder that
would only go out after the start (a grace longer than the offset)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.testing import FakeAdapter

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the clock of the shared fixtures
WHEN = '"2026-11-26 18:00"'


def reminders(fake: FakeAdapter) -> list[str]:
    return [s.text for s in fake.log if "Reminder" in s.text]


async def test_an_event_made_exactly_one_offset_ahead_gets_that_reminder(fake: FakeAdapter, bot: Bot) -> None:
    [card] = await fake.invoke('!event create Pizza when="in 1 hour"')
    await fake.invoke('!event create Picnic when="in 24 hours"')
    await bot.advance(timedelta(minutes=1))
    said = reminders(fake)
    assert len(said) == 2, said
    assert "Pizza #1 starts in 1 hour, Mon 23 Nov 2026 10:00 UTC" in said[0]
    assert "Picnic #2 starts in 24 hours, Tue 24 Nov 2026 09:00 UTC" in said[1]
    assert fake.log.index(card) < [s.text for s in fake.log].index(said[0])  # after the card
    await bot.advance(timedelta(days=2))
    assert len(reminders(fake)) == 3  # and each offset once: Picnic's 1h one came later


async def test_a_reminder_says_exactly_how_long_until_the_start(fake: FakeAdapter, bot: Bot) -> None:
    await fake.invoke("!config set reminders 2d12h,1h30m,45m", "mod", mod=True)
    await fake.invoke(f"!event create Dinner when={WHEN}")
    await bot.advance(timedelta(days=4))
    said = reminders(fake)
    assert [s.split(" starts in ")[1].split(",")[0] for s in said] == [
        "2 days 12 hours", "1 hour 30 minutes", "45 minutes"], said


async def test_a_reminder_posted_late_after_the_start_says_so_and_none_after_the_end(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "late.db")
    bot = await build_bot(path, clock=ManualClock(START))
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    await fake.invoke("!config set reminders 1h", "mod", mod=True)
    await fake.invoke("!config set reminders.grace 2d", "mod", mod=True)
    [card] = await fake.invoke("!event create Late when=\"2026-11-26 18:00\"")
    await fake.react(card, "✅", "bob")
    [other] = await fake.invoke("!event create Later when=\"2026-11-26 19:00\" duration=3h")
    await fake.react(other, "✅", "bob")
    await bot.stop()
    # Back at 20:30, within the grace: Late ended at 20:00, Later started at 19:00 and runs to 22:00.
    again = await build_bot(path, clock=ManualClock(datetime(2026, 11, 26, 20, 30, tzinfo=UTC)))
    again.add_adapter(fake)
    await again.start()
    try:
        [said] = reminders(fake)  # never "starts in 0 minutes", and nothing about one that is over
        assert said.startswith("⏰ Reminder: Later #2 is on now: it starts Thu 26 Nov 2026 19:00 UTC"
                               ", 1 hour 30 minutes ago, and ends Thu 26 Nov 2026 22:00 UTC."), said
        assert "@bob" in said
    finally:
        await again.stop()


class TickingClock(ManualClock):
    """A clock that moves on as code reads it, as a real one does within one command."""

    def now(self) -> datetime:
        self.set(super().now() + timedelta(milliseconds=1))
        return super().now()


async def test_in_one_hour_gets_its_one_hour_reminder_on_a_clock_that_moves(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bot = await build_bot(str(tmp_path / "tick.db"), clock=TickingClock(START))
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    try:
        await fake.invoke('!event create Pizza when="in 1 hour"')
        await bot.advance(timedelta(minutes=1))
        assert [r for r in reminders(fake) if "Pizza #1 starts in 1 hour" in r], fake.log
    finally:
        await bot.stop()
