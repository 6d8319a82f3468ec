"""The sync loop: each room's events handed to its lane (lanes.py) in timeline order, the
sync token stored in one unit with them queued in the inbox, a `limited` timeline
back-filled from /messages down to the previous token (backfill.py; Synapse gives at most 100
timeline events per room per sync)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from functools import partial
from typing import Any

import nio

from . import inbound
from .backfill import gap_events
from .client import MatrixError, Transport, why
from .crypto import Crypto
from .joins import Reader
from .lanes import Lanes
from .leftover import KeptInbox, Left, every_member
from .roomload import RoomLoader
from .rooms import Rooms
from .store import MatrixStore

log = logging.getLogger(__name__)

SEEN_MEMORY = 20_000
SYNC_FILTER: dict[str, Any] = {
    "presence": {"types": []},
    "account_data": {"types": []},
    "room": {
        "timeline": {"limit": 100},
        "state": {"lazy_load_members": True},
        "ephemeral": {"types": []},
        "account_data": {"types": []},
    },
}

Receive = Callable[[str, Sequence[dict[str, Any]]], Awaitable[None]]


class Syncer:
    def __init__(self, transport: Transport, rooms: Rooms, receive: Receive,
                 reconcile_room: Callable[[str], Awaitable[None]], *, timeout_ms: int) -> None:
        self.transport, self.rooms = transport, rooms
        self.healthy = False  # the last sync answered (or only one failed since)
        self.store: MatrixStore | None = None  # the bot's database, from start()
        self.receive, self.reconcile_room = receive, reconcile_room
        self.timeout_ms = timeout_ms
        self.since: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._running = asyncio.Event()
        self._running.set()
        self.handling = asyncio.Lock()  # a sync being queued (and its token stored)
        self.lanes = Lanes(receive)
        self.inbox_form: Callable[[dict[str, Any]], dict[str, Any] | None] = lambda src: src
        self._seq = 0  # the inbox number of the last event queued
        self._left = Left()  # what the last stop left in the inbox, until the first sync
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._reread: set[str] = set()  # rooms whose gap this sync could not back-fill
        # Observability for operators and tests.
        self.limited_syncs = 0
        self.backfilled_events = 0
        self.synced = asyncio.Condition()
        self.sync_count = 0
        self.crypto: Crypto | None = None  # from start(), with the database
        self.reader = Reader(transport, rooms, self.mark_seen)

    async def start(self, store: MatrixStore) -> None:
        self.store = store
        self.lanes.inbox = KeptInbox(store, self.rooms)
        self.crypto = self.reader.crypto = Crypto(self.transport, store.db)
        await self.crypto.start()
        self.transport.prepare_room = RoomLoader(self.transport, self.crypto).prepare
        self.since = await store.sync_token(self.transport.user_id)
        self._stopping = False
        # Events queued before the last stop or crash come first, in the order they came, each
        # room's judged by the state kept with them (leftover.py), handed over with the first sync.
        self._left = await Left.load(store, self.rooms, self.lanes.bound)
        self._seq = max(self._seq, self._left.last_seq)
        for src in self._left.events():
            self.mark_seen(inbound.text(src.get("event_id")))
        await self.sync_once(timeout_ms=0, first=True)
        # What happened while the bot was down is applied before start() returns.
        await self.lanes.settled()

    def run(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="logoff-matrix-sync")

    async def stop(self) -> None:
        self._stopping = True
        self._running.set()
        if self._task is None:
            return
        # Let the batch being handled finish: its token is not stored yet, and cutting a
        # command or reaction in half would leave it claimed but not applied.
        try:
            async with asyncio.timeout(10):
                await self.handling.acquire()
            self.handling.release()
        except TimeoutError:
            log.warning("matrix: stopping in the middle of handling a sync")
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task
        self._task = None
        await self.lanes.stop()

    @contextlib.asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """Hold the sync loop: the sync in flight finishes, the next waits until exit."""
        self._running.clear()
        try:
            yield
        finally:
            self._running.set()

    async def wait_synced(self, n: int = 1) -> None:
        """Wait until `n` more syncs have been handled (wrap in asyncio.timeout)."""
        async with self.synced:
            target = self.sync_count + n
            await self.synced.wait_for(lambda: self.sync_count >= target)
        await self.lanes.settled()

    def mark_seen(self, event_id: str | None) -> bool:
        """False if this event was handled already."""
        if not event_id or event_id in self._seen:
            return False
        self._seen[event_id] = None
        if len(self._seen) > SEEN_MEMORY:
            self._seen.popitem(last=False)
        return True

    async def _loop(self) -> None:
        failures = 0
        while not self._stopping:
            await self._running.wait()
            if self._stopping:
                return
            try:
                await self.sync_once(timeout_ms=self.timeout_ms)
                failures = 0
                self.healthy = True
            except asyncio.CancelledError:
                raise
            except Exception as e:
                failures += 1
                self.healthy = failures < 2  # one blip is not an outage
                if not isinstance(e, MatrixError) and self.transport.on_error is not None:
                    self.transport.on_error("sync_failed")  # error answers are counted as they come
                wait = min(30.0, 0.5 * 2 ** min(failures, 6))
                # Connection trouble is expected now and then; keep going, quietly at first.
                level = logging.WARNING if failures < 5 else logging.ERROR
                log.log(level, "matrix: sync failed (%s); retrying in %.1fs", e, wait)
                await asyncio.sleep(wait)

    async def sync_once(self, *, timeout_ms: int, first: bool = False) -> None:
        since, client = self.since, self.transport.client
        sync_filter = every_member(SYNC_FILTER) if first else SYNC_FILTER
        resp = await self.transport.call(lambda: client.sync(
            timeout=timeout_ms, sync_filter=sync_filter, since=since, full_state=first or None))
        if not isinstance(resp, nio.SyncResponse):
            raise MatrixError(f"sync: {why(resp)}")
        if self._stopping:
            return
        async with self.handling:
            await self.handle_sync(resp, since, first)
            if self.crypto is not None:
                self.crypto.note_to_device(resp.to_device_events)
                # Keys that arrived in this sync may open events held from earlier ones.
                await self.crypto.maintain()
                await self.crypto.retry(lambda room_id, events: self.queue([(room_id, events)], None))

    async def handle_sync(self, resp: nio.SyncResponse, since: str | None, first: bool = False) -> None:
        await self.transport.join_all(list(resp.rooms.invite))
        batches: list[tuple[str, list[dict[str, Any]]]] = []
        noted: set[str] = set()  # rooms whose state is noted here, their lanes holding nothing before it
        me = self.transport.user_id
        for room_id, info in resp.rooms.join.items():
            state = inbound.sources(info.state)
            if first and since is not None and (
                    room_id in self._left.restored or await self._restored_for_gap(room_id, info)):
                # Events are left from before the stop, or a gap is back-filled, judged by the
                # state kept as the lane left it: this state (now's, after the gap) takes effect
                # after them. The bot's join in it is long past.
                state = [src for src in state if not inbound.is_join_of(src, me)]
            elif first or since is None:
                # The rooms' state as the bot starts.
                self.rooms.note_state(room_id, state)
                noted.add(room_id)
                state = []
            if since is None:
                events = inbound.sources(info.timeline.events)
            else:
                events = await self.reader.timeline(room_id, info.timeline.events)
            if since is None:
                self.rooms.note_state(room_id, events)
                # A fresh account: history before the bot existed is not for it.
                for src in events:
                    self.mark_seen(inbound.text(src.get("event_id")))
                continue
            # The state where this timeline begins takes effect in the room's lane, after what
            # was queued before (and a gap back-filled below), not ahead of it as the sync comes.
            # The bot's own join there is not where it joined: a join in the gap comes back with
            # the gap, in its place, and cuts the room's past off there (joins.py).
            gap = info.timeline.limited and not any(inbound.is_join_of(e, me) for e in events)
            events = [src for src in state if not inbound.is_join_of(src, me)] + events
            if gap:
                events = await self._backfill(room_id, info.timeline.prev_batch, since) + events
            if room_id in self._left.restored:  # the first sync: named as the events left came
                self._left.name_members(self.rooms, room_id, state, events)
            batches.append((room_id, self.reader.after_join(room_id, events, noted)))
        left, self._left, store = self._left, Left(), self.store
        assert store is not None
        await left.hand_over(self.lanes)
        for room_id in set(resp.rooms.leave) - set(resp.rooms.join):
            # Kicked, banned or left: a command still queued there would change things (an
            # event with reminders) where no answer can be said.
            await store.left_room(room_id, await self.lanes.drop(room_id))
        await self.queue(batches, resp.next_batch, noted)
        # A gap not read whole: the room's cards re-read (now) after everything queued before
        # (what the last stop left included), or an older reaction would land after the reading.
        reread, self._reread = self._reread, set()
        for room_id in reread:
            self.lanes.put_tick(room_id, partial(self.reconcile_room, room_id))
        self.since = resp.next_batch
        async with self.synced:
            self.sync_count += 1
            self.synced.notify_all()

    async def queue(self, batches: Sequence[tuple[str, Sequence[dict[str, Any]]]],
                    token: str | None, noted: Iterable[str] = ()) -> None:
        """Write events not queued before to the inbox, with the sync's token if it has one
        and the state of the rooms `noted` here, then hand each room's to its lane (a full
        lane leaves them in the inbox)."""
        queued: list[tuple[str, int, dict[str, Any]]] = []
        ids: set[str] = set()
        for room_id, events in batches:
            for src in events:
                eid = inbound.text(src.get("event_id"))
                if eid is None or eid in self._seen or eid in ids:
                    continue
                ids.add(eid)
                queued.append((room_id, self._seq + len(queued) + 1, src))
        assert self.store is not None
        kept = [(room_id, seq, form) for room_id, seq, src in queued if (form := self.inbox_form(src))]
        states = {room_id: state for room_id in noted if (state := self.rooms.state_to_keep(room_id))}
        try:
            await self.store.save_sync_token(self.transport.user_id, token, kept, states)
        except BaseException:
            for room_id in states:
                self.rooms.not_kept(room_id)
            raise
        # Only now, with the rows written: a failed write leaves the sync to be taken again.
        if queued:
            self._seq = queued[-1][1]
        for eid in ids:
            self.mark_seen(eid)
        rooms: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        for room_id, seq, src in queued:
            rooms.setdefault(room_id, []).append((seq, src))
        for room_id, rows in rooms.items():
            await self.lanes.put(room_id, [src for _, src in rows], rows[-1][0])

    async def _restored_for_gap(self, room_id: str, info: nio.RoomInfo) -> bool:
        """A first sync's limited timeline: the events back-filled came before its state, so
        the room's kept state judges them (when none was kept, the state now does)."""
        me = self.transport.user_id
        timeline = inbound.sources(info.timeline.events)
        if not info.timeline.limited or any(inbound.is_join_of(src, me) for src in timeline):
            return False
        assert self.store is not None
        if (kept := await self.store.kept_state(room_id)) is None:
            return False
        self.rooms.restore(room_id, kept)
        return True

    async def _backfill(self, room_id: str, prev_batch: str | None,
                        since: str) -> list[dict[str, Any]]:
        self.limited_syncs += 1
        older, whole = await gap_events(self.transport, room_id, prev_batch, since,
                                        readable=self.reader.readable, seen=self._seen.__contains__)
        if not whole:
            self._reread.add(room_id)
        self.backfilled_events += len(older)
        return older
