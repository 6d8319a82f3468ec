"""Taking over a backlog (PRODUCT.md "Running at scale": "a process that dies has its due work
taken over by the others within a minute"): a take-over sweep hands its sends to background
tasks and returns, so the next sweep, ten seconds on, takes what fell due meanwhile even while
the backlog is still going out through a slow platform; at most `at_once` of them claim and
send at a time, and a job waiting for a slot stays unclaimed until it gets one, its grace
judged then. Run on both stores: the sweep is the same statements on each."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot import jobs
from bot.app import Bot
from bot.clock import ManualClock
from bot.model import ChannelRef, MessageRef
from bot.render import Out
from bot.testing import FakeAdapter
from tests.reliability.reliability_kit import START
from tests.reliability.test_job_leases import DUE, process, reminders

# Hang guard only: a sweep that waits for the sends it started never returns while they wait.
SWEEP_RETURNS_S = 10


class HeldPlatform(FakeAdapter):
    """Posts of scheduled work whose text names `hold` wait until `release` is set (a slow,
    rate-limited platform); the others go out at once, their time (the bot's clock) noted."""

    def __init__(self, hold: str) -> None:
        super().__init__()
        self.hold = hold
        self.release = asyncio.Event()
        self.waiting = 0
        self.expect = 0
        self.all_waiting = asyncio.Event()  # `expect` posts are waiting
        self.posted: list[tuple[str, datetime]] = []
        self.one_posted = asyncio.Event()

    async def send(self, channel: ChannelRef, out: Out, *, idempotency_key: str | None = None) -> MessageRef:
        if idempotency_key is not None:
            text = await self._plain(channel, out)
            if self.hold in text:
                self.waiting += 1
                if self.waiting == self.expect:
                    self.all_waiting.set()
                await self.release.wait()
            else:
                assert self.bot is not None
                self.posted.append((text, self.bot.clock.now()))
                self.one_posted.set()
        return await super().send(channel, out, idempotency_key=idempotency_key)


async def dead_process_with_reminders(url: str, titles: list[str], when: list[str]) -> HeldPlatform:
    """A process made reminders (1 h before each event), then went away before any fell due."""
    platform = HeldPlatform("Picnic")
    first, _ = await process(url, START, platform)
    await platform.invoke("!config set reminders 1h", "mod", mod=True)
    await platform.invoke("!config set reminders.grace 1m", "mod", mod=True)
    for n, (title, at) in enumerate(zip(titles, when, strict=True)):
        await platform.invoke(f'!event create {title} when="{at}"', f"host{n}")
    await first.stop()
    return platform


async def sweep_at(bot: Bot, at: timedelta) -> int:
    clock = bot.clock
    assert isinstance(clock, ManualClock)
    clock.set(DUE + at)
    return await asyncio.wait_for(bot.scheduler.take_over(), SWEEP_RETURNS_S)


async def states(bot: Bot) -> dict[str, str]:
    rows = await bot.db.fetchall("SELECT key, state FROM jobs WHERE kind='event.reminder'")
    return {str(r[0]): str(r[1]) for r in rows}


async def test_a_job_that_lapses_while_a_backlog_is_sending_is_taken_at_the_next_sweep(databases) -> None:  # type: ignore[no-untyped-def]
    url = databases("jobs.db")
    backlog = 6
    platform = await dead_process_with_reminders(
        url, [f"Picnic {n}" for n in range(backlog)] + ["Quiz"],
        ["2026-11-26 18:00"] * backlog + ["2026-11-26 18:01"])  # the quiz's reminder: DUE + 1 min
    other, fake = await process(url, START, platform)
    platform.expect = backlog
    try:
        lease = jobs.LEASE.total_seconds()
        # The backlog lapses; its posts hang on the platform, and the sweep is over regardless.
        assert await sweep_at(other, timedelta(seconds=lease + 1)) == backlog
        await asyncio.wait_for(platform.all_waiting.wait(), SWEEP_RETURNS_S)
        assert list((await states(other)).values()).count("sending") == backlog

        # Sweeps go on every ten seconds while those posts wait: the quiz's reminder, lapsed
        # (nobody claimed it a lease after it was due), is taken at the first one after that.
        assert await sweep_at(other, timedelta(seconds=lease + 11)) == 0
        assert await sweep_at(other, timedelta(seconds=60 + lease + 1)) == 1
        await asyncio.wait_for(platform.one_posted.wait(), SWEEP_RETURNS_S)
        [(text, posted_at)] = platform.posted
        assert "Quiz" in text and posted_at - (DUE + timedelta(minutes=1)) <= timedelta(minutes=1)
        assert [r for r in reminders(fake) if "Picnic" in r] == []  # the backlog is still out there

        platform.release.set()
        await other.scheduler.idle()
        assert set((await states(other)).values()) == {"sent"}
        assert len(reminders(fake)) == backlog + 1
        assert len(fake.sends_with_key) == len(set(fake.sends_with_key))
    finally:
        platform.release.set()
        await other.stop()


async def test_a_job_waiting_for_a_slot_is_claimed_only_then_and_judged_by_its_grace_then(
        databases) -> None:  # type: ignore[no-untyped-def]
    url = databases("jobs.db")
    platform = await dead_process_with_reminders(
        url, ["Picnic 0", "Picnic 1", "Picnic 2"], ["2026-11-26 18:00"] * 3)
    other, fake = await process(url, START, platform)
    other.scheduler.taking.at_once = 2
    platform.expect = 2
    try:
        lease = jobs.LEASE.total_seconds()
        before = len(fake.log)
        assert await sweep_at(other, timedelta(seconds=lease + 1)) == 3  # half a minute late
        await asyncio.wait_for(platform.all_waiting.wait(), SWEEP_RETURNS_S)
        await asyncio.sleep(0.05)  # room for a third post, were it let through
        assert platform.waiting == 2
        # The third waits for a slot unclaimed: no lease of it runs out while it waits, and
        # another sweep does not hand it over twice.
        assert sorted((await states(other)).values()) == ["pending", "sending", "sending"]
        assert await sweep_at(other, timedelta(seconds=lease + 11)) == 0
        # The first two go out a minute on; the third is claimed then, past its grace.
        clock = other.clock
        assert isinstance(clock, ManualClock)
        clock.set(DUE + timedelta(seconds=lease + 61))
        platform.release.set()
        await other.scheduler.idle()
        await other.settle()
        assert sorted((await states(other)).values()) == ["sent", "sent", "skipped"]
        assert len(reminders(fake)) == 2
        # Its skip is said in the channel, once.
        [passed_over] = [s.text for s in fake.log[before:] if "Reminder" not in s.text]
        assert "Picnic" in passed_over
        assert await other.scheduler.take_over() == 0
    finally:
        platform.release.set()
        await other.stop()
