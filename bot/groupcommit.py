"""Group commit, the part both stores share: write units queue up while the writer is busy
and go in the next batch, one transaction and one COMMIT for all of them; `await
db.write(unit)` returns only after that COMMIT, so whatever a caller acknowledges to a user
is durable. A store says how it opens a batch and commits it (`_commit_batch`); `run_batch`
runs the units of a batch on any connection shaped like sqlite3's."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, cast

from .bulk import Item, RunsBulk, run_group, take_group
from .stores import StorageError, T, Unit


class Committed:
    """How many writes made on behalf of one command have committed."""

    def __init__(self) -> None:
        self.writes = 0


# Set while a command runs (bot/dispatch.py): a failure in a later write of it cannot say that
# nothing was changed once an earlier one committed. A task the command starts shares it.
_committed: ContextVar[Committed | None] = ContextVar("committed", default=None)


@contextmanager
def counting_commits(counted: Committed) -> Iterator[None]:
    token = _committed.set(counted)
    try:
        yield
    finally:
        _committed.reset(token)


class GroupCommit:
    """`group_commit=False` commits every unit on its own (benchmarks compare the two).
    A batch stops growing at `max_batch` units or after `batch_budget_s` of work,
    whichever comes first; the rest waits for the next one."""

    def __init__(self, *, group_commit: bool, max_batch: int, batch_budget_s: float) -> None:
        self.max_batch = max_batch if group_commit else 1
        self.batch_budget_s = batch_budget_s
        self._pending: deque[Item] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._writer: asyncio.Task[None] | None = None
        self.commits = 0  # observed by benchmarks
        self.units = 0
        # Told of each commit (seconds, units) when someone watches (the metrics).
        self.on_commit: Callable[[float, int], None] | None = None

    async def write(self, unit: Unit[T]) -> T:
        """Run `unit` in a transaction; return after its commit."""
        if self._writer is None:
            raise StorageError("the database is not open")
        fut: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append((unit, fut))
        self._idle.clear()
        self._wake.set()
        value = await fut
        if (counted := _committed.get()) is not None:
            counted.writes += 1
        return value

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return await self.write(lambda c: c.execute(sql, params).rowcount)

    async def _write_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            # Let the writes that arrive together queue up: one pass of the loop.
            await asyncio.sleep(0)
            while self._pending:
                await self._before_batch()
                await self._commit_batch()
                await asyncio.sleep(0)  # the loop serves others between batches
            self._idle.set()

    @property
    def queue_depth(self) -> int:
        return len(self._pending)

    async def _before_batch(self) -> None:
        """Upkeep a store does between batches, on the writer."""

    async def _commit_batch(self) -> None:
        raise NotImplementedError

    def _settle(self, batch: list[Item], results: list[tuple[bool, Any]],
                started: float) -> None:
        """After a batch's COMMIT (or its failure): count it and tell each waiter its outcome."""
        self.commits += 1
        self.units += len(batch)
        if self.on_commit is not None:
            self.on_commit(time.perf_counter() - started, len(batch))
        for (_, fut), (ok, value) in zip(batch, results, strict=True):
            if not fut.done():
                if ok:
                    fut.set_result(value)
                else:
                    fut.set_exception(value)

    async def _stop_writer(self) -> None:
        """Once the queued writes are committed."""
        if self._writer:
            if not self._writer.done():  # a writer cancelled from outside never goes idle
                await self._idle.wait()
            self._writer.cancel()
            try:
                await self._writer
            except asyncio.CancelledError:
                pass
            self._writer = None


def run_batch(conn: sqlite3.Connection, pending: deque[Item],
               batch: list[Item], max_units: int,
               budget_s: float) -> list[tuple[bool, Any]]:
    """Take units from `pending` into `batch` and run them in one transaction, until
    `max_units` or `budget_s` of work; return with the transaction open, for the caller
    to commit. Units almost never fail, so first try them without a SAVEPOINT each (two
    statements fewer per unit); if one fails, roll the whole batch back and run it again
    with savepoints, so only the failing unit is undone. Units are functions of the
    database alone, so running one twice is safe. Units with a bulk form run together
    where the connection can (bot.bulk); the isolated rerun calls each as a function."""
    deadline = time.perf_counter() + budget_s
    bulk_capable = hasattr(conn, "run_bulk")
    conn.execute("BEGIN IMMEDIATE")
    results: list[tuple[bool, Any]] = []
    try:
        while pending and len(batch) < max_units:
            item = pending.popleft()
            batch.append(item)
            group = take_group(item, pending, batch, max_units) if bulk_capable else None
            if group is None:
                results.append((True, item[0](conn)))
            else:
                results.extend(run_group(cast(RunsBulk, conn), group))
            if time.perf_counter() >= deadline:
                break
    except Exception:
        conn.execute("ROLLBACK")
        return _run_batch_isolated(conn, [u for u, _ in batch])
    except BaseException:
        abandon(conn)
        raise
    return results


def _run_batch_isolated(conn: sqlite3.Connection, units: list[Unit[Any]]) -> list[tuple[bool, Any]]:
    results: list[tuple[bool, Any]] = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        for unit in units:
            conn.execute("SAVEPOINT unit")
            try:
                value = unit(conn)
            except Exception as e:
                conn.execute("ROLLBACK TO unit")
                conn.execute("RELEASE unit")
                results.append((False, e))
            else:
                conn.execute("RELEASE unit")
                results.append((True, value))
    except BaseException:
        abandon(conn)
        raise
    return results


def abandon(conn: sqlite3.Connection) -> None:
    """Roll back whatever is open (a failed COMMIT may already have ended it)."""
    if conn.in_transaction:
        conn.execute("ROLLBACK")
