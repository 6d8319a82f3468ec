"""Units with a bulk form (bot/bulk.py), on both stores: the server runs a batch's bulk forms as
one statement, SQLite runs each unit's function; a failing bulk statement falls back to the
functions one by one, so only the failing unit fails; a `ServerSide` migration is skipped by
SQLite and still counted."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import pytest

from bot.app import make_database
from bot.bulk import Bulk, BulkUnit, ServerSide
from bot.storage import Database

pytestmark = pytest.mark.integration

MIGS: list[Any] = [
    "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE);",
    ServerSide("""
    CREATE FUNCTION put_all(a_v TEXT[]) RETURNS TABLE(v TEXT, how TEXT) LANGUAGE plpgsql AS $fn$
    DECLARE i INT;
    BEGIN
        FOR i IN 1 .. array_length(a_v, 1) LOOP
            INSERT INTO t(v) VALUES (a_v[i]);
            v := a_v[i]; how := 'bulk';
            RETURN NEXT;
        END LOOP;
    END
    $fn$;
    """),
    "ALTER TABLE t ADD COLUMN n INTEGER;",
]


def put(v: str) -> BulkUnit[tuple[str, str]]:
    def fn(conn: sqlite3.Connection) -> tuple[str, str]:
        conn.execute("INSERT INTO t(v) VALUES(?)", (v,))
        return v, "function"

    return BulkUnit(fn, Bulk("SELECT * FROM put_all($1)", (v,), lambda row: (row[0], row[1])))


async def _open(where: str) -> Database:
    db = make_database(where)
    await db.open()
    await db.migrate("t", MIGS)
    return db


async def test_a_batch_of_bulk_units_runs_as_one_statement_on_a_server(databases: Any, engine: str) -> None:
    db = await _open(databases("bulk.db"))
    try:
        assert tuple(await db.fetchone("SELECT version FROM _migrations WHERE component='t'")) == (3,)
        got = await asyncio.gather(*(db.write(put(f"v{i}")) for i in range(50)))
        how = "bulk" if engine == "postgresql" else "function"
        assert got == [(f"v{i}", how) for i in range(50)]  # each its own row, in order
        assert db.commits < 50
        rows = await db.fetchall("SELECT v FROM t ORDER BY id")
        assert [r[0] for r in rows] == [f"v{i}" for i in range(50)]
    finally:
        await db.close()


async def test_a_failing_bulk_statement_fails_only_the_unit_at_fault(databases: Any, engine: str) -> None:
    db = await _open(databases("bulk.db"))
    try:
        await db.write(put("taken"))
        # together in one batch: the bulk statement fails on "taken" and the batch is run
        # again unit by unit
        results = await asyncio.gather(db.write(put("a")), db.write(put("taken")), db.write(put("b")),
                                       return_exceptions=True)
        assert results[0] == ("a", "function") and results[2] == ("b", "function")
        assert isinstance(results[1], Exception) and "unique" in str(results[1]).lower()
        rows = await db.fetchall("SELECT v FROM t ORDER BY v")
        assert [r[0] for r in rows] == ["a", "b", "taken"]
    finally:
        await db.close()


async def test_units_with_and_without_a_bulk_form_keep_their_order(databases: Any) -> None:
    db = await _open(databases("bulk.db"))
    try:
        def plain(v: str) -> Any:
            return lambda conn: conn.execute("INSERT INTO t(v) VALUES(?)", (v,)).rowcount

        units = [put("p0"), put("p1"), plain("q0"), put("p2"), plain("q1"), plain("q2"), put("p3")]
        await asyncio.gather(*(db.write(u) for u in units))
        rows = await db.fetchall("SELECT v FROM t ORDER BY id")
        assert [r[0] for r in rows] == ["p0", "p1", "q0", "p2", "q1", "q2", "p3"]
    finally:
        await db.close()
