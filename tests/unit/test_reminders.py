"""Reminders: exactly the configured offsets, mentioning those going; moved on edit,
gone on cancel; the grace rule for reminders that fell due while the bot was down."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import build_bot
from bot.clock import ManualClock
from bot.testing import FakeAdapter

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WHEN = '"2026-11-26 18:00"'  # Thursday, 3 days 9 hours after START


def reminders(fake: FakeAdapter):
    return [s for s in fake.log if "Reminder" in s.text]


async def test_default_offsets_fire_once_each_at_their_time(fake: FakeAdapter, bot) -> None:
    [card] = await fake.invoke(f"!event create Board games when={WHEN}")
    await fake.react(card, "✅", "bob")
    await bot.scheduler.advance(timedelta(days=2, hours=8, minutes=59))  # 1 minute before the 24h one
    assert reminders(fake) == []
    await bot.scheduler.advance(timedelta(minutes=1))
    [first] = reminders(fake)
    assert "Board games" in first.text and "starts" in first.text and "in 24 hours" in first.text
    assert [u.id for u in first.out.mentions] == ["bob"]
    await bot.scheduler.advance(timedelta(days=5))
    texts = [r.text for r in reminders(fake)]
    assert len(texts) == 2 and "in 1 hour" in texts[1]
    keyed = {s.key for s in reminders(fake)}
    assert len(keyed) == 2 and None not in keyed  # each carried its own idempotency key
    # After the end, the follow-up (test_turnout.py): a thank-you and a poll, keyed as well.
    assert len(set(fake.sends_with_key)) == 4 and len(fake.containing("Thanks for coming")) == 1


async def test_configured_offsets(fake: FakeAdapter, bot) -> None:
    await fake.invoke("!config set reminders 2h,30m,10m", "mod", mod=True)
    await fake.invoke(f"!event create Dinner when={WHEN}")
    fired = []
    for _ in range(4 * 24 * 6):
        before = len(reminders(fake))
        await bot.scheduler.advance(timedelta(minutes=10))
        if len(reminders(fake)) > before:
            fired.append(bot.clock.now())
    start = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)
    assert fired == [start - timedelta(hours=2), start - timedelta(minutes=30), start - timedelta(minutes=10)]


async def test_edit_moves_and_cancel_removes(fake: FakeAdapter, bot) -> None:
    await fake.invoke(f"!event create A when={WHEN}")
    await fake.invoke(f"!event create B when={WHEN}")
    await fake.invoke('!event edit 1 when="2026-11-27 18:00"')
    await fake.invoke("!event cancel 2")
    await bot.scheduler.advance(timedelta(days=3, hours=8, minutes=59))  # all old due times pass
    assert reminders(fake) == []
    await bot.scheduler.advance(timedelta(days=1, minutes=1))
    assert len(reminders(fake)) == 2 and all("Reminder: A" in r.text for r in reminders(fake))


async def test_reminders_off_and_setting_change_reschedules(fake: FakeAdapter, bot) -> None:
    await fake.invoke(f"!event create A when={WHEN}")
    await fake.invoke("!config set reminders off", "mod", mod=True)
    await bot.scheduler.advance(timedelta(days=4))
    assert reminders(fake) == []


@pytest.mark.parametrize("down_for, expected", [(timedelta(minutes=30), 1), (timedelta(hours=3), 0)])
async def test_grace_after_downtime(tmp_path, down_for: timedelta, expected: int, caplog) -> None:
    path = str(tmp_path / "g.db")
    clock = ManualClock(START)
    bot = await build_bot(path, clock=clock)
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    await fake.invoke("!config set reminders 1h", "mod", mod=True)
    await fake.invoke(f"!event create Late when={WHEN}")
    await bot.stop()
    # Down across the reminder's due time (17:00) for `down_for`.
    later = ManualClock(datetime(2026, 11, 26, 17, 0, tzinfo=UTC) + down_for)
    bot2 = await build_bot(path, clock=later)
    bot2.add_adapter(fake)
    with caplog.at_level(logging.WARNING):
        await bot2.start()
    assert len(reminders(fake)) == expected
    if not expected:
        assert any("skipped job" in r.getMessage() for r in caplog.records)
    # The event has ended by the time the bot is back: nothing to say about it.
    assert fake.containing("Missed while offline") == []
    await bot2.stop()


async def test_a_reminder_skipped_after_downtime_is_said_in_the_channel_once(tmp_path) -> None:
    path = str(tmp_path / "m.db")
    bot = await build_bot(path, clock=ManualClock(START))
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    await fake.invoke("!config set reminders 24h", "mod", mod=True)
    await fake.invoke(f"!event create Late when={WHEN}")
    await bot.stop()
    for _ in range(2):  # back three hours after the reminder was due; then once more
        again = await build_bot(path, clock=ManualClock(datetime(2026, 11, 25, 21, 0, tzinfo=UTC)))
        again.add_adapter(fake)
        await again.start()
        await again.stop()
    assert reminders(fake) == []
    [missed] = fake.containing("Missed while offline")
    assert "Late #1" in missed.text and "was due Wed 25 Nov 2026 18:00 UTC" in missed.text
    assert "it is on Thu 26 Nov 2026 18:00 UTC (in 21 hours)" in missed.text
    assert "starts" not in missed.text  # the word that marks a reminder: this one was not posted


def pending_keys(jobs) -> set[str]:  # type: ignore[no-untyped-def]
    return {j.key.partition(":")[2].partition(":")[2] for j in jobs}


async def test_an_existing_event_rescheduled_still_loses_the_jobs_its_plan_dropped(fake: FakeAdapter, bot) -> None:
    # A unit that inserts an event skips cancelling its jobs (there are none yet); any other
    # scheduling of an event still does.
    await fake.invoke(f"!event create A when={WHEN}")
    assert pending_keys(await bot.scheduler.pending("event:1:")) == {
        "archive", "checkin", "followup", "native-close", "reminder:86400", "reminder:3600"}
    await fake.invoke("!config set reminders 2h", "mod", mod=True)
    assert pending_keys(await bot.scheduler.pending("event:1:")) == {"archive", "checkin", "followup", "native-close", "reminder:7200"}
    await fake.invoke('!event edit 1 when="2026-11-23 09:20"')  # its check-in window is open already
    assert pending_keys(await bot.scheduler.pending("event:1:")) == {"archive", "followup", "native-close"}
    await fake.invoke(f"!event create B when={WHEN}")
    assert pending_keys(await bot.scheduler.pending("event:2:")) == {"archive", "checkin", "followup", "native-close", "reminder:7200"}
    assert pending_keys(await bot.scheduler.pending("event:1:")) == {"archive", "followup", "native-close"}
