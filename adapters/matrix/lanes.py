"""Each room's events handled in order by a task of its own (a lane), so a slow room (a reply
waiting out a rate limit, a slow handler) holds up only itself, not the sync loop or the
other rooms, also once its lane is full (below).

The sync loop writes a sync's events to the inbox (`matrix_inbox`) in the same unit as its
token, then hands them to their lanes; a lane deletes an event's row once it is handled. So
the token never runs ahead of events that could be lost: a crash or a stop leaves the rows
of what was not handled, and the next start hands them to their lanes first. Handlers are
safe to run again on an event handled just before a crash (commands are claimed, reactions
stored by event id), as they were when a whole sync was handled again.

A lane holds at most `bound` events in memory. Past that the room's events spill: they are
in the inbox already, so the lane reads them back from it, in order, once it has handled what
it holds, and the sync loop goes on for every other room. What a spilled room loses is what
the inbox never keeps: its chat lines (a heat reading each), never a command, reaction or
state. A tick (`run_in`) queued while a room spills runs before its spilled events (one put
with `put_tick`, after them). At start, a room with more events left than the bound is read
back the same way (`put_waiting`). A handler that raises is logged and its lane goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger(__name__)

LANE_BOUND = 2_000
STOP_GRACE_S = 10.0

Handle = Callable[[str, Sequence[dict[str, Any]]], Awaitable[None]]
Tick = Callable[[], Awaitable[None]]


class Inbox(Protocol):
    """Where the events queued wait until handled (MatrixStore, given at start)."""

    async def handled(self, room_id: str, upto: int) -> None: ...

    async def inbox_of(self, room_id: str, after: int, upto: int,
                       limit: int) -> Sequence[tuple[int, dict[str, Any]]]: ...


@dataclass
class _Batch:
    events: list[dict[str, Any]]
    upto: int | None  # the inbox seq of its last event; None for a tick
    tick: Tick | None = None
    counted: bool = True  # in the lane's `pending`; read back from the inbox: in `spilled`


@dataclass
class _Lane:
    queue: deque[_Batch] = field(default_factory=deque)
    pending: int = 0  # events queued and not handled yet
    put: int = 0  # batches put, and batches done: `settled` compares them
    done: int = 0
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    task: asyncio.Task[None] | None = None
    busy: bool = False
    held: int = 0  # the inbox seq of the last event handed over in memory (or read back)
    spill_to: int = 0  # events up to this seq wait in the inbox only (0: none)
    spilled: int = 0  # events put while spilling, and their puts (done once it is read back)
    spill_puts: int = 0
    after_spill: list[_Batch] = field(default_factory=list)  # ticks put after spilled events


class Lanes:
    def __init__(self, handle: Handle, *, bound: int | None = None) -> None:
        self.handle, self.bound = handle, LANE_BOUND if bound is None else bound
        self.inbox: Inbox | None = None
        self._lanes: dict[str, _Lane] = {}
        self._stopping = False
        self.failures = 0  # batches whose handler raised (observed by tests)
        self._waiting: set[asyncio.Event] = set()  # callers of run_in whose tick has not run

    def _lane(self, room_id: str) -> _Lane:
        lane = self._lanes.get(room_id)
        if lane is None:
            lane = self._lanes[room_id] = _Lane()
        if lane.task is None and not self._stopping:
            lane.task = asyncio.create_task(self._run(room_id, lane), name=f"logoff-matrix-lane-{room_id}")
        return lane

    async def put(self, room_id: str, events: Sequence[dict[str, Any]], upto: int) -> None:
        """Queue a room's events, already in the inbox up to seq `upto` (those it keeps).
        Past the lane's bound they wait in the inbox only; the lane reads them back in turn."""
        if not events:
            return
        lane = self._lane(room_id)
        lane.pending += len(events)
        lane.put += 1
        if lane.spill_to or lane.pending - len(events) >= self.bound:
            if not lane.spill_to:
                log.warning("matrix: %d events of %s are waiting to be handled; the next wait in "
                            "the inbox", lane.pending - len(events), room_id)
            self._spill(lane, len(events), upto)
        else:
            lane.queue.append(_Batch(list(events), upto))
            lane.held = upto
        lane.wake.set()

    async def put_waiting(self, room_id: str, count: int, upto: int) -> None:
        """Queue `count` of the room's events that wait in the inbox up to seq `upto` (left at
        the last stop, more than the bound): the lane reads them back in turn, as a spill."""
        if count <= 0:
            return
        lane = self._lane(room_id)
        lane.pending += count
        lane.put += 1
        self._spill(lane, count, upto)
        lane.wake.set()

    @staticmethod
    def _spill(lane: _Lane, count: int, upto: int) -> None:
        lane.spill_to = upto
        lane.spilled += count
        lane.spill_puts += 1

    async def run_in(self, room_id: str, tick: Tick) -> None:
        """Run `tick` in the room's lane, in turn with its events (never held by the bound);
        returns once it has run (or the lanes stopped)."""
        ran = asyncio.Event()

        async def run() -> None:
            try:
                await tick()
            finally:
                ran.set()

        lane = self._lane(room_id)
        lane.queue.append(_Batch([], None, run))
        lane.put += 1
        lane.wake.set()
        if lane.task is not None:
            self._waiting.add(ran)  # set by stop() too: a tick never run must not hang its caller
            try:
                await ran.wait()
            finally:
                self._waiting.discard(ran)

    def put_tick(self, room_id: str, tick: Tick) -> None:
        """Queue `tick` in the room's lane after every event queued so far, spilled ones too
        (unlike `run_in`); not waited for."""
        lane = self._lane(room_id)
        (lane.after_spill if lane.spill_to else lane.queue).append(_Batch([], None, tick))
        lane.put += 1
        lane.wake.set()

    async def drop(self, room_id: str) -> int | None:
        """Forget the room's events not begun (the bot left the room: nothing it did there
        could be said). Returns the inbox seq of the last one dropped, if any; ticks still run
        (someone waits for them)."""
        lane = self._lanes.get(room_id)
        if lane is None:
            return None
        upto: int | None = None
        kept: deque[_Batch] = deque()
        for batch in lane.queue:
            if batch.upto is None:
                kept.append(batch)
                continue
            upto = batch.upto
            if batch.counted:
                lane.pending -= len(batch.events)
                lane.done += 1
        lane.queue = kept
        if lane.spill_to:
            upto = max(upto or 0, lane.spill_to)
            lane.held = lane.spill_to
        self._spill_read(lane)
        async with lane.changed:
            lane.changed.notify_all()
        return upto

    @property
    def stopping(self) -> bool:
        """Stopping: no lane begins another batch (observed by tests)."""
        return self._stopping

    def pending(self, room_id: str) -> int:
        """The room's events queued and not handled yet (the one being handled included)."""
        lane = self._lanes.get(room_id)
        return lane.pending if lane is not None else 0

    async def settled(self) -> None:
        """Until everything queued so far is handled (wrap in asyncio.timeout)."""
        for lane in list(self._lanes.values()):
            target = lane.put
            async with lane.changed:
                await lane.changed.wait_for(lambda lane=lane, t=target: lane.done >= t)  # type: ignore[misc]

    async def _run(self, room_id: str, lane: _Lane) -> None:
        while not self._stopping:
            if not lane.queue and lane.spill_to:
                await self._read_back(room_id, lane)
                continue
            if not lane.queue:
                lane.wake.clear()
                await lane.wake.wait()
                continue
            batch = lane.queue.popleft()
            lane.busy = True
            try:
                if batch.tick is not None:
                    await batch.tick()
                else:
                    await self.handle(room_id, batch.events)
            except asyncio.CancelledError:
                raise
            except Exception:
                # Each event's own failure is caught in the handler; this is the last guard:
                # the lane goes on, and the batch is not tried again.
                self.failures += 1
                log.exception("matrix: handling events of %s failed", room_id)
            try:
                if batch.upto is not None:
                    assert self.inbox is not None
                    await self.inbox.handled(room_id, batch.upto)
            except asyncio.CancelledError:
                raise
            except Exception:
                # The rows stay: the events are handled once more at the next start.
                log.warning("matrix: could not note events of %s as handled", room_id, exc_info=True)
            finally:
                lane.busy = False
                if batch.counted:
                    lane.pending -= len(batch.events)
                    lane.done += 1
                elif lane.held >= lane.spill_to:
                    self._spill_read(lane)
                async with lane.changed:
                    lane.changed.notify_all()

    async def _read_back(self, room_id: str, lane: _Lane) -> None:
        """Queue the next of the room's spilled events, read back from the inbox."""
        after, upto = lane.held, lane.spill_to
        try:
            assert self.inbox is not None
            rows = await self.inbox.inbox_of(room_id, after, upto, self.bound)
        except asyncio.CancelledError:
            raise
        except Exception:
            # Left in the inbox; tried again once more events come, or at the next start.
            log.warning("matrix: could not read back the waiting events of %s", room_id, exc_info=True)
            lane.wake.clear()
            await lane.wake.wait()
            return
        if lane.held != after:
            return  # dropped while being read (the bot left the room)
        if len(rows) < self.bound:
            lane.held = upto  # the rest up to `upto` were not kept (chat lines)
        if rows:
            lane.held = max(lane.held, rows[-1][0])
            lane.queue.append(_Batch([src for _, src in rows], rows[-1][0], counted=False))
        elif lane.held >= lane.spill_to:
            self._spill_read(lane)
            async with lane.changed:
                lane.changed.notify_all()

    @staticmethod
    def _spill_read(lane: _Lane) -> None:
        """Every spilled event is handled (or dropped): the lane holds its events again."""
        lane.pending -= lane.spilled
        lane.done += lane.spill_puts
        lane.spilled = lane.spill_puts = lane.spill_to = 0
        lane.queue.extend(lane.after_spill)
        lane.after_spill.clear()

    async def stop(self, grace: float = STOP_GRACE_S) -> None:
        """Finish the batches being handled (cutting a command in half would leave it claimed
        but not applied), then stop; what is still queued stays in the inbox for the next start."""
        self._stopping = True
        for lane in self._lanes.values():
            lane.wake.set()
            async with lane.changed:
                lane.changed.notify_all()
        tasks = [lane.task for lane in self._lanes.values() if lane.task is not None]
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=grace)
            if late:
                log.warning("matrix: stopping in the middle of handling events in %d rooms", len(late))
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        for waiting in self._waiting:
            waiting.set()
        self._lanes.clear()
        self._stopping = False
