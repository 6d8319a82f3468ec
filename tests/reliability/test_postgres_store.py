"""The shared store on a real PostgreSQL: group commit, per-unit rollback, migrations shared
by processes, SQLite's loose values, clear errors, and a server that goes away and comes back
(PRODUCT.md "Running at scale")."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.app import build_bot
from bot.clock import ManualClock
from bot.greenbridge import await_only
from bot.postgres import PostgresDatabase
from bot.storage import StorageError, StorageUnavailable
from bot.testing import FakeAdapter
from tests.pg_harness import PASSWORD_ROLE, Postgres
from tests.reliability.reliability_kit import START

pytestmark = pytest.mark.integration

MIGS = ["CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE);", "ALTER TABLE t ADD COLUMN n INT;"]
ROOT = Path(__file__).resolve().parents[2]


async def opened(url: str, **kw: Any) -> PostgresDatabase:
    db = PostgresDatabase(url, **kw)
    await db.open()
    return db


async def test_group_commit_batches_concurrent_writes(pg_url: str) -> None:
    db = await opened(pg_url)
    try:
        await db.migrate("t", MIGS)
        await asyncio.gather(*(db.write(lambda c, i=i: c.execute("INSERT INTO t(v) VALUES(?)", (str(i),)))
                               for i in range(2000)))
        assert (await db.fetchone("SELECT COUNT(*) FROM t"))[0] == 2000
        assert db.units == 2000 and db.commits < 1000  # fewer commits than writes
    finally:
        await db.close()


async def test_one_failing_unit_rolls_back_alone(pg_url: str) -> None:
    db = await opened(pg_url)
    try:
        await db.migrate("t", MIGS)

        def bad(c: sqlite3.Connection) -> None:
            c.execute("INSERT INTO t(v) VALUES('half')")
            c.execute("INSERT INTO t(v) VALUES('x')")  # a duplicate of the unit before: all of it undone

        results = await asyncio.gather(db.execute("INSERT INTO t(v) VALUES('x')"), db.write(bad),
                                       db.execute("INSERT INTO t(v) VALUES('y')"), return_exceptions=True)
        assert isinstance(results[1], asyncpg.UniqueViolationError)
        assert [r[0] for r in await db.fetchall("SELECT v FROM t ORDER BY v")] == ["x", "y"]
    finally:
        await db.close()


async def test_migrations_from_several_processes_at_once_apply_once(pg_url: str) -> None:
    dbs = list(await asyncio.gather(*(opened(pg_url) for _ in range(3))))  # a cluster starting at once
    try:
        assert await asyncio.gather(*(d.migrate("t", MIGS) for d in dbs)) == [2, 2, 2]
        await dbs[0].execute("INSERT INTO t(v, n) VALUES('kept', 1)")
        row = await dbs[2].fetchone("SELECT version FROM _migrations WHERE component='t'")
        assert row[0] == 2
        assert tuple(await dbs[1].fetchone("SELECT v, n FROM t")) == ("kept", 1)
    finally:
        for d in dbs:
            await d.close()


async def test_values_are_taken_as_sqlite_takes_them(pg_url: str) -> None:
    """Stores pass an int for a text column or a whole float for an integer one; SQLite keeps
    them, PostgreSQL would refuse them; SUM comes back as a number, not a Decimal."""
    db = await opened(pg_url)
    try:
        await db.migrate("t", MIGS)
        await db.execute("INSERT INTO t(v, n) VALUES(?, ?)", (123, 4.0))
        await db.execute("INSERT INTO t(v, n) VALUES(?, ?)", ("big", 2**40))
        rows = await db.fetchall("SELECT v, n FROM t ORDER BY n")
        assert [tuple(r) for r in rows] == [("123", 4), ("big", 2**40)]
        total = (await db.fetchone("SELECT SUM(n) FROM t"))[0]
        assert total == 2**40 + 4 and type(total) is int
    finally:
        await db.close()


async def test_wrong_password_unknown_database_and_no_server_are_clear_errors(postgres: Postgres) -> None:
    url = password_role(postgres)
    ok = await opened(url, password="right-one")
    await ok.close()
    with pytest.raises(StorageError, match="refused the password") as e:
        await opened(url, password="wrong-one")
    assert "wrong-one" not in str(e.value)
    with pytest.raises(StorageError, match="does not exist"):
        await opened(postgres.url_for("no_such_db"))
    with pytest.raises(StorageUnavailable, match="cannot reach PostgreSQL"):
        await opened("postgresql://postgres@127.0.0.1:9/postgres")


def password_role(postgres: Postgres) -> str:
    """A role that must give its password ('right-one'), owning a database of its own."""
    name = f"{PASSWORD_ROLE}_db"
    postgres.execute(f"DROP DATABASE IF EXISTS {name}")
    postgres.execute(f"DROP ROLE IF EXISTS {PASSWORD_ROLE}")
    postgres.execute(f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD 'right-one'")
    postgres.execute(f"CREATE DATABASE {name} OWNER {PASSWORD_ROLE}")
    return f"postgresql://{PASSWORD_ROLE}@127.0.0.1:{postgres.port}/{name}"


def run_cli(config: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", "run", "--config", str(config)], cwd=ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=60)


@pytest.mark.subprocess
def test_logoff_run_exits_2_on_a_bad_url_and_3_when_the_database_refuses(postgres: Postgres,
                                                                         tmp_path: Path) -> None:
    url = password_role(postgres)
    config = tmp_path / "config.toml"
    env = {"LOGOFF_TEST_TOKEN": "x" * 30, "LOGOFF_DB_PW": "wrong-one"}
    platform = '\n[discord]\ntoken_env = "LOGOFF_TEST_TOKEN"\n'
    cases = [
        ('database = "postgresql://logoff:secret@127.0.0.1/db"', 2, "must not hold the password"),
        ('database = "mysql://127.0.0.1/db"', 2, "PostgreSQL URL"),
        ('database = "postgresql://127.0.0.1:99999/db"', 2, "not a valid PostgreSQL URL"),
        (f'database = "{url}"\ndatabase_password_env = "LOGOFF_NOT_SET"', 2,
         "LOGOFF_NOT_SET, which is not set"),
        (f'database = "{url}"\ndatabase_password_env = "LOGOFF_DB_PW"', 3, "refused the password"),
    ]
    for bot_section, code, words in cases:
        config.write_text(f"[bot]\n{bot_section}\n{platform}", encoding="utf-8")
        done = run_cli(config, env)
        lines = [ln for ln in done.stderr.splitlines() if ln.startswith("logoff:")]
        assert done.returncode == code, (bot_section, done.stderr)
        assert len(lines) == 1 and words in lines[0], (bot_section, done.stderr)
        assert "wrong-one" not in done.stderr and "secret" not in done.stderr.replace(words, "")


async def test_the_database_going_away_gets_a_warning_and_the_bot_recovers(postgres: Postgres,
                                                                          pg_url: str) -> None:
    bot = await build_bot(pg_url, clock=ManualClock(START))
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    try:
        [card] = await fake.invoke('!event create Picnic when="tomorrow 18:00"')
        postgres.stop()
        try:
            replies = await fake.invoke('!event create Movies when="tomorrow 20:00"')
            assert [r.text for r in replies] == ["⚠️ I can't reach my database right now, so nothing "
                                                 "was changed; please try again in a minute"]
            await fake.react(card, "✅", "bob")  # lost for now; read again once the database is back
        finally:
            postgres.start()
        replies = await fake.invoke('!event create Movies when="tomorrow 20:00"')
        assert "Movies" in replies[0].text and "⚠️" not in replies[0].text
        rows = await bot.db.fetchall("SELECT id, title FROM events ORDER BY id")
        assert [r[1] for r in rows] == ["Picnic", "Movies"]  # nothing half-written by the failed one
        await bot.settle()
        await asyncio.sleep(0.2)  # the re-read after the outage runs in the background
        await bot.settle()
        attendees = (await fake.invoke("!event attendees 1"))[0].text
        assert "bob" in attendees  # the RSVP made during the outage, read again from the card
    finally:
        await bot.stop()


@pytest.mark.subprocess
def test_logoff_try_keeps_its_chat_in_postgresql(pg_url: str) -> None:
    def chat(line: str) -> str:
        done = subprocess.run([sys.executable, "-m", "bot.cli", "try", "--db", pg_url], cwd=ROOT,
                              input=line + "\n", capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    chat('!event create Picnic when="in 72 hours"')
    assert "#1 Picnic" in chat("!event list")


async def test_two_processes_writing_the_same_rows_never_interleave(pg_url: str) -> None:
    """Each unit reads the last place in a queue and takes the next one (as an RSVP takes its
    place among those going). Two processes doing it at once must still hand out every place
    once: a batch that conflicts with the other process's is run again."""
    first, second = await opened(pg_url), await opened(pg_url)
    try:
        await first.migrate("q", ["CREATE TABLE q (who TEXT NOT NULL, place INTEGER NOT NULL);"])

        def take(c: sqlite3.Connection, who: str) -> int:
            place = c.execute("SELECT COALESCE(MAX(place), 0) + 1 FROM q").fetchone()[0]
            c.execute("INSERT INTO q(who, place) VALUES(?, ?)", (who, place))
            return int(place)

        # The first two surely collide: each reads the last place, then waits until the other
        # has read it too before taking the next one.
        read = {"a": asyncio.Event(), "b": asyncio.Event()}

        def take_together(c: sqlite3.Connection, who: str, other: str) -> int:
            place = c.execute("SELECT COALESCE(MAX(place), 0) + 1 FROM q").fetchone()[0]
            read[who].set()
            await_only(read[other].wait())
            c.execute("INSERT INTO q(who, place) VALUES(?, ?)", (who, place))
            return int(place)

        pair = await asyncio.gather(first.write(lambda c: take_together(c, "a", "b")),
                                    second.write(lambda c: take_together(c, "b", "a")))
        assert sorted(pair) == [1, 2]  # read committed would give both place 1
        got = await asyncio.gather(*(db.write(lambda c, w=f"{n}-{i}": take(c, w))
                                     for i in range(149) for n, db in (("a", first), ("b", second))))
        assert sorted(pair + got) == list(range(1, 301))
        rows = await first.fetchall("SELECT place FROM q ORDER BY place")
        assert [r[0] for r in rows] == list(range(1, 301))
    finally:
        await first.close()
        await second.close()
