"""Jobs on a database several processes share (PRODUCT.md "Running at scale"): a claim holds
a job for a lease; when its process dies, another takes the job over (at once when the
process has no session left, else once the lease runs out) and sends it with the same key,
so it lands once; a live claim is taken only when its lease runs out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from bot import jobs
from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.process import APP_PREFIX
from bot.testing import FakeAdapter
from tests.reliability.reliability_kit import START

pytestmark = pytest.mark.integration

DUE = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)  # the 1 h reminder of an event at 18:00


async def process(url: str, at: datetime, fake: FakeAdapter | None = None) -> tuple[Bot, FakeAdapter]:
    bot = await build_bot(url, clock=ManualClock(at))
    fake = fake or FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    return bot, fake


def reminders(fake: FakeAdapter) -> list[str]:
    return [s.text for s in fake.log if "Reminder" in s.text]


async def another_process(url: str, name: str) -> asyncpg.Connection:
    """A session of another live process, as its sessions show it (bot/process.py)."""
    return await asyncpg.connect(url, server_settings={"application_name": APP_PREFIX + name})


async def test_a_live_claim_holds_for_its_lease_and_is_taken_when_it_runs_out(pg_url: str) -> None:
    first, platform = await process(pg_url, START)
    await platform.invoke("!config set reminders 1h", "mod", mod=True)
    await platform.invoke('!event create Picnic when="2026-11-26 18:00"')
    [(job_id, _)] = await first.db.fetchall("SELECT id, key FROM jobs WHERE kind='event.reminder'")
    # Another process, still connected, claims the reminder at its due time and hangs.
    hung = await another_process(pg_url, "other-host/7")
    try:
        assert await first.db.write(lambda c: jobs.claim_due(c, job_id, DUE, "other-host/7")) is not None
        await first.stop()

        other, fake = await process(pg_url, DUE + timedelta(seconds=10), platform)
        try:
            assert reminders(fake) == []  # the lease still holds: the claim may be alive
            assert await other.scheduler.take_over() == 0
            clock = other.clock
            assert isinstance(clock, ManualClock)
            clock.set(DUE + jobs.LEASE + timedelta(seconds=1))
            assert await other.scheduler.take_over() == 1
            await other.scheduler.idle()
            await other.settle()
            assert len(reminders(fake)) == 1 and "Picnic" in reminders(fake)[0]
            row = await other.db.fetchone("SELECT state, attempts, claimed_by FROM jobs WHERE id=?", (job_id,))
            assert (row[0], row[1]) == ("sent", 2) and row[2] == other.scheduler.process
            assert await other.scheduler.take_over() == 0  # sent: nothing left to take
            assert other.metrics.registry.get_sample_value("logoff_jobs_taken_over_total",
                                                           {"kind": "event.reminder"}) == 1
            assert len(fake.sends_with_key) == len(set(fake.sends_with_key))
        finally:
            await other.stop()
    finally:
        await hung.close()


async def test_the_claim_of_a_process_seen_gone_twice_is_taken_without_waiting_its_lease(
        pg_url: str) -> None:
    """A restarted process (or any other) does not wait out the lease of one that is gone: a
    claim by a process with no session at two sweeps in a row is taken at the second. A live
    process's claim is not, nor one under an older version's name (no session name to see)."""
    first, platform = await process(pg_url, START)
    await platform.invoke("!config set reminders 1h", "mod", mod=True)
    for title in ("Picnic", "Movies", "Quiz"):
        await platform.invoke(f'!event create {title} when="2026-11-26 18:00"')
    [(gone_job,), (live_job,), (old_job,)] = await first.db.fetchall(
        "SELECT id FROM jobs WHERE kind='event.reminder' ORDER BY id")
    live = await another_process(pg_url, "other-host/8")
    try:
        late = DUE + timedelta(seconds=10)  # their leases run to DUE + 40 s
        for job_id, claimant, at in ((gone_job, "gone-host/1", DUE), (live_job, "other-host/8", late),
                                     (old_job, "old-version-host:1", late)):
            assert await first.db.write(lambda c, j=job_id, p=claimant, t=at: jobs.claim_due(c, j, t, p))
        await first.stop()

        other, fake = await process(pg_url, DUE + timedelta(seconds=12), platform)
        try:
            await other.scheduler.idle()
            await other.settle()
            assert reminders(fake) == []  # one look so far: gone or reconnecting, who can tell
            clock = other.clock
            assert isinstance(clock, ManualClock)

            async def sweep_at(seconds: int) -> int:
                clock.set(DUE + timedelta(seconds=seconds))
                taken = await other.scheduler.take_over()
                await other.scheduler.idle()
                await other.settle()
                return taken

            assert await sweep_at(20) == 1  # gone at both looks
            assert len(reminders(fake)) == 1 and "Picnic" in reminders(fake)[0]
            await live.close()  # now that process is gone too
            assert await sweep_at(27) == 0  # it was there at the look before
            assert await sweep_at(34) == 1  # gone at both, its lease still running
            assert len(reminders(fake)) == 2 and "Movies" in reminders(fake)[1]
            assert await sweep_at(41) == 1  # the old-named claim: only when its lease ran out
            states = await other.db.fetchall("SELECT state FROM jobs WHERE kind='event.reminder'")
            assert [r[0] for r in states] == ["sent", "sent", "sent"]
        finally:
            await other.stop()
    finally:
        if not live.is_closed():
            await live.close()


async def test_a_send_that_landed_before_the_process_died_is_not_repeated(pg_url: str) -> None:
    """The dead process had posted the reminder but not marked it sent: the taker sends it
    again with the job's key, and the platform keeps the one it has."""
    first, platform = await process(pg_url, START)
    await platform.invoke("!config set reminders 1h", "mod", mod=True)
    await platform.invoke('!event create Picnic when="2026-11-26 18:00"')
    clock = first.clock
    assert isinstance(clock, ManualClock)
    await first.advance(DUE - START)
    assert len(reminders(platform)) == 1
    await first.db.execute("UPDATE jobs SET state='sending', lease_until=? WHERE kind='event.reminder'",
                           ((DUE + timedelta(seconds=5)).timestamp(),))  # as if killed before marking it
    await first.stop()

    other, fake = await process(pg_url, DUE + jobs.LEASE + timedelta(seconds=6), platform)
    try:
        assert await other.scheduler.take_over() == 0  # start-up already took it over
        await other.scheduler.idle()
        await other.settle()
        assert len(reminders(fake)) == 1  # the platform de-duplicated the second send by its key
        assert len(fake.sends_with_key) == len(set(fake.sends_with_key)) + 1
        row = await other.db.fetchone("SELECT state FROM jobs WHERE kind='event.reminder'")
        assert row[0] == "sent"
    finally:
        await other.stop()


async def test_a_pending_job_nobody_claimed_is_taken_a_lease_after_it_was_due(pg_url: str) -> None:
    first, platform = await process(pg_url, START)
    await platform.invoke("!config set reminders 1h", "mod", mod=True)
    await platform.invoke('!event create Picnic when="2026-11-26 18:00"')
    await first.stop()  # its process is gone before the reminder is due

    other, fake = await process(pg_url, START, platform)
    try:
        clock = other.clock
        assert isinstance(clock, ManualClock)
        clock.set(DUE + timedelta(seconds=20))
        assert await other.scheduler.take_over() == 0  # not yet: its own process may still fire it
        clock.set(DUE + jobs.LEASE + timedelta(seconds=1))
        assert await other.scheduler.take_over() == 1
        await other.scheduler.idle()
        await other.settle()
        assert len(reminders(fake)) == 1
    finally:
        await other.stop()
