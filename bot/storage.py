"""The embedded store: one SQLite file in WAL mode behind one aiosqlite connection.

Writes are *units*: a plain function taking a `sqlite3.Connection`, run on the
database thread. Units that queue up while a commit is in flight are committed
together (group commit), each inside its own SAVEPOINT so one failing unit rolls
back alone. `await db.write(unit)` returns only after the COMMIT, so whatever a
caller acknowledges to a user is durable.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

log = logging.getLogger(__name__)

T = TypeVar("T")
Unit = Callable[[sqlite3.Connection], T]
Migration = str | Callable[[sqlite3.Connection], None]


class StorageError(RuntimeError):
    """The database cannot be used; the message says why and what to do."""


def split_sql(script: str) -> list[str]:
    out: list[str] = []
    buf = ""
    for ln in script.splitlines(keepends=True):
        buf += ln
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


class Database:
    def __init__(self, path: str | Path, *, group_commit: bool = True, max_batch: int = 2000) -> None:
        self.path = str(path)
        self.group_commit = group_commit
        self.max_batch = max_batch if group_commit else 1
        self._conn: aiosqlite.Connection | None = None
        self._queue: asyncio.Queue[tuple[Unit[Any], asyncio.Future[Any]]] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        self.commits = 0  # observed by benchmarks
        self.units = 0

    # --- lifecycle ---------------------------------------------------------------

    async def open(self) -> Database:
        if self.path != ":memory:":
            p = Path(self.path)
            if p.parent and not p.parent.exists():
                raise StorageError(f"the folder of the database {self.path} does not exist; create it or choose another path")
        pending = aiosqlite.connect(self.path, isolation_level=None)
        try:
            self._conn = await pending
        except sqlite3.Error as e:
            # aiosqlite stops its thread on a failed connect but nobody waits for it; left
            # alone it outlives the event loop and prints tracebacks after our clean error.
            await asyncio.get_running_loop().run_in_executor(None, pending._thread.join, 5)
            raise StorageError(self._explain(e)) from e
        try:
            await self._conn.execute("PRAGMA busy_timeout=5000")
            mode = await (await self._conn.execute("PRAGMA journal_mode=WAL")).fetchone()
            await self._conn.execute("PRAGMA synchronous=NORMAL")
            await self._conn.execute("PRAGMA foreign_keys=ON")
            await self._conn.execute(
                "CREATE TABLE IF NOT EXISTS _migrations (component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
            )
            # A read-only file opens and reads fine; find out now, not at the first RSVP.
            # (rewriting the header's user_version with its own value is a real write).
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                version = await (await self._conn.execute("PRAGMA user_version")).fetchone()
                await self._conn.execute(f"PRAGMA user_version={int(version[0]) if version else 0}")
            finally:
                await self._conn.execute("ROLLBACK")
        except sqlite3.DatabaseError as e:
            await self._close_quietly()
            raise StorageError(self._explain(e)) from e
        if self.path != ":memory:" and mode and mode[0] != "wal":
            log.warning("database %s is not in WAL mode (%s)", self.path, mode[0])
        self._conn.row_factory = sqlite3.Row
        self._writer = asyncio.create_task(self._write_loop(), name="logoff-db-writer")
        return self

    def _explain(self, e: sqlite3.DatabaseError) -> str:
        msg = str(e).lower()
        if "readonly" in msg or "read-only" in msg:
            return f"the database {self.path} is read-only; give the bot write access to it and its folder"
        if "not a database" in msg or "malformed" in msg or "corrupt" in msg:
            return (
                f"the database {self.path} is damaged ({e}); restore it from a backup, "
                "or move it away to start empty"
            )
        if "unable to open" in msg:
            return f"cannot open the database {self.path}; check the path and its permissions"
        return f"the database {self.path} cannot be used: {e}"

    async def close(self) -> None:
        """Drain queued writes, then close."""
        if self._writer:
            await self._queue.join()
            self._writer.cancel()
            try:
                await self._writer
            except asyncio.CancelledError:
                pass
            self._writer = None
        await self._close_quietly()

    async def _close_quietly(self) -> None:
        if self._conn is not None:
            try:
                await self._conn.close()
            except Exception:  # closing after a failed open must not mask the cause
                pass
            self._conn = None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise StorageError("the database is not open")
        return self._conn

    # --- migrations ----------------------------------------------------------------

    async def migrate(self, component: str, migrations: Sequence[Migration]) -> int:
        """Apply the numbered migrations of one component that are not applied yet.
        Each runs in its own transaction with the version bump, so a crash in the
        middle leaves the previous version intact."""

        def unit(conn: sqlite3.Connection) -> int:
            row = conn.execute("SELECT version FROM _migrations WHERE component=?", (component,)).fetchone()
            current = row[0] if row else 0
            for version, mig in enumerate(migrations, start=1):
                if version <= current:
                    continue
                conn.execute("BEGIN IMMEDIATE")
                try:
                    if callable(mig):
                        mig(conn)
                    else:
                        for stmt in split_sql(mig):
                            conn.execute(stmt)
                    conn.execute(
                        "INSERT INTO _migrations(component, version) VALUES(?, ?) "
                        "ON CONFLICT(component) DO UPDATE SET version=excluded.version",
                        (component, version),
                    )
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            return len(migrations)

        try:
            return await self.conn._execute(unit, self.conn._conn)
        except sqlite3.DatabaseError as e:
            raise StorageError(self._explain(e)) from e

    # --- reads -----------------------------------------------------------------------

    async def read(self, fn: Unit[T]) -> T:
        """Run a read-only function on the database thread."""
        return await self.conn._execute(fn, self.conn._conn)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return await self.read(lambda c: c.execute(sql, params).fetchall())

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        return await self.read(lambda c: c.execute(sql, params).fetchone())

    # --- writes ------------------------------------------------------------------------

    async def write(self, unit: Unit[T]) -> T:
        """Run `unit` in a transaction; return after its commit."""
        if self._writer is None:
            raise StorageError("the database is not open")
        fut: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((unit, fut))
        return await fut

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return await self.write(lambda c: c.execute(sql, params).rowcount)

    async def _write_loop(self) -> None:
        while True:
            first = await self._queue.get()
            batch = [first]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                results = await self.conn._execute(_run_batch, self.conn._conn, [u for u, _ in batch])
            except BaseException as e:  # the COMMIT itself failed: nobody is durable
                results = [(False, e)] * len(batch)
            self.commits += 1
            self.units += len(batch)
            for (_, fut), (ok, value) in zip(batch, results, strict=True):
                if not fut.done():
                    if ok:
                        fut.set_result(value)
                    else:
                        fut.set_exception(value)
                self._queue.task_done()


def _run_batch(conn: sqlite3.Connection, units: list[Unit[Any]]) -> list[tuple[bool, Any]]:
    """One transaction for the batch. Units almost never fail, so first try them without
    a SAVEPOINT each (two statements fewer per unit); if one fails, roll the whole batch
    back and run it again with savepoints, so only the failing unit is undone. Units are
    functions of the database alone, so running one twice is safe."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        results: list[tuple[bool, Any]] = [(True, unit(conn)) for unit in units]
    except Exception:
        conn.execute("ROLLBACK")
        return _run_batch_isolated(conn, units)
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
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
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return results
