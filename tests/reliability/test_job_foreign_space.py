"""Processes sharing a database run only the jobs of the spaces they serve (PRODUCT.md "Running
at scale"). A linked channel's reminder that failed where the event was made gets a retry job of
that channel's space (cogs/events/reminders.py): the process that wrote it cannot post there, so
it must leave it to the process that serves it, not claim it and fail until its grace runs out."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest

from bot import jobs
from bot.adapter import Capabilities
from bot.app import Bot, build_bot
from bot.clock import Clock, ManualClock
from bot.jobs import Job
from bot.testing import FakeAdapter
from tests.reliability.reliability_kit import START

pytestmark = pytest.mark.integration

CODE = re.compile(r"link ([A-Z0-9]{4}-[A-Z0-9]{4})")


def platform(name: str, space: str) -> FakeAdapter:
    return FakeAdapter(name, space=space, channel=space, capabilities=Capabilities(edits_per_window=0, label=name))


async def process(url: str, adapter: FakeAdapter, clock: Clock) -> Bot:
    bot = await build_bot(url, clock=clock)
    bot.add_adapter(adapter)
    await bot.start()
    return bot


async def test_a_linked_channels_retry_is_left_to_the_process_serving_it(pg_url: str) -> None:
    alpha, beta = platform("alpha", "guild"), platform("beta", "room")
    a = await process(pg_url, alpha, ManualClock(START))
    b = await process(pg_url, beta, ManualClock(START))
    try:
        [code] = await alpha.invoke("!link", "moda", mod=True)
        [done] = await beta.invoke(f"!link {CODE.findall(code.text)[0]}", "modb", mod=True)
        assert done.text.startswith("🔗 Linked with"), done.text
        await alpha.invoke("!config set reminders 1h", "moda", mod=True)
        await alpha.invoke('!event create Quiz when="2026-11-23 12:00"')
        # Alpha's process posts the reminder in alpha; beta is not a platform it is on.
        await a.scheduler.advance(timedelta(hours=2), a.settle)
        assert [s.text for s in alpha.log if s.text.startswith("⏰ Reminder")]
        # The card and the reminder beta did not get are left for beta's process.
        left = await a.db.fetchall("SELECT key, state, attempts FROM jobs WHERE space='beta:room' ORDER BY key")
        assert [tuple(r) for r in left] == [("event:1:card@beta:room", "pending", 0),
                                            ("event:1:relay:3600@beta:room", "pending", 0)]
        assert await b.scheduler.advance(timedelta(hours=2), b.settle) == 2
        assert [s.text for s in beta.log if "Quiz" in s.text and s.text.startswith("⏰ Reminder")]
    finally:
        await a.stop()
        await b.stop()


async def test_the_alarm_is_not_set_for_a_job_of_a_space_served_elsewhere(pg_url: str) -> None:
    """On the real clock: of two jobs due now, written together, the process arms and runs
    its own and leaves the other space's pending, unclaimed."""
    a = await process(pg_url, platform("alpha", "guild"), Clock())
    ran: list[str] = []
    own_done = asyncio.Event()

    async def handler(job: Job) -> None:
        ran.append(job.space)
        if job.space == "alpha:guild":
            own_done.set()

    a.scheduler.register("test.job", handler)
    try:
        now = a.clock.now() - timedelta(seconds=1)
        handles = await a.db.write(lambda c: [
            jobs.put(c, "test.job", f"test:{space}", now, space=space) for space in ("beta:room", "alpha:guild")])
        for handle in handles:
            a.scheduler.arm(handle)
        await own_done.wait()
        await a.scheduler.idle()
        assert ran == ["alpha:guild"]
        [(state, attempts)] = await a.db.fetchall("SELECT state, attempts FROM jobs WHERE key='test:beta:room'")
        assert (state, attempts) == ("pending", 0)
    finally:
        await a.stop()
