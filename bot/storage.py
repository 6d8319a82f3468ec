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
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from .bulk import Item, ServerSide
from .checkpoints import Checkpointer
from .groupcommit import GroupCommit, abandon, run_batch
from .sqlitefile import explain, open_small_reader, open_writer
from .stores import Migration, StorageError, StorageUnavailable, T, Unit, split_sql

# The stores' vocabulary, for those who import it from here.
__all__ = ["Database", "Migration", "StorageError", "StorageUnavailable", "Unit", "split_sql"]

SYNCHRONOUS = ("FULL", "NORMAL")


class Database(GroupCommit):
    """A SQLite file (group commit: bot/groupcommit.py). `synchronous="NORMAL"`
    trades durability across a power cut for cheaper commits; it is there so benchmarks
    can show what FULL costs."""

    # Whether other processes may share the database (jobs are then claimed under a lease).
    shared = False

    async def live_processes(self) -> frozenset[str] | None:
        """The processes with a session open on this database now; None where that cannot
        be seen (a database of one process)."""
        return None

    def __init__(self, path: str | Path, *, group_commit: bool = True, max_batch: int = 1000,
                 batch_budget_s: float = 0.008, synchronous: str = "FULL") -> None:
        if synchronous not in SYNCHRONOUS:
            raise ValueError(f"synchronous must be one of {SYNCHRONOUS}, not {synchronous!r}")
        super().__init__(group_commit=group_commit, max_batch=max_batch, batch_budget_s=batch_budget_s)
        self.path = str(path)
        self.synchronous = synchronous
        self._conn: aiosqlite.Connection | None = None  # reads
        self._wconn: sqlite3.Connection | None = None  # writes, used on the loop's thread only
        self._rconn: sqlite3.Connection | None = None  # small reads, on the loop's thread
        # FULL commits wait for the disk: there, a COMMIT runs on this thread, never the loop's.
        self._committer: concurrent.futures.ThreadPoolExecutor | None = None
        self._tmpdir: str | None = None
        self._db_file = ""
        self.checkpointer: Checkpointer | None = None  # once open
        # Told when a database server answers again after an outage (never, for a file).
        self.on_reconnect: Callable[[], None] | None = None

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
            self._wconn = open_writer(path, self.synchronous)
            self._rconn = open_small_reader(path)
        except sqlite3.DatabaseError as e:
            self._close_writer()
            self._remove_tmpdir()
            raise StorageError(explain(self.path, e)) from e
        pending = aiosqlite.connect(path, isolation_level=None)
        try:
            self._conn = await pending
        except sqlite3.Error as e:
            # aiosqlite stops its thread on a failed connect but nobody waits for it; left
            # alone it outlives the event loop and prints tracebacks after our clean error.
            await asyncio.get_running_loop().run_in_executor(None, pending._thread.join, 5)
            self._close_writer()
            raise StorageError(explain(self.path, e)) from e
        try:
            await self._conn.execute("PRAGMA busy_timeout=5000")
            await self._conn.execute("PRAGMA query_only=ON")  # every write goes through the writer
        except sqlite3.DatabaseError as e:
            await self._close_quietly()
            raise StorageError(explain(self.path, e)) from e
        self._conn.row_factory = sqlite3.Row
        if self.synchronous == "FULL":
            self._committer = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="logoff-db-commit")
        self.checkpointer = Checkpointer(path)
        self._writer = asyncio.create_task(self._write_loop(), name="logoff-db-writer")
        return self

    async def close(self) -> None:
        """Drain queued writes, then close."""
        await self._stop_writer()
        if self.checkpointer is not None:
            await self.checkpointer.close()
            self.checkpointer = None
        await self._close_quietly()

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
            raise StorageError(explain(self.path, e)) from e

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

    # --- writes: how a batch is run and committed here -------------------------------------

    async def _before_batch(self) -> None:
        if self.checkpointer is not None and self.checkpointer.tail_due:
            await self.checkpointer.copy_tail()

    async def _commit_batch(self) -> None:
        conn = self.writer
        batch: list[Item] = []
        cancelled = False
        started = time.perf_counter()
        if self.checkpointer is not None:
            self.checkpointer.batch_begun()
        try:
            results = run_batch(conn, self._pending, batch, self.max_batch, self.batch_budget_s)
            cancelled = await self._commit(conn)
        except BaseException as e:  # BEGIN or COMMIT failed: nobody in the batch is durable
            abandon(conn)
            if not batch:  # BEGIN: fail what waits rather than retry it in a tight loop
                batch.extend(self._pending)
                self._pending.clear()
            results = [(False, e)] * len(batch)
        self._settle(batch, results, started)
        if self.checkpointer is not None:
            self.checkpointer.committed()
        if cancelled:
            raise asyncio.CancelledError

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


