"""The fakes of the native-poll end tests (test_matrix_poll_end_retry.py): a transport that
fails as told, the retry loop's waits let go by the test, and the adapter's real store."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from adapters.matrix.polls import NativePolls
from adapters.matrix.store import MatrixStore, NativePoll
from bot.model import MessageRef
from bot.pgconnect import is_postgres_url
from bot.postgres import PostgresDatabase
from bot.render import Card, Choices
from bot.storage import Database

ROOM = "!r:x"


class Transport:
    """Sends as the homeserver would, or fails with `fail` (for one end: `fail_end`)."""

    def __init__(self) -> None:
        self.fail: Exception | None = None
        self.fail_end: dict[str, Exception] = {}  # by the start of the poll it ends
        self.sent: list[str] = []  # the txn ids of the ends that landed
        self.tries = 0
        self.held: dict[str, asyncio.Future[None]] = {}  # an end waiting for the test, by its start
        self.holding = asyncio.Event()
        self.texts: list[str] = []  # the fallback text of each end tried
        self.client = None
        self.user_id = "@bot:x"

    async def encrypted(self, room_id: str) -> bool:
        return False

    async def send_event(self, room_id: str, kind: str, content: dict[str, Any],
                         txn_id: str | None) -> str:
        self.tries += 1
        start = content["m.relates_to"]["event_id"]
        self.texts.append(content["body"])
        if start in self.held:
            self.holding.set()
            await self.held.pop(start)
        fail = self.fail_end.get(start, self.fail)
        if fail is not None:
            raise fail
        assert txn_id is not None
        self.sent.append(txn_id)
        return f"$end{len(self.sent)}"


class Waits:
    """The retry loop's waits: each ends when the test lets it go."""

    def __init__(self) -> None:
        self.asked: list[float] = []
        self._go: asyncio.Future[None] | None = None
        self._asleep = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        self._go = asyncio.get_running_loop().create_future()
        self._asleep.set()
        try:
            await self._go
        except asyncio.CancelledError:  # the loop was stopped: the next wait is another's
            self._go = None
            self._asleep.clear()
            raise

    @property
    def waiting(self) -> bool:
        return self._go is not None

    async def round(self, polls: NativePolls) -> None:
        """Let the loop's wait end and see its round through: it waits again, or it is done."""
        await asyncio.wait_for(self._asleep.wait(), 10)
        assert self._go is not None
        go, self._go = self._go, None
        self._asleep.clear()
        go.set_result(None)
        asleep = asyncio.ensure_future(self._asleep.wait())
        done = asyncio.ensure_future(polls.retries_done())
        await asyncio.wait({asleep, done}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        asleep.cancel()
        done.cancel()


async def open_db(where: str) -> Database:
    return await (PostgresDatabase(where) if is_postgres_url(where) else Database(Path(where))).open()


def native(transport: Transport, store: MatrixStore, waits: Waits,
           clock: Callable[[], float] = lambda: 1_000_000.0) -> NativePolls:
    polls = NativePolls(transport, sleep=waits, clock=clock)  # type: ignore[arg-type]
    polls.store = store
    return polls


def closed_card() -> Card:
    return Card("📊 Q (closed)", ref="#1", body=(("A — 0",), ("B — 0",)),
                choices=Choices("Q", (("A",), ("B",)), closed=True))


async def seeded(store: MatrixStore, *starts: str, state: str = "open") -> MessageRef:
    for start in starts or ("$start1",):
        await store.save_poll(NativePoll(start, ROOM, "$card1", 2, 1, state=state, ref="#1"))
    return MessageRef("matrix", ROOM, "$card1", ROOM)


async def state(store: MatrixStore, start: str = "$start1") -> str:
    poll = await store.poll(start)
    assert poll is not None
    return poll.state
