"""A claim's lease on a shared database (PRODUCT.md "Running at scale": each reminder goes out
exactly once) while its send is slow, and claims made late in a long take-over sweep: a live
process's claim is never taken over, whatever the platform's pace."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot import jobs
from bot.clock import ManualClock
from bot.model import ChannelRef, MessageRef
from bot.render import Out
from bot.scheduler import RECOVER_AT_ONCE as GROUP
from bot.testing import FakeAdapter
from tests.reliability.reliability_kit import START
from tests.reliability.test_job_leases import DUE, process, reminders

pytestmark = pytest.mark.integration


class SlowPlatform(FakeAdapter):
    """A platform whose posts of scheduled work wait while `held` is set (rate limits, an
    overloaded server)."""

    def __init__(self) -> None:
        super().__init__()
        self.held: asyncio.Event | None = None
        self.waiting = asyncio.Event()

    async def send(self, channel: ChannelRef, out: Out, *, idempotency_key: str | None = None) -> MessageRef:
        if idempotency_key is not None and self.held is not None:
            self.waiting.set()
            await self.held.wait()
        return await super().send(channel, out, idempotency_key=idempotency_key)


async def test_a_send_that_outlasts_the_lease_keeps_its_claim(pg_url: str) -> None:
    first, slow = await process(pg_url, START, SlowPlatform())
    assert isinstance(slow, SlowPlatform)
    await slow.invoke("!config set reminders 1h", "mod", mod=True)
    await slow.invoke('!event create Picnic when="2026-11-26 18:00"')
    first.scheduler.renew_every = timedelta(milliseconds=20)
    slow.held = asyncio.Event()
    firing = asyncio.create_task(first.advance(DUE - START))
    other = None
    try:
        await asyncio.wait_for(slow.waiting.wait(), 10)  # claimed at DUE; its post is waiting
        clock = first.clock
        assert isinstance(clock, ManualClock)
        clock.set(DUE + timedelta(seconds=25))  # still sending, close to the end of its lease
        await asyncio.sleep(0.3)  # a few renewals

        # Another process on the same platform, a second past the claim's first lease.
        other, fake = await process(pg_url, DUE + jobs.LEASE + timedelta(seconds=1))
        assert await other.scheduler.take_over() == 0
        await other.settle()
        assert reminders(fake) == [], "a live claim was taken over and sent a second time"
    finally:
        slow.held.set()
        await firing
        if other is not None:
            await other.stop()
    assert len(reminders(slow)) == 1 and "Picnic" in reminders(slow)[0]
    row = await first.db.fetchone("SELECT state, attempts FROM jobs WHERE kind='event.reminder'")
    assert tuple(row) == ("sent", 1)
    await first.stop()


class PacedPlatform(FakeAdapter):
    """A platform that takes a second of the bot's clock for each post of scheduled work."""

    async def send(self, channel: ChannelRef, out: Out, *, idempotency_key: str | None = None) -> MessageRef:
        if idempotency_key is not None and self.bot is not None:
            clock = self.bot.clock
            assert isinstance(clock, ManualClock)
            clock.set(clock.now() + timedelta(seconds=1))
        return await super().send(channel, out, idempotency_key=idempotency_key)


async def test_a_long_take_over_sweep_claims_each_job_at_its_own_time(pg_url: str) -> None:
    """The survivor of a process that died takes its backlog in groups; a job claimed a minute
    into that sweep is judged by its grace then, not at the time the sweep began."""
    first, platform = await process(pg_url, START)
    await platform.invoke("!config set reminders 1h", "mod", mod=True)
    await platform.invoke("!config set reminders.grace 1m", "mod", mod=True)
    count = GROUP + 1
    for n in range(count):
        await platform.invoke(f'!event create Picnic {n} when="2026-11-26 18:00"', f"host{n}")
    await first.stop()  # gone before the reminders fall due

    paced = PacedPlatform()
    # Half a minute late when the sweep begins; the first group's posts take over a minute.
    other, _ = await process(pg_url, DUE + jobs.LEASE + timedelta(seconds=1), paced)
    try:
        await other.settle()
        states = await other.db.fetchall(
            "SELECT state, COUNT(*) FROM jobs WHERE kind='event.reminder' GROUP BY state")
        assert dict(map(tuple, states)) == {"sent": GROUP, "skipped": 1}
        assert len(reminders(paced)) == GROUP
        missed = [s.text for s in paced.log if f"Picnic {count - 1}" in s.text]
        assert len(missed) == 1 and "Reminder" not in missed[0], missed
        # No claim is left with a lease that had run out when it was made.
        assert await other.scheduler.take_over() == 0
    finally:
        await other.stop()
