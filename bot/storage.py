"""The embedded store: one SQLite file in WAL mode, one writer connection and one
aiosqlite connection for reads.

Writes are *units*: a plain function taking a `sqlite3.Connection`. Units that queue
up while the writer is busy are committed together (group commit); `await
db.write(unit)` returns only after the COMMIT, so whatever a caller acknowledges
to a user is durable.

Durability: `synchronous=FULL`, so a COMMIT returns only once the WAL is on disk and an
acknowledged RSVP survives a power cut or a kernel crash, not just a killed process. (With
NORMAL the WAL is synced only at checkpoints, which on a quiet bot can be hours apart.)
Group commit is what makes that affordable: a storm pays one fsync per batch.

Threads. A write unit is a few indexed statements of mostly Python; on a second thread
the same unit cost almost twice as much during a reaction storm, because that thread
and the loop hand the GIL to each other at every statement (BENCHMARKS.md, second
pass). So a batch's statements run in line on the loop's thread, bounded to 8 ms (about
100 RSVPs) so the loop stays responsive; only its COMMIT, which waits for the disk with
the GIL released, goes to a thread of its own while the loop serves others. The WAL
checkpoint, the other slow disk operation, is off the writer too (automatic checkpoints
are off on it) and runs in the background on a connection and thread of its own.
Reads: `read` on aiosqlite's thread, off the loop (rosters, exports, start-up scans);
`read_small`, a few rows by index, in line on a read connection of its own, which sees
only committed data and is never held up by a COMMIT in flight.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import shutil
import sqlite3
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

from .bulk import RunsBulk, ServerSide, run_group, take_group
from .checkpoints import CHECKPOINT_WAL_BYTES, Checkpointer

log = logging.getLogger(__name__)

T = TypeVar("T")
Unit = Callable[[sqlite3.Connection], T]
Migration = str | ServerSide | Callable[[sqlite3.Connection], None]



class StorageError(RuntimeError):
    """The database cannot be used; the message says why and what to do."""


class StorageUnavailable(StorageError):
    """The database server is not answering (for now): nothing of the unit was written."""


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


SYNCHRONOUS = ("FULL", "NORMAL")


class Database:
    """`group_commit=False` commits every unit on its own (benchmarks compare the two).
    A batch stops growing at `max_batch` units or after `batch_budget_s` of work,
    whichever comes first; the rest waits for the next one. `synchronous="NORMAL"`
    trades durability across a power cut for cheaper commits; it is there so benchmarks
    can show what FULL costs."""

    # Whether other processes may share the database (jobs are then claimed under a lease).
    shared = False

    def __init__(self, path: str | Path, *, group_commit: bool = True, max_batch: int = 1000,
                 batch_budget_s: float = 0.008, synchronous: str = "FULL") -> None:
        if synchronous not in SYNCHRONOUS:
            raise ValueError(f"synchronous must be one of {SYNCHRONOUS}, not {synchronous!r}")
        self.path = str(path)
        self.max_batch = max_batch if group_commit else 1
        self.batch_budget_s = batch_budget_s
        self.synchronous = synchronous
        self._conn: aiosqlite.Connection | None = None  # reads
        self._wconn: sqlite3.Connection | None = None  # writes, used on the loop's thread only
        self._rconn: sqlite3.Connection | None = None  # small reads, on the loop's thread
        # FULL commits wait for the disk: there, a COMMIT runs on this thread, never the loop's.
        self._committer: concurrent.futures.ThreadPoolExecutor | None = None
        self._tmpdir: str | None = None
        self._pending: deque[tuple[Unit[Any], asyncio.Future[Any]]] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._writer: asyncio.Task[None] | None = None
        self._db_file = ""
        self.checkpointer: Checkpointer | None = None  # once open
        self.commits = 0  # observed by benchmarks
        # Told of each commit (seconds, units) when someone watches (the metrics).
        self.on_commit: Callable[[float, int], None] | None = None
        # Told when a database server answers again after an outage (never, for a file).
        self.on_reconnect: Callable[[], None] | None = None
        self.units = 0

    # --- lifecycle ---------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    @property
    def file(self) -> str:
        """The database file on disk once open (a private temporary one for ":memory:"):
        components keep their own files next to it."""
        return self._db_file

    async def open(self) -> Database:
        path = self.path
        if path == ":memory:":
            # Two connections to ":memory:" would be two databases; `logoff try` and tests
            # get a private file that goes away on close instead.
            self._tmpdir = tempfile.mkdtemp(prefix="logoff-")
            path = os.path.join(self._tmpdir, "logoff.db")
        else:
            p = Path(path)
            if p.parent and not p.parent.exists():
                raise StorageError(f"the folder of the database {path} does not exist; create it or choose another path")
        self._db_file = path
        try:
            self._wconn = self._open_writer(path)
            self._rconn = self._open_small_reader(path)
        except sqlite3.DatabaseError as e:
            self._close_writer()
            self._remove_tmpdir()
            raise StorageError(self._explain(e)) from e
        pending = aiosqlite.connect(path, isolation_level=None)
        try:
            self._conn = await pending
        except sqlite3.Error as e:
            # aiosqlite stops its thread on a failed connect but nobody waits for it; left
            # alone it outlives the event loop and prints tracebacks after our clean error.
            await asyncio.get_running_loop().run_in_executor(None, pending._thread.join, 5)
            self._close_writer()
            raise StorageError(self._explain(e)) from e
        try:
            await self._conn.execute("PRAGMA busy_timeout=5000")
            await self._conn.execute("PRAGMA query_only=ON")  # every write goes through the writer
        except sqlite3.DatabaseError as e:
            await self._close_quietly()
            raise StorageError(self._explain(e)) from e
        self._conn.row_factory = sqlite3.Row
        if self.synchronous == "FULL":
            self._committer = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="logoff-db-commit")
        self.checkpointer = Checkpointer(path)
        self._writer = asyncio.create_task(self._write_loop(), name="logoff-db-writer")
        return self

    def _open_writer(self, path: str) -> sqlite3.Connection:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout=5000")
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()
            conn.execute(f"PRAGMA synchronous={self.synchronous}")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints run off the loop (see above)
            conn.execute(f"PRAGMA journal_size_limit={CHECKPOINT_WAL_BYTES}")
            # The writer re-reads the same index pages all through a storm; SQLite's default
            # 2 MiB cache made each batch fetch them again from the OS.
            conn.execute("PRAGMA cache_size=-32768")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS _migrations (component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
            )
            # A read-only file opens and reads fine; find out now, not at the first RSVP
            # (rewriting the header's user_version with its own value is a real write).
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = conn.execute("PRAGMA user_version").fetchone()
                conn.execute(f"PRAGMA user_version={int(version[0]) if version else 0}")
            finally:
                conn.execute("ROLLBACK")
        except BaseException:
            conn.close()
            raise
        if mode and mode[0] != "wal":
            log.warning("database %s is not in WAL mode (%s)", path, mode[0])
        conn.row_factory = sqlite3.Row
        return conn

    @staticmethod
    def _open_small_reader(path: str) -> sqlite3.Connection:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout=5000")
            conn.execute("PRAGMA query_only=ON")
        except BaseException:
            conn.close()
            raise
        conn.row_factory = sqlite3.Row
        return conn

    def _explain(self, e: sqlite3.Error) -> str:
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
        await self._stop_writer()
        if self.checkpointer is not None:
            await self.checkpointer.close()
            self.checkpointer = None
        await self._close_quietly()

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

    async def _close_quietly(self) -> None:
        if self._conn is not None:
            try:
                await self._conn.close()
            except Exception:  # closing after a failed open must not mask the cause
                pass
            self._conn = None
        self._close_writer()
        self._remove_tmpdir()

    def _close_writer(self) -> None:
        if self._committer is not None:
            self._committer.shutdown(wait=True)  # a COMMIT in flight ends before its connection
            self._committer = None
        for conn in (self._rconn, self._wconn):  # the writer last: the last to close checkpoints
            if conn is not None:
                try:
                    conn.close()
                except Exception:
                    pass
        self._rconn = self._wconn = None

    def _remove_tmpdir(self) -> None:
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise StorageError("the database is not open")
        return self._conn

    @property
    def writer(self) -> sqlite3.Connection:
        if self._wconn is None:
            raise StorageError("the database is not open")
        return self._wconn

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
                    if isinstance(mig, ServerSide):
                        pass  # the unit's own function does that work here
                    elif callable(mig):
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

        # In line on the writer connection, once no batch is open (one may be waiting
        # for its COMMIT); nothing runs between that check and the unit. Start-up only.
        await self._idle.wait()
        try:
            return unit(self.writer)
        except sqlite3.DatabaseError as e:
            raise StorageError(self._explain(e)) from e

    # --- reads -----------------------------------------------------------------------

    async def read(self, fn: Unit[T]) -> T:
        """Run a read-only function on the database thread."""
        result: T = await self.conn._execute(fn, self.conn._conn)
        return result

    async def read_small(self, fn: Unit[T]) -> T:
        """Run a small read (a few rows found by index) now, on the loop's thread.
        Handing it to the database thread would cost more than the read: every row
        fetched there is a GIL hand-off with the loop (with card reads on that thread
        a storm's write unit cost 98-105 µs, with them in line 63 µs). Big reads
        belong in `read`."""
        if self._rconn is None:
            raise StorageError("the database is not open")
        return fn(self._rconn)

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
        self._pending.append((unit, fut))
        self._idle.clear()
        self._wake.set()
        return await fut

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return await self.write(lambda c: c.execute(sql, params).rowcount)

    async def _write_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            # Let the writes that arrive together queue up: one pass of the loop.
            await asyncio.sleep(0)
            while self._pending:
                if self.checkpointer is not None and self.checkpointer.tail_due:
                    await self.checkpointer.copy_tail()
                await self._commit_batch()
                await asyncio.sleep(0)  # the loop serves others between batches
            self._idle.set()

    @property
    def queue_depth(self) -> int:
        return len(self._pending)

    async def _commit_batch(self) -> None:
        conn = self.writer
        batch: list[tuple[Unit[Any], asyncio.Future[Any]]] = []
        cancelled = False
        started = time.perf_counter()
        if self.checkpointer is not None:
            self.checkpointer.batch_begun()
        try:
            results = run_batch(conn, self._pending, batch, self.max_batch, self.batch_budget_s)
            cancelled = await self._commit(conn)
        except BaseException as e:  # BEGIN or COMMIT failed: nobody in the batch is durable
            _abandon(conn)
            if not batch:  # BEGIN: fail what waits rather than retry it in a tight loop
                batch.extend(self._pending)
                self._pending.clear()
            results = [(False, e)] * len(batch)
        self._settle(batch, results, started)
        if self.checkpointer is not None:
            self.checkpointer.committed()
        if cancelled:
            raise asyncio.CancelledError

    def _settle(self, batch: list[tuple[Unit[Any], asyncio.Future[Any]]], results: list[tuple[bool, Any]],
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

    async def _commit(self, conn: sqlite3.Connection) -> bool:
        """COMMIT the open batch. A FULL commit waits for the disk, so it runs on the
        commit thread (the GIL is released while SQLite syncs) and the loop goes on;
        the units arriving meanwhile make the next batch. Returns whether the writer
        was cancelled meanwhile: the COMMIT is let finish all the same, since the
        connection is not free before, and its waiters deserve the true outcome."""
        if self._committer is None:
            conn.execute("COMMIT")
            return False
        done = asyncio.get_running_loop().run_in_executor(self._committer, conn.execute, "COMMIT")
        cancelled = False
        while True:
            try:
                await asyncio.shield(done)
                return cancelled
            except asyncio.CancelledError:
                if done.cancelled():  # the commit thread was shut down under it
                    raise
                cancelled = True


def run_batch(conn: sqlite3.Connection, pending: deque[tuple[Unit[Any], asyncio.Future[Any]]],
               batch: list[tuple[Unit[Any], asyncio.Future[Any]]], max_units: int,
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
        _abandon(conn)
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
        _abandon(conn)
        raise
    return results


def _abandon(conn: sqlite3.Connection) -> None:
    """Roll back whatever is open (a failed COMMIT may already have ended it)."""
    if conn.in_transaction:
        conn.execute("ROLLBACK")
