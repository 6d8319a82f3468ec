"""Outages: the platform refusing sends for a while, and the bot itself down for a while.

Reminders that fell due meanwhile follow the grace rule of PRODUCT.md: posted late (once)
if less than `reminders.grace` late, otherwise skipped and logged; nothing is posted twice.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.app import Bot
from bot.clock import ManualClock
from bot.model import ChannelRef, MessageRef
from bot.render import Out
from bot.testing import FakeAdapter, Sent
from tests.reliability.reliability_kit import START, MakeBot, connect_ro


class FlakyPlatform(FakeAdapter):
    """Sends fail (as a 5xx or a dropped connection would) while the clock is in an outage."""

    def __init__(self, down_from: datetime | None = None, down_until: datetime | None = None) -> None:
        super().__init__()
        self.down_from, self.down_until = down_from, down_until
        self.failed: list[tuple[datetime, str | None]] = []

    async def send(self, channel: ChannelRef, out: Out, *, idempotency_key: str | None = None) -> MessageRef:
        assert self.bot is not None
        now = self.bot.clock.now()
        if self.down_from and self.down_until and self.down_from <= now < self.down_until:
            self.failed.append((now, idempotency_key))
            raise ConnectionError("503 Service Unavailable")
        return await super().send(channel, out, idempotency_key=idempotency_key)

    def reminders(self) -> list[Sent]:
        return [s for s in self.log if s.text.startswith("⏰ Reminder")]


async def create(adapter: FakeAdapter, title: str, starts_in: timedelta) -> None:
    minutes = int(starts_in.total_seconds() // 60)
    replies = await adapter.invoke(f'!event create {title} when="in {minutes} minutes"', "host")
    assert replies[0].text.startswith("📅"), replies[0].text


def reminder_for(adapter: FlakyPlatform, title: str) -> list[Sent]:
    return [s for s in adapter.reminders() if f": {title} #" in s.text]


async def job_states(bot: Bot) -> dict[str, str]:
    return {k: s for k, s in await bot.db.fetchall("SELECT key, state FROM jobs WHERE kind='event.reminder'")}


@pytest.mark.allow_errors  # each failed send is logged as an error by design
async def test_platform_outage_reminders_follow_the_grace_rule(
        make_bot: MakeBot, caplog: pytest.LogCaptureFixture, figures: dict[str, object]) -> None:
    caplog.set_level(logging.WARNING)
    outage = (START + timedelta(hours=1), START + timedelta(hours=2, minutes=15))
    bot, adapter = await make_bot(adapter=FlakyPlatform(*outage))
    await create(adapter, "Late", timedelta(hours=2, minutes=30))  # 1h reminder due +1h30: 45 min late
    await create(adapter, "Skipped", timedelta(hours=2, minutes=5))  # due +1h05: 70 min late at best
    await create(adapter, "Ontime", timedelta(hours=4))  # due +3h, after the outage
    await bot.scheduler.advance(timedelta(hours=5))

    late = reminder_for(adapter, "Late")
    assert len(late) == 1 and "starts" in late[0].text
    assert not reminder_for(adapter, "Skipped"), "a reminder more than the grace late was posted"
    assert len(reminder_for(adapter, "Ontime")) == 1
    states = await job_states(bot)
    assert states == {"event:1:reminder:3600": "sent", "event:2:reminder:3600": "skipped",
                      "event:3:reminder:3600": "sent"}, states
    skipped = [r for r in caplog.records if "skipped job" in r.getMessage()]
    assert len(skipped) == 1 and "event:2:reminder:3600" in skipped[0].getMessage()
    # Every retry used the job's own key, so a send that did reach the platform could not double.
    keys = Counter(k for _, k in adapter.failed)
    assert all(k is not None for k in keys), keys
    # Two reminders retried, and the skipped one's notice tried once (the platform was down).
    assert len({k.removesuffix("-missed") for k in keys}) == 2, keys
    assert sum(n for k, n in keys.items() if k.endswith("-missed")) == 1, keys
    assert all(outage[0] <= at < outage[1] for at, _ in adapter.failed)
    figures.update({"outage_minutes": 75, "failed_sends": len(adapter.failed),
                    "delivered_late": 1, "skipped_beyond_grace": 1, "on_time": 1, "duplicates": 0})


@pytest.mark.parametrize("grace, expect_first", [("1h", "skipped"), ("2h", "sent")])
async def test_bot_down_then_restarted_later(tmp_path: Path, make_bot: MakeBot,
                                             caplog: pytest.LogCaptureFixture, grace: str,
                                             expect_first: str) -> None:
    caplog.set_level(logging.WARNING)
    db = tmp_path / "t.db"
    bot, adapter = await make_bot(db, adapter=FlakyPlatform())
    r = await adapter.invoke(f"!config set reminders.grace {grace}", "mod", mod=True)
    assert r[0].text.startswith("✅"), r[0].text
    await create(adapter, "First", timedelta(hours=2))  # 1h reminder due +1h: 1h30 late at restart
    await create(adapter, "Second", timedelta(hours=3))  # due +2h: 30 min late at restart
    await create(adapter, "Third", timedelta(hours=30))  # due +6h and +29h: after the restart
    await bot.stop()

    # Down for two and a half hours; the scheduler's recovery runs at start.
    bot, adapter = await make_bot(db, clock=ManualClock(START + timedelta(hours=2, minutes=30)),
                                  adapter=FlakyPlatform())
    assert len(reminder_for(adapter, "First")) == (1 if expect_first == "sent" else 0)
    second = reminder_for(adapter, "Second")
    assert len(second) == 1 and "starts in 30 minutes" in second[0].text
    assert not reminder_for(adapter, "Third")
    await bot.scheduler.advance(timedelta(hours=30))
    assert len(reminder_for(adapter, "Third")) == 2
    states = await job_states(bot)
    assert states["event:1:reminder:3600"] == expect_first
    assert [s for k, s in states.items() if not k.startswith("event:1:")] == ["sent"] * 3, states
    skipped = [r.getMessage() for r in caplog.records if "skipped job" in r.getMessage()]
    assert len(skipped) == (expect_first == "skipped"), skipped
    await bot.stop()


@pytest.mark.parametrize("engine", ["sqlite"])  # edits the file as a crash leaves it
async def test_reminder_left_sending_by_a_crash_is_skipped_when_restart_is_beyond_grace(
        tmp_path: Path, make_bot: MakeBot, caplog: pytest.LogCaptureFixture) -> None:
    """A crash between claiming and posting leaves the job in `sending`; if the bot only comes
    back after the grace, the reminder is skipped and logged, not posted hours late."""
    caplog.set_level(logging.WARNING)
    db = tmp_path / "t.db"
    bot, adapter = await make_bot(db, adapter=FlakyPlatform())
    await create(adapter, "Crashed", timedelta(hours=2))
    await create(adapter, "Recovered", timedelta(hours=3))
    await bot.stop()
    conn = connect_ro(db)  # the state a SIGKILL right after the claim leaves
    assert conn.execute("SELECT COUNT(*) FROM jobs WHERE state='pending' "
                        "AND kind='event.reminder'").fetchone()[0] == 2
    conn.close()
    with sqlite3.connect(db) as w:
        w.execute("UPDATE jobs SET state='sending', attempts=1 WHERE kind='event.reminder'")
    bot, adapter = await make_bot(db, clock=ManualClock(START + timedelta(hours=2, minutes=30)),
                                  adapter=FlakyPlatform())
    assert not reminder_for(adapter, "Crashed")
    assert len(reminder_for(adapter, "Recovered")) == 1
    assert await job_states(bot) == {"event:1:reminder:3600": "skipped", "event:2:reminder:3600": "sent"}
    assert any("event:1:reminder:3600" in r.getMessage() and "skipped" in r.getMessage()
               for r in caplog.records)
    await bot.stop()
