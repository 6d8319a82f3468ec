"""A connection that breaks during COMMIT, on a real PostgreSQL behind a proxy that cuts it
(tests/pg_cutter.py). Whoever wrote is told what happened, not a guess: saved when the server
committed, "nothing was changed" when it did not, and "can't tell" only when the server
cannot be asked (PRODUCT.md "Running at scale": the database going away)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot.app import build_bot
from bot.clock import ManualClock
from bot.postgres import PostgresDatabase
from bot.storage import StorageError, StorageUnavailable
from bot.stores import CommitOutcomeUnknown
from bot.testing import FakeAdapter
from tests.pg_cutter import CommitCutter
from tests.reliability.reliability_kit import START

pytestmark = pytest.mark.integration


def through(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit(":", 1)[0] + f":{port}"
    return urlunsplit(parts._replace(netloc=netloc))


@pytest.fixture
async def cutter(pg_url: str) -> AsyncIterator[CommitCutter]:
    parts = urlsplit(pg_url)
    cut = CommitCutter(parts.hostname or "127.0.0.1", parts.port or 5432)
    await cut.start()
    yield cut
    await cut.close()


async def store(pg_url: str, cutter: CommitCutter) -> PostgresDatabase:
    db = PostgresDatabase(through(pg_url, cutter.port))
    await db.open()
    await db.migrate("t", ["CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL);"])
    return db


def insert(v: str):  # type: ignore[no-untyped-def]
    return lambda c: c.execute("INSERT INTO t(v) VALUES (?)", (v,)).rowcount


async def values(pg_url: str) -> list[str]:
    direct = PostgresDatabase(pg_url)
    await direct.open()
    try:
        return [r[0] for r in await direct.fetchall("SELECT v FROM t ORDER BY id")]
    finally:
        await direct.close()


async def test_a_commit_the_server_made_is_reported_as_made(pg_url: str, cutter: CommitCutter) -> None:
    db = await store(pg_url, cutter)
    try:
        cutter.armed = "after"
        assert await db.write(insert("kept")) == 1  # no StorageUnavailable
        assert cutter.cuts == 1
        await db.write(insert("next"))  # and the writer carries on, on a new connection
    finally:
        await db.close()
    assert await values(pg_url) == ["kept", "next"]


@pytest.mark.parametrize("mode", ["before", "silent"])
async def test_a_commit_the_server_never_made_is_reported_as_not_made(pg_url: str, cutter: CommitCutter,
                                                                      mode: str) -> None:
    db = await store(pg_url, cutter)
    try:
        cutter.armed = mode  # type: ignore[assignment]
        with pytest.raises(StorageUnavailable) as caught:
            await db.write(insert("lost"))
        assert not isinstance(caught.value, CommitOutcomeUnknown)
        assert cutter.cuts == 1
        await db.write(insert("next"))
    finally:
        await db.close()
    # "silent": the old session still held the transaction open; it was ended, so the
    # answer given ("not made") cannot turn out wrong later.
    assert await values(pg_url) == ["next"]


async def test_when_the_server_cannot_be_asked_the_writer_says_it_cannot_tell(pg_url: str,
                                                                              cutter: CommitCutter) -> None:
    db = await store(pg_url, cutter)
    db.commit_check_s = 0.5
    try:
        cutter.armed = "after"
        cutter.refuse = True
        with pytest.raises(CommitOutcomeUnknown):
            await db.write(insert("maybe"))
        cutter.refuse = False
        await db.write(insert("next"))
    finally:
        await db.close()
    assert await values(pg_url) == ["maybe", "next"]  # it had committed: "can't tell" was honest


async def test_a_command_cut_at_its_commit_gets_its_real_answer(pg_url: str, cutter: CommitCutter) -> None:
    bot = await build_bot(through(pg_url, cutter.port), clock=ManualClock(START))
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    try:
        await bot.settle()
        cutter.armed = "after"
        [card] = await fake.invoke('!event create Picnic when="tomorrow 18:00"')
        assert cutter.cuts == 1
        assert "Picnic" in card.text and "⚠️" not in card.text
        assert [r[0] for r in await bot.db.fetchall("SELECT title FROM events")] == ["Picnic"]
        # The database's return set off a reading of the cards: done first, or the next cut
        # may fall on its commit rather than the command's (the command is then, truly, told
        # that nothing of it was changed).
        await asyncio.gather(*bot._background)

        cutter.armed, cutter.refuse = "after", True
        bot.db.commit_check_s = 0.5  # type: ignore[attr-defined]
        replies = await fake.invoke('!event create Movies when="tomorrow 20:00"')
        cutter.refuse = False
        assert [r.text for r in replies] == [
            "⚠️ I lost my database while saving that, so I can't tell whether it went through; "
            "please check in a minute before trying again"]
    finally:
        await bot.stop()


async def test_a_server_that_hangs_when_asked_gives_cannot_tell_in_time(pg_url: str,
                                                                      cutter: CommitCutter) -> None:
    db = await store(pg_url, cutter)
    db.commit_check_s = 0.5
    try:
        cutter.armed, cutter.stall = "after", True
        with pytest.raises(CommitOutcomeUnknown):
            # Bounded by the check's own time, not by how long the server hangs.
            await asyncio.wait_for(db.write(insert("maybe")), 10)
        cutter.stall = False
        await db.write(insert("next"))
    finally:
        await asyncio.wait_for(db.close(), 20)  # a writer stuck asking would hang it
    assert await values(pg_url) == ["maybe", "next"]


async def test_asking_that_fails_in_any_way_is_cannot_tell_not_nothing_changed(
        pg_url: str, cutter: CommitCutter, monkeypatch: pytest.MonkeyPatch) -> None:
    db = await store(pg_url, cutter)
    db.commit_check_s = 0.5
    real = db._connect

    async def refused() -> object:
        raise StorageError("PostgreSQL refused the password (it was rotated)")

    try:
        cutter.armed = "after"
        monkeypatch.setattr(db, "_connect", refused)
        with pytest.raises(CommitOutcomeUnknown):
            await db.write(insert("kept"))
        monkeypatch.setattr(db, "_connect", real)
        await db.write(insert("next"))
    finally:
        await db.close()
    assert await values(pg_url) == ["kept", "next"]


async def test_a_batch_that_wrote_nothing_keeps_its_answer_when_its_commit_is_cut(
        pg_url: str, cutter: CommitCutter) -> None:
    db = await store(pg_url, cutter)
    try:
        await db.write(insert("there"))
        cutter.armed = "after"
        count = await db.write(lambda c: c.execute("SELECT count(*) FROM t").fetchone()[0])
        assert count == 1 and cutter.cuts == 1
    finally:
        await db.close()
