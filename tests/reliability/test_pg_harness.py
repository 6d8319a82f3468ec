"""The PostgreSQL harness (tests/pg_harness.py): a real server, one database per test."""

from __future__ import annotations

import asyncpg
import pytest

from tests.pg_harness import Postgres

pytestmark = pytest.mark.integration  # against a server the tests start on loopback


async def test_a_fresh_database_keeps_a_row(pg_url: str) -> None:
    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute("CREATE TABLE t (id integer PRIMARY KEY, name text NOT NULL)")
        await conn.execute("INSERT INTO t (id, name) VALUES ($1, $2)", 1, "ada")
        rows = await conn.fetch("SELECT id, name FROM t")
    finally:
        await conn.close()
    assert [tuple(r) for r in rows] == [(1, "ada")]


async def test_fresh_databases_are_distinct(postgres: Postgres) -> None:
    first, second = postgres.fresh_url(), postgres.fresh_url()
    assert first != second
    one = await asyncpg.connect(first)
    two = await asyncpg.connect(second)
    try:
        await one.execute("CREATE TABLE only_here (x integer)")
        assert await one.fetchval("SELECT to_regclass('only_here') IS NOT NULL")
        assert not await two.fetchval("SELECT to_regclass('only_here') IS NOT NULL")
        assert await one.fetchval("SELECT current_database()") != await two.fetchval(
            "SELECT current_database()")
    finally:
        await one.close()
        await two.close()
