"""A native poll whose card the core no longer tracks (closed, then a crash before the card's
edit ended the native poll) is ended at the next start, once; on the adapter's real store and
the core's real tracker, with a transport that answers as told (poll_end_fakes.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from adapters.matrix.store import MatrixStore, NativePoll
from bot.model import MessageRef
from bot.tracking import Tracker
from tests.adapters.matrix.poll_end_fakes import ROOM, Transport, Waits, native, open_db, state


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def stores(databases: Callable[[str], str]) -> AsyncIterator[tuple[MatrixStore, Tracker]]:
    db = await open_db(databases("m.db"))
    tracker = Tracker(db)
    await tracker.load()
    store = MatrixStore(db)
    await store.migrate()
    yield store, tracker
    await db.close()


async def poll_on(store: MatrixStore, card: str, start: str) -> MessageRef:
    await store.save_poll(NativePoll(start, ROOM, card, 2, 1, ref="#1"))
    return MessageRef("matrix", ROOM, card, ROOM)


async def test_the_native_poll_of_a_card_no_longer_tracked_is_ended_once_at_start(
        stores: tuple[MatrixStore, Tracker]) -> None:
    store, tracker = stores
    closed = await poll_on(store, "$closed", "$start1")
    await tracker.track(closed, "polls", "poll", 1)
    await tracker.untrack("polls", "poll", 1)  # closed; the card's edit never came
    live = await poll_on(store, "$live", "$start2")
    await tracker.track(live, "polls", "poll", 2)
    await poll_on(store, "$posting", "$start3")  # sent, not tracked yet: not this start's to end
    t, waits = Transport(), Waits()
    polls = native(t, store, waits)
    await polls.end_dead_cards()
    polls.send_ends()
    await waits.round(polls)
    assert t.sent == ["end-$start1"] and t.texts == ["📊 Poll #1 takes no more answers here."]
    assert [await state(store, s) for s in ("$start1", "$start2", "$start3")] == ["ended", "open", "open"]
    later = native(t, store, waits)  # the next start sends nothing again
    await later.end_dead_cards()
    later.send_ends()
    await waits.round(later)
    assert t.sent == ["end-$start1"]
