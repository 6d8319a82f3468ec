"""A native poll's end sent until it lands (poll_ends.py), on the adapter's real store (SQLite;
PostgreSQL where the migration is concerned) with a transport that fails as told, and the
retry loop's waits let go by the test: no time passes.

A refusal for good (the bot has left the room) is given up after one try, an end failing
for days too; the ends left at a start go in the background (one under way is not sent
twice); nothing is retried after the adapter stops; a database error or
an error of any kind costs one round, not the retrying; a poll ended some other way is no
longer sent; one poll's failure leaves its card's other polls ending."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from adapters.matrix.errors import MatrixError
from adapters.matrix.poll_ends import END_GIVEN_UP_S
from adapters.matrix.store import MatrixStore, NativePoll
from bot.model import MessageRef
from bot.postgres import PostgresDatabase
from bot.storage import StorageError
from tests.adapters.matrix.poll_end_fakes import (
    ROOM,
    Transport,
    Waits,
    closed_card,
    native,
    open_db,
    seeded,
    state,
)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[MatrixStore]:
    db = await open_db(str(tmp_path / "m.db"))
    s = MatrixStore(db)
    await s.migrate()
    yield s
    await db.close()


async def test_an_end_refused_for_good_is_tried_once_and_not_at_the_next_start(
        store: MatrixStore, caplog: pytest.LogCaptureFixture) -> None:
    t, waits = Transport(), Waits()
    polls = native(t, store, waits)
    card = await seeded(store)
    t.fail = MatrixError("sending: M_FORBIDDEN: user not in room", 403)  # the bot left the room
    with caplog.at_level(logging.WARNING, "adapters.matrix"):
        await polls.end(card, closed_card(), None)
    assert (t.tries, await state(store), waits.asked) == (1, "unsent", [])
    assert [r.levelname for r in caplog.records if "$start1" in r.getMessage()] == ["WARNING"]
    later = native(t, store, waits)  # the next start
    later.send_ends()
    await waits.round(later)
    assert (t.tries, await state(store), waits.waiting) == (1, "unsent", False)


@pytest.mark.parametrize("status", [401, 408, 429, 502, None])
async def test_an_end_failed_for_now_is_tried_again_until_it_lands(
        store: MatrixStore, status: int | None) -> None:
    t, waits = Transport(), Waits()
    polls = native(t, store, waits)
    card = await seeded(store)
    t.fail = MatrixError("sending: not now", status)
    await polls.end(card, closed_card(), None)
    await waits.round(polls)
    assert (t.tries, await state(store), waits.waiting) == (2, "ending", True)
    t.fail = None
    await waits.round(polls)
    assert (t.sent, await state(store), waits.waiting) == (["end-$start1"], "ended", False)


async def test_an_end_not_landed_for_days_is_given_up(
        store: MatrixStore, caplog: pytest.LogCaptureFixture) -> None:
    t, waits = Transport(), Waits()
    now = [1_000_000.0]
    polls = native(t, store, waits, lambda: now[0])
    card = await seeded(store)
    t.fail = MatrixError("sending: not now", 502)  # a room the homeserver cannot send to
    await polls.end(card, closed_card(), None)
    now[0] += END_GIVEN_UP_S - 1
    await waits.round(polls)
    assert (t.tries, await state(store), waits.waiting) == (2, "ending", True)
    now[0] += 1
    later = native(t, store, waits, lambda: now[0])  # a restart in between changes nothing
    await polls.stop()
    with caplog.at_level(logging.WARNING, "adapters.matrix"):
        later.send_ends()
        await waits.round(later)
    assert (t.tries, await state(store), waits.waiting) == (2, "unsent", False)
    assert any("not tried again" in r.getMessage() for r in caplog.records)


async def test_an_end_left_from_before_its_time_was_kept_is_given_up_days_later(
        store: MatrixStore) -> None:
    t, waits = Transport(), Waits()
    now = [1_000_000.0]
    await seeded(store, state="ending")  # ending since an older version: no time kept
    t.fail = MatrixError("sending: not now", 502)
    polls = native(t, store, waits, lambda: now[0])
    polls.send_ends()
    await waits.round(polls)
    assert (t.tries, await state(store), waits.waiting) == (1, "ending", True)
    now[0] += END_GIVEN_UP_S
    await waits.round(polls)
    assert (t.tries, await state(store), waits.waiting) == (1, "unsent", False)


async def test_the_ends_left_at_start_go_in_the_background(store: MatrixStore) -> None:
    t, waits = Transport(), Waits()
    await seeded(store, "$start1", "$start2", state="ending")  # closed before a stop
    polls = native(t, store, waits)
    send_ends: Callable[[], object] = polls.send_ends
    assert not inspect.isawaitable(send_ends())  # start-up waits for none of them
    assert t.tries == 0
    await waits.round(polls)
    assert sorted(t.sent) == ["end-$start1", "end-$start2"]
    assert [await state(store, s) for s in ("$start1", "$start2")] == ["ended", "ended"]
    assert not waits.waiting


async def test_stop_ends_the_retrying_and_a_failure_after_it_waits_for_the_next_start(
        store: MatrixStore) -> None:
    t, waits = Transport(), Waits()
    polls = native(t, store, waits)
    card = await seeded(store, "$start1", "$start2")
    before = asyncio.all_tasks()
    t.fail_end["$start1"] = MatrixError("sending: not now", 502)
    await polls.end(card, closed_card(), None)
    assert asyncio.all_tasks() - before  # retrying in the background
    await polls.stop()
    assert asyncio.all_tasks() - before == set()  # cancelled and waited for

    # Bot.stop drains the card edits after the adapter's stop: a close failing then starts
    # nothing that would outlive the adapter (and its database).
    await store.save_poll(NativePoll("$start3", ROOM, "$card3", 2, 1, ref="#3"))
    t.fail = MatrixError("sending: not now", 502)
    await polls.end(MessageRef("matrix", ROOM, "$card3", ROOM), closed_card(), None)
    assert asyncio.all_tasks() - before == set()
    assert await state(store, "$start3") == "ending"

    t.fail, t.fail_end = None, {}
    later = native(t, store, waits)  # the next start sends both
    later.send_ends()
    await waits.round(later)
    assert sorted(t.sent) == ["end-$start1", "end-$start2", "end-$start3"]
    assert await state(store, "$start3") == "ended"


async def test_an_end_under_way_at_start_is_sent_once_with_its_results(store: MatrixStore) -> None:
    t, waits = Transport(), Waits()
    polls = native(t, store, waits)
    card = await seeded(store)
    gate = t.held["$start1"] = asyncio.get_running_loop().create_future()
    # The first sync closes the card while the ends left from before the start are sent.
    closing = asyncio.create_task(polls.end(card, closed_card(), None))
    await asyncio.wait_for(t.holding.wait(), 10)
    polls.send_ends()
    await waits.round(polls)
    assert t.tries == 1  # left to the try under way
    gate.set_result(None)
    await closing
    await waits.round(polls)
    assert (t.sent, await state(store), waits.waiting) == (["end-$start1"], "ended", False)
    assert len(t.texts) == 1 and "A — 0" in t.texts[0]


@pytest.mark.allow_errors
async def test_a_database_error_costs_a_round_not_the_retrying(
        store: MatrixStore, monkeypatch: pytest.MonkeyPatch) -> None:
    t, waits = Transport(), Waits()
    polls = native(t, store, waits)
    card = await seeded(store)
    t.fail = MatrixError("sending: not now", 502)
    await polls.end(card, closed_card(), None)

    async def unavailable(state: str) -> list[NativePoll]:
        raise StorageError("the database is unavailable for a moment")

    with monkeypatch.context() as m:
        m.setattr(store, "polls_in", unavailable)
        await waits.round(polls)
    assert waits.waiting  # the next round is coming
    t.fail = None
    await waits.round(polls)
    assert (t.sent, await state(store), waits.waiting) == (["end-$start1"], "ended", False)


async def test_a_poll_ended_some_other_way_is_no_longer_sent(store: MatrixStore) -> None:
    t, waits = Transport(), Waits()
    polls = native(t, store, waits)
    card = await seeded(store)
    t.fail = MatrixError("sending: not now", 502)
    await polls.end(card, closed_card(), None)
    await store.set_poll_state("$start1", "ended")  # by another process, say
    t.fail = None
    await waits.round(polls)
    assert (t.tries, t.sent, waits.waiting) == (1, [], False)


async def test_an_end_failing_while_a_round_reads_the_store_is_still_sent(store: MatrixStore) -> None:
    t, waits = Transport(), Waits()
    polls = native(t, store, waits)
    card1 = await seeded(store)
    await store.save_poll(NativePoll("$start2", ROOM, "$card2", 2, 1, ref="#2"))
    t.fail = MatrixError("sending: 502", 502)  # the homeserver is down: every send fails at once
    await polls.end(card1, closed_card(), None)
    reads = store.polls_in

    async def read_while_another_fails(state_: str) -> list[NativePoll]:
        rows = await reads(state_)
        store.polls_in = reads  # type: ignore[method-assign]
        await polls.end(MessageRef("matrix", ROOM, "$card2", ROOM), closed_card(), None)
        return rows
    store.polls_in = read_while_another_fails  # type: ignore[method-assign]
    await waits.round(polls)
    t.fail = None
    await waits.round(polls)
    assert [await state(store, s) for s in ("$start1", "$start2")] == ["ended", "ended"]
    assert sorted(t.sent) == ["end-$start1", "end-$start2"]


@pytest.mark.allow_errors
async def test_an_unexpected_error_keeps_the_end_and_the_cards_other_polls_end(
        store: MatrixStore) -> None:
    t, waits = Transport(), Waits()
    polls = native(t, store, waits)
    card = await seeded(store, "$start1", "$start2")
    t.fail_end["$start1"] = RuntimeError("nio: something else")  # no MatrixError
    await polls.end(card, closed_card(), None)  # the card's edit is not failed by it
    assert [await state(store, s) for s in ("$start1", "$start2")] == ["ending", "ended"]
    t.fail_end = {}
    await waits.round(polls)
    assert (sorted(t.sent), await state(store), waits.waiting) == (
        ["end-$start1", "end-$start2"], "ended", False)


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
async def test_the_polls_still_ending_are_found_by_an_index_with_their_time(databases: Any) -> None:
    db = await open_db(databases("idx.db"))
    try:
        s = MatrixStore(db)
        await s.migrate()
        await seeded(s, "$start1", "$start2")
        await s.set_poll_state("$start2", "ending", 5.0)
        assert [(p.start_id, p.since) for p in await s.polls_in("ending")] == [("$start2", 5.0)]
        catalog = ("SELECT 1 FROM pg_indexes WHERE indexname=?" if isinstance(db, PostgresDatabase)
                   else "SELECT 1 FROM sqlite_master WHERE type='index' AND name=?")
        assert await db.fetchone(catalog, ("matrix_polls_state",)) is not None
    finally:
        await db.close()
