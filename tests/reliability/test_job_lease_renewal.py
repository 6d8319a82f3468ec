"""A claim's lease on a shared database (PRODUCT.md "Running at scale": each reminder goes out
exactly once) while its send is slow: a live process's claim is never taken over, whatever the
platform's pace. (Claims made late in a long take-over: test_job_takeover_backlog.py.)"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot import jobs
from bot.clock import ManualClock
from bot.model import ChannelRef, MessageRef
from bot.render import Out
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
