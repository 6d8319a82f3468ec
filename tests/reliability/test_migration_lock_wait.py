"""A migration that changes a table in use (jobs.key's collation) while another process of the
cluster holds a transaction open on it: the migration waits for its lock only a while, so the
other processes' reads of jobs are not queued behind it; one that never gets the lock fails the
start with a clear message and is applied at a later start, never skipped (bot/pgmigrate.py)."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from bot import pgmigrate
from bot.app import build_bot
from bot.clock import ManualClock
from bot.jobs import MIGRATIONS as JOB_MIGRATIONS
from tests.reliability.reliability_kit import START

KEY_COLLATION = ("SELECT collation_name FROM information_schema.columns "
                 "WHERE table_name = 'jobs' AND column_name = 'key'")


async def _waiting_for_jobs(c: asyncpg.Connection) -> None:
    """Until a session waits for a lock on jobs (the migration's ALTER)."""
    for _ in range(3000):  # the bound only keeps a regression from hanging the suite
        if await c.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'jobs'::regclass"):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the migration never waited for jobs")


async def test_a_migration_waits_for_a_busy_table_only_a_while(postgres, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pgmigrate, "LOCK_WAIT_S", 0.5)
    monkeypatch.setattr(pgmigrate, "LOCK_TRIES", 3)
    monkeypatch.setattr(pgmigrate, "LOCK_PAUSE_S", 0.1)
    url = postgres.fresh_url()
    bot = await build_bot(url, clock=ManualClock(START))
    await bot.stop()
    c, other, reader = [await asyncpg.connect(url) for _ in range(3)]
    try:
        # Back to before the collation migration (the last of jobs'), as a cluster upgrading finds it.
        await c.execute('ALTER TABLE jobs ALTER COLUMN key TYPE TEXT COLLATE "default"')
        await c.execute("UPDATE _migrations SET version=$1 WHERE component='jobs'", len(JOB_MIGRATIONS) - 1)
        tr = other.transaction()  # an old process's batch in flight on jobs
        await tr.start()
        await other.fetchval("SELECT count(*) FROM jobs")

        upgrading = asyncio.create_task(build_bot(url, clock=ManualClock(START)))
        await _waiting_for_jobs(c)
        # Another process's scheduler sweep arrives while the migration waits for its lock: it
        # gets through as soon as that try gives up, while the old transaction is still open.
        # (The bound only keeps a regression from hanging the suite.)
        assert await asyncio.wait_for(reader.fetchval("SELECT count(*) FROM jobs WHERE state='pending'"), 30) == 0
        assert other.is_in_transaction()
        with pytest.raises(pgmigrate.MigrationLocked, match="could not lock the tables it changes"):
            await asyncio.wait_for(upgrading, 30)
        assert await c.fetchval(KEY_COLLATION) is None  # not run without the C collation: not started
        await tr.rollback()

        bot = await build_bot(url, clock=ManualClock(START))  # a later start applies it
        await bot.stop()
        assert await c.fetchval(KEY_COLLATION) == "C"
    finally:
        for x in (c, other, reader):
            await x.close()
