"""The scheduler's alarm clock: armed jobs wait in a heap and APScheduler holds one alarm,
for the earliest of them (one APScheduler job per reminder costs ~350 µs to add: a second to
arm two days of 100k). It never stores a job; the `jobs` table is the truth (bot/scheduler.py).
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from .clock import Clock


class Alarm:
    """`fire(job_id)` is called for each armed job once it is due."""

    def __init__(self, clock: Clock, fire: Callable[[int], None]) -> None:
        self.clock = clock
        self._fire = fire
        self.aps: Any = None  # AsyncIOScheduler, while running (real clock only)
        self._heap: list[tuple[float, int]] = []
        self._armed: dict[int, float] = {}  # job id -> time in the heap (no duplicates on top-up)
        self._wake_at: float | None = None

    @property
    def running(self) -> bool:
        return self.aps is not None

    def start(self) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        self.aps = AsyncIOScheduler(timezone=UTC)
        self.aps.start()

    def every(self, seconds: float, fn: Callable[[], Awaitable[Any]], name: str) -> None:
        """Run `fn` every `seconds` (one at a time: a late run is not doubled)."""
        self.aps.add_job(fn, "interval", seconds=seconds, id=name, replace_existing=True,
                         max_instances=1, coalesce=True)

    async def stop(self) -> None:
        if self.aps is None:
            return
        # A wake-up APScheduler has just started would be cancelled by its shutdown, which it
        # logs as an error: no new ones, and let those begun finish (they only start tasks).
        self.aps.pause()
        begun: set[asyncio.Future[Any]] = getattr(self.aps._executors.get("default"), "_pending_futures", set())
        if begun:
            await asyncio.gather(*list(begun), return_exceptions=True)
        self.aps.shutdown(wait=False)
        self.aps = None

    def set(self, job_id: int, due: datetime, *, rearm: bool = True) -> None:
        at = due.timestamp()
        if self._armed.get(job_id) == at:
            return
        self._armed[job_id] = at
        heapq.heappush(self._heap, (at, job_id))
        if rearm:
            self.rearm()

    def rearm(self) -> None:
        """Point the single APScheduler alarm at the earliest armed job."""
        if self.aps is None or not self._heap:
            return
        first = self._heap[0][0]
        if self._wake_at is not None and self._wake_at <= first:
            return
        self._wake_at = first
        # A new alarm may come due while the previous wake-up is still finishing: APScheduler
        # would skip it as a second running instance, so allow many.
        self.aps.add_job(self._wake, "date", run_date=datetime.fromtimestamp(first, UTC), id="wake",
                         replace_existing=True, misfire_grace_time=None, coalesce=True,
                         max_instances=1_000_000)

    async def _wake(self) -> None:
        """Fire every armed job that is due (concurrently: their claims share a commit)."""
        self._wake_at = None
        now = self.clock.now().timestamp() + 0.001
        while self._heap and self._heap[0][0] <= now:
            at, job_id = heapq.heappop(self._heap)
            if self._armed.get(job_id) != at:
                continue  # superseded by a later arming of the same job
            del self._armed[job_id]
            self._fire(job_id)
        self.rearm()
