"""The shared store: PostgreSQL through asyncpg, behind the same interface as the SQLite one.

Units are the same functions as on SQLite (bot/pgconn.py gives them a connection of the
shape they expect; bot/greenbridge.py runs them on the loop). Writes keep group commit:
units that queue while a batch is in flight go in the next one, one transaction and one
COMMIT for all of them, on a single writer connection so a process's writes keep their
order. Reads run on a small pool and never wait for the writer.

Several processes may share the database. Their migrations take turns under an advisory
lock; everything else is ordinary transactions (job claims are conditional updates: see
bot/scheduler.py).

When PostgreSQL goes away, waiting units fail with `StorageUnavailable` (their transaction
never committed, so nothing is half-written) and the next batch connects again; a COMMIT cut
off is asked after first (bot/pgcommit.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Sequence
from typing import Any

import asyncpg

from . import pgmigrate
from .greenbridge import run_unit
from .groupcommit import run_batch
from .pgcommit import committed
from .pgconflict import CONFLICT, CONFLICT_BUDGET_S, Conflicts, StorageBusy
from .pgconn import Coerce, PgConnection
from .pgconnect import (
    UNREACHABLE,
    cannot_create,
    connect,
    describe,
    open_pool,
)
from .process import APP_PREFIX
from .storage import Database
from .stores import (
    CommitOutcomeUnknown,
    Migration,
    StorageError,
    StorageUnavailable,
    T,
    Unit,
)

log = logging.getLogger(__name__)



class PostgresDatabase(Database):
    """`Database`'s interface on PostgreSQL. `group_commit=False` commits each unit alone."""

    shared = True

    def __init__(self, url: str, *, password: str | None = None, group_commit: bool = True,
                 max_batch: int = 1000, batch_budget_s: float = 0.008, pool_size: int = 4) -> None:
        super().__init__(":memory:", group_commit=group_commit, max_batch=max_batch,
                         batch_budget_s=batch_budget_s, synchronous="NORMAL")
        self.path = describe(url)
        self._url = url
        self._password = password
        self._pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        self._writer_conn: asyncpg.Connection | None = None
        self._coercers: dict[str, tuple[Coerce, ...]] = {}
        self.conflicts = 0  # batches run again after a serialization conflict (tests, benchmarks)
        self.conflict_budget_s = CONFLICT_BUDGET_S  # a batch conflicting this long fails (bot/pgconflict.py)
        self.commit_check_s = 15.0  # a cut COMMIT is asked after this long before "unknown"
        self._commit_in_doubt = False  # a COMMIT of a batch that wrote is under way
        self._open = False

    # --- lifecycle ---------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._open

    @property
    def file(self) -> str:
        """Components that keep files (an encryption key store) keep them in the working folder."""
        return os.path.abspath("logoff-postgresql")

    async def _connect(self) -> asyncpg.Connection:
        return await connect(self._url, self._password, self.path)

    async def open(self) -> Database:
        self._writer_conn = await self._connect()
        try:
            self._pool = await open_pool(self._url, self._password, self._pool_size)
            # Under the migrations' lock: two sessions creating the same table at once collide
            # even with IF NOT EXISTS (processes of a cluster starting together).
            async with self._writer_conn.transaction():
                await self._writer_conn.execute("SELECT pg_advisory_xact_lock($1)", pgmigrate.MIGRATION_LOCK)
                await self._writer_conn.execute(
                    "CREATE TABLE IF NOT EXISTS _migrations (component TEXT PRIMARY KEY, version BIGINT NOT NULL)")
        except BaseException as e:
            await self._close_connections()
            if isinstance(e, asyncpg.InsufficientPrivilegeError):
                raise cannot_create(self.path, e) from e
            raise
        self._open = True
        self._writer = asyncio.create_task(self._write_loop(), name="logoff-db-writer")
        return self

    async def close(self) -> None:
        await self._stop_writer()
        await self._close_connections()
        self._open = False

    async def _close_connections(self) -> None:
        for held in (self._writer_conn, self._pool):
            if held is not None:
                try:
                    await asyncio.wait_for(held.close(), 5)
                except Exception:  # not closing in time: drop it rather than hang the stop
                    held.terminate()
        self._writer_conn = None
        self._pool = None

    @property
    def conn(self) -> Any:
        raise StorageError("PostgreSQL has no single read connection; use read()")

    # --- migrations ----------------------------------------------------------------

    async def migrate(self, component: str, migrations: Sequence[Migration]) -> int:
        """As on SQLite: each numbered migration in a transaction with its version bump
        (bot/pgmigrate.py: processes take turns, a busy table is waited for only so long)."""
        await self._idle.wait()
        await pgmigrate.migrate(await self._writer_ready(), self._coercers, component, migrations)
        return len(migrations)

    # --- reads -----------------------------------------------------------------------

    async def read(self, fn: Unit[T]) -> T:
        if self._pool is None:
            raise StorageError("the database is not open")
        try:
            async with self._pool.acquire() as conn:
                return await run_unit(fn, PgConnection(conn, self._coercers))
        except UNREACHABLE as e:
            raise StorageUnavailable(f"PostgreSQL at {self.path} is not answering: {e}") from e

    async def live_processes(self) -> frozenset[str] | None:
        """The processes with a session open on this database now."""
        rows = await self.fetchall(
            "SELECT DISTINCT substr(application_name, ?) FROM pg_stat_activity "
            "WHERE datname = current_database() AND starts_with(application_name, ?)",
            (len(APP_PREFIX) + 1, APP_PREFIX))
        return frozenset(r[0] for r in rows)

    async def read_small(self, fn: Unit[T]) -> T:
        return await self.read(fn)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return await self.read(lambda c: c.execute(sql, params).fetchall())

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return await self.read(lambda c: c.execute(sql, params).fetchone())

    # --- writes ------------------------------------------------------------------------

    async def _writer_ready(self) -> asyncpg.Connection:
        if self._writer_conn is None or self._writer_conn.is_closed():
            if self._writer_conn is not None:
                self._writer_conn.terminate()
                self._writer_conn = None
            self._writer_conn = await self._connect()
            log.warning("PostgreSQL at %s answers again", self.path)
            if self.on_reconnect is not None:
                self.on_reconnect()
        return self._writer_conn

    async def _commit_batch(self) -> None:
        batch: list[tuple[Unit[Any], asyncio.Future[Any]]] = []
        started = time.perf_counter()
        cancelled = False
        conn: asyncpg.Connection | None = None
        try:
            conn = await self._writer_ready()
            results = await self._run_serializable(conn, batch)
        except asyncio.CancelledError:
            cancelled = True
            stopped = (CommitOutcomeUnknown("the bot stopped while a COMMIT was under way")
                       if self._commit_in_doubt else StorageUnavailable("the bot is stopping"))
            results = [(False, stopped)] * len(batch)
            self._drop(conn)
        except BaseException as e:
            err: BaseException = e
            if isinstance(e, StorageBusy):  # rolled back on a connection that works
                pass
            elif isinstance(e, StorageUnavailable):  # says what happened: left as it is
                self._drop(conn)
            elif isinstance(e, UNREACHABLE) or (conn is not None and conn.is_closed()):
                err = StorageUnavailable(f"PostgreSQL at {self.path} is not answering: {e}")
                log.warning("%s", err)
                self._drop(conn)
            elif conn is not None and conn.is_in_transaction():
                try:
                    await conn.execute("ROLLBACK")
                except Exception:
                    self._drop(conn)
            if not batch:  # could not begin: fail what waits rather than spin on it
                batch.extend(self._pending)
                self._pending.clear()
            results = [(False, err)] * len(batch)
        self._settle(batch, results, started)
        if cancelled:
            raise asyncio.CancelledError

    async def _run_serializable(self, conn: asyncpg.Connection,
                                batch: list[tuple[Unit[Any], asyncio.Future[Any]]]) -> list[tuple[bool, Any]]:
        """Run and commit a batch taken from the queue into `batch`. Batches run SERIALIZABLE
        (the dialect's BEGIN): another process may write the same rows (a linked channel served
        elsewhere), and a unit that reads then writes (the next place in a queue) must not
        interleave with it. On a conflict PostgreSQL aborts one side; that side runs its batch
        again, units being functions of the database alone."""
        conflicts = Conflicts(self.conflict_budget_s)
        while True:
            try:
                results = await run_unit(run_batch, PgConnection(conn, self._coercers), self._pending, batch,
                                         self.max_batch, self.batch_budget_s)
                conflict = next((v for ok, v in results if not ok and isinstance(v, CONFLICT)), None)
                if conflict is not None:
                    raise conflict
                await self._commit_or_ask(conn)
                return results
            except CONFLICT as e:
                if conn.is_in_transaction():
                    await conn.execute("ROLLBACK")
                conflicts.check(e, self.path)  # out of time: this batch fails, the queue waits on
                self.conflicts += 1
                # Back to the head of the queue, in order: the next run takes them first.
                self._pending.extendleft(reversed(batch))
                batch.clear()
                await conflicts.again()

    async def _commit_or_ask(self, conn: asyncpg.Connection) -> None:
        """COMMIT; if the connection breaks during it, find out whether it went through
        (bot/pgcommit.py) and fail only if it did not."""
        xid = await conn.fetchval("SELECT pg_current_xact_id_if_assigned()::text")
        self._commit_in_doubt = xid is not None
        try:
            await conn.execute("COMMIT")
        except UNREACHABLE as e:
            pid = conn.get_server_pid()
            self._drop(conn)
            if xid is None:
                return  # the batch wrote nothing: its results stand either way
            if not await committed(self._connect, xid, pid, self.commit_check_s, self.path):
                raise StorageUnavailable(f"PostgreSQL at {self.path} is not answering: {e}") from e
            log.warning("PostgreSQL at %s: the connection broke during a COMMIT that went through",
                        self.path)
        finally:
            self._commit_in_doubt = False

    def _drop(self, conn: asyncpg.Connection | None) -> None:
        """Forget a connection in an unknown state; the next batch connects anew."""
        if conn is not None:
            conn.terminate()
        if conn is self._writer_conn:
            self._writer_conn = None
