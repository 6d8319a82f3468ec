"""Migrations on PostgreSQL: each numbered one in a transaction with its version bump, processes
starting together taking turns (an advisory lock held per transaction).

A migration that changes a table in use (`ALTER TABLE jobs …` on a running cluster) takes its
ACCESS EXCLUSIVE lock behind any transaction still open on that table, and every other session's
use of it then queues behind the migration: the whole cluster would wait on one idle transaction.
So a migration waits for its locks only `LOCK_WAIT_S`, then lets the queue through and tries
again, up to `LOCK_TRIES` times. One that never gets them fails the start with a message saying
so, and is tried again at the next start: the bot does not run without it (the jobs key's prefix
ranges are only right in the "C" collation)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, cast

import asyncpg

from .bulk import ServerSide
from .greenbridge import await_only, run_unit
from .pgconn import Coerce, PgConnection
from .sqldialect import ddl_to_postgres
from .stores import Migration, StorageError, split_sql

log = logging.getLogger(__name__)
MIGRATION_LOCK = 0x6C6F676F6666  # numbers the advisory lock that serialises migrations
LOCK_WAIT_S = 3.0
LOCK_TRIES = 10
LOCK_PAUSE_S = 1.0  # between tries: the sessions queued behind the last one get their turn
LOCK_NOT_AVAILABLE = "55P03"


class MigrationLocked(StorageError):
    """A migration could not take the locks it needs: a transaction holds the table it changes."""


def _apply(pg: PgConnection, mig: Migration) -> None:
    if isinstance(mig, ServerSide):
        await_only(pg.raw.execute(mig.sql))
    elif callable(mig):
        mig(cast(Any, pg))
    else:
        for stmt in split_sql(mig):
            pg.execute(ddl_to_postgres(stmt))


def _lock_refused(e: BaseException | None) -> bool:
    while e is not None:
        if getattr(e, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            return True
        e = e.__cause__ or e.__context__
    return False


async def migrate(conn: asyncpg.Connection, coercers: dict[str, tuple[Coerce, ...]], component: str,
                  migrations: Sequence[Migration]) -> None:
    for version, mig in enumerate(migrations, start=1):
        for attempt in range(1, LOCK_TRIES + 1):
            try:
                await _step(conn, coercers, component, version, mig)
                break
            except Exception as e:
                if not _lock_refused(e):
                    raise
                if attempt == LOCK_TRIES:
                    raise MigrationLocked(
                        f"migration {version} of {component} could not lock the tables it changes "
                        f"in {LOCK_TRIES} tries of {LOCK_WAIT_S:g}s: another session holds them in "
                        "an open transaction (see pg_locks); nothing of it was applied and the bot "
                        "did not start; start it again once that transaction has ended") from e
                log.warning("migration %d of %s waits for a lock held by another session (try %d of %d)",
                            version, component, attempt, LOCK_TRIES)
                await asyncio.sleep(LOCK_PAUSE_S)


async def _step(conn: asyncpg.Connection, coercers: dict[str, tuple[Coerce, ...]], component: str, version: int,
                mig: Migration) -> None:
    """One try at one migration (none if it is applied already), in its own transaction."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)  # no timeout: a turn
        current = await conn.fetchval("SELECT version FROM _migrations WHERE component=$1", component)
        if current is not None and version <= current:
            return
        await conn.execute(f"SET LOCAL lock_timeout = '{int(LOCK_WAIT_S * 1000)}ms'")
        await run_unit(_apply, PgConnection(conn, coercers), mig)
        await conn.execute(
            "INSERT INTO _migrations(component, version) VALUES($1, $2) "
            "ON CONFLICT(component) DO UPDATE SET version=excluded.version", component, version)
