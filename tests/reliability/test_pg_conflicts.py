"""Writes that lose to other processes' writes, on a real PostgreSQL (PRODUCT.md "Running at
scale": several processes on one database). PostgreSQL aborts one side of a conflict between
SERIALIZABLE transactions; that side's batch is run again for as long as it takes (within
bot/pgconflict.py's budget), and only when that runs out are its writers told, truly, that
nothing was changed: never "something went wrong" (a raw serialization failure reaching a
command's handler, as it did under load in tests/cluster/test_cluster.py)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from bot import jobs
from bot.app import build_bot
from bot.clock import ManualClock
from bot.greenbridge import await_only
from bot.pgconflict import StorageBusy
from bot.postgres import PostgresDatabase
from bot.testing import FakeAdapter
from tests.reliability.reliability_kit import START

pytestmark = pytest.mark.integration

# More times in a row than a batch used to be run before its units got the raw conflict.
LOSSES = 20


async def opened(url: str) -> PostgresDatabase:
    db = PostgresDatabase(url)
    await db.open()
    return db


class Rival:
    """Another process taking the next place in a queue (a read, then a write) in its own
    SERIALIZABLE transaction, each time it is asked, `times` times."""

    def __init__(self, conn: asyncpg.Connection, times: int) -> None:
        self.conn = conn
        self.left = times

    async def take(self) -> None:
        if self.left == 0:
            return
        self.left -= 1
        async with self.conn.transaction(isolation="serializable"):
            place = await self.conn.fetchval("SELECT COALESCE(MAX(place), 0) + 1 FROM q")
            await self.conn.execute("INSERT INTO q(who, place) VALUES('rival', $1)", place)


@pytest.fixture
async def queue(pg_url: str) -> AsyncIterator[tuple[PostgresDatabase, asyncpg.Connection]]:
    db = await opened(pg_url)
    await db.migrate("q", ["CREATE TABLE q (who TEXT NOT NULL, place INTEGER NOT NULL);"])
    rival = await asyncpg.connect(pg_url)
    yield db, rival
    await rival.close()
    await db.close()


def take_after(rival: Rival):  # type: ignore[no-untyped-def]
    """A unit that reads the last place, lets the rival take the next one meanwhile (a write
    skew: PostgreSQL aborts this side), then takes the place it read."""

    def unit(c: sqlite3.Connection) -> int:
        place = c.execute("SELECT COALESCE(MAX(place), 0) + 1 FROM q").fetchone()[0]
        await_only(rival.take())
        c.execute("INSERT INTO q(who, place) VALUES('me', ?)", (place,))
        return int(place)

    return unit


async def test_a_write_that_keeps_losing_goes_through_once_its_rival_stops(
        queue: tuple[PostgresDatabase, asyncpg.Connection]) -> None:
    db, conn = queue
    rival = Rival(conn, LOSSES)
    assert await db.write(take_after(rival)) == LOSSES + 1
    assert rival.left == 0 and db.conflicts >= LOSSES // 2  # a batch's rerun of its units loses too
    rows = await db.fetchall("SELECT who, place FROM q ORDER BY place")
    assert [tuple(r) for r in rows] == [("rival", n) for n in range(1, LOSSES + 1)] + [("me", LOSSES + 1)]


async def test_a_write_still_losing_when_time_is_up_is_told_nothing_was_changed(
        queue: tuple[PostgresDatabase, asyncpg.Connection], caplog: pytest.LogCaptureFixture) -> None:
    db, conn = queue
    db.conflict_budget_s = 0.0
    rival = Rival(conn, LOSSES)
    with pytest.raises(StorageBusy) as caught:
        await db.write(take_after(rival))
    assert "nothing was changed" in caught.value.said
    rivals = LOSSES - rival.left  # it lost on its first run, and again when its unit ran alone
    assert [r[0] for r in await db.fetchall("SELECT who FROM q")] == ["rival"] * rivals
    # Only that batch failed; the writer goes on, on the same connection (PostgreSQL was
    # there all along: nobody is told that it "answers again").
    rival.left = 0
    assert await db.write(take_after(rival)) == rivals + 1
    assert [r[0] for r in await db.fetchall("SELECT who FROM q ORDER BY place")] == ["rival"] * rivals + ["me"]
    assert "answers again" not in caplog.text


class KeyHolders:
    """Another process's transactions, each holding (not yet committed) the job an event's
    `/event create` writes next: the archive job of event 1, 2, … A command's write that
    reaches one waits for it; committed then, it makes that write lose (a row it cannot see,
    under its key), and its batch is run again, with the next event id."""

    def __init__(self, url: str, count: int) -> None:
        self.url = url
        self.count = count
        self.held: dict[int, asyncpg.Connection] = {}  # server pid -> its connection
        self.committed = 0

    async def __aenter__(self) -> KeyHolders:
        self.watch = await asyncpg.connect(self.url)
        for n in range(1, self.count + 1):
            conn = await asyncpg.connect(self.url)
            await conn.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
            await conn.execute("INSERT INTO jobs(kind, key, due_at) VALUES('event.archive', $1, 4102444800)",
                               f"event:{n}:archive")
            self.held[conn.get_server_pid()] = conn
        return self

    async def __aexit__(self, *_: object) -> None:
        for conn in [self.watch, *self.held.values()]:
            await conn.close()

    async def commit_whatever_waits_until(self, done: asyncio.Future[Any]) -> None:
        """Each time the bot waits for one of them, commit that one, until `done`."""
        while not done.done():
            waited_for = {r[0] for r in await self.watch.fetch(
                "SELECT DISTINCT unnest(pg_blocking_pids(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database()")}
            for pid in waited_for & set(self.held):
                await self.held.pop(pid).execute("COMMIT")
                self.committed += 1
            await asyncio.wait([done], timeout=0.01)


async def command_among_holders(pg_url: str, holders: int, budget_s: float | None) -> tuple[list[str], int, list[str]]:
    """`/event create` while `holders` transactions hold its next jobs' keys: its replies,
    how many it lost to, and the events stored."""
    bot = await build_bot(pg_url, clock=ManualClock(START))
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    try:
        await bot.settle()
        if budget_s is not None:
            bot.db.conflict_budget_s = budget_s  # type: ignore[attr-defined]
        async with KeyHolders(pg_url, holders) as rival:
            command = asyncio.ensure_future(fake.invoke('!event create Picnic when="tomorrow 18:00"'))
            await rival.commit_whatever_waits_until(command)
            replies = [r.text for r in command.result()]
        return replies, rival.committed, [r[0] for r in await bot.db.fetchall("SELECT title FROM events")]
    finally:
        await bot.stop()


async def test_a_command_whose_write_keeps_losing_gets_its_card(pg_url: str) -> None:
    replies, lost, titles = await command_among_holders(pg_url, LOSSES, None)
    assert lost == LOSSES
    [card] = replies
    assert "Picnic" in card and "⚠️" not in card
    assert titles == ["Picnic"]


async def test_a_command_still_losing_when_time_is_up_is_told_nothing_was_changed(pg_url: str) -> None:
    replies, lost, titles = await command_among_holders(pg_url, LOSSES, 0.0)
    assert lost >= 1
    assert replies == ["⚠️ my database was too busy with other work to save that just now, so nothing "
                       "was changed; please try again in a minute"]
    assert titles == []


async def test_an_event_created_meanwhile_does_not_make_another_process_s_jobs_lose(pg_url: str) -> None:
    """Another process's unit reads jobs by their keys (a prefix cancel, as an edit's) and
    then writes one, while this bot creates an event. Its event's jobs land where that unit
    read; had the create read the jobs index as well (a cancel of its event's jobs, which
    cannot exist yet), each would have read what the other wrote, and PostgreSQL would abort
    one of them (as it did, many times, when processes created events at once)."""
    bot = await build_bot(pg_url, clock=ManualClock(START))
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    rival = await asyncpg.connect(pg_url)
    try:
        await bot.settle()
        await rival.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        await rival.fetch("SELECT id FROM jobs WHERE state='pending' AND key >= 'event:' AND key < 'event;'")
        [card] = await fake.invoke('!event create Picnic when="tomorrow 18:00"')
        await rival.execute("INSERT INTO jobs(kind, key, due_at) VALUES('event.archive', 'event:999:archive', 4102444800)")
        await rival.execute("COMMIT")
    finally:
        await rival.close()
        await bot.stop()
    assert "Picnic" in card.text and bot.db.conflicts == 0  # type: ignore[attr-defined]


async def test_a_prefix_cancel_reads_only_its_keys_not_every_pending_job(pg_url: str) -> None:
    """A SERIALIZABLE read locks the index pages it scans: a cancel of one event's jobs that
    also scanned `jobs_due` for every pending job would conflict with any process scheduling
    any job. What the cancel's own transaction holds after it ran is what it read."""
    db = await opened(pg_url)
    conn = await asyncpg.connect(pg_url)
    try:
        await db.migrate("core", jobs.MIGRATIONS)
        # Most jobs done, those pending few among them; not analysed yet (as a young table, or
        # one between two of autovacuum's visits): the planner then guesses either index alike.
        await conn.execute("INSERT INTO jobs(kind, key, due_at, state) SELECT 'event.reminder', "
                           "'event:' || n || ':reminder:3600', 4102444800 + n, "
                           "CASE WHEN n % 20 = 0 THEN 'pending' ELSE 'sent' END FROM generate_series(1, 3000) n")

        def unit(c: sqlite3.Connection) -> tuple[int, set[str]]:
            n = jobs.cancel(c, "event:1500:reminder:")
            return n, {r[0] for r in c.execute(
                "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE l.mode = 'SIReadLock' AND l.pid = pg_backend_pid()").fetchall()}

        cancelled, read = await db.write(unit)
    finally:
        await conn.close()
        await db.close()
    assert cancelled == 1 and "jobs_due" not in read
