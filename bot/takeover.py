"""Taking over the work of processes that died (a shared database): a sweep lists the jobs
any process may take now and hands each to a background task; a bounded number of them
claim and send at once, each claiming only when it gets a slot.

A sweep never waits for sends: one that did was still sending a large backlog through a slow
platform when the next sweep was due, which was then skipped, so work that lapsed meanwhile
waited for the whole backlog and went out past the minute the product promises. Claiming at
the slot, not at the sweep, keeps a job that waits for one unclaimed: it holds no lease that
could run out while it waits, another process may take it meanwhile, and its grace is judged
when it is claimed (the caller's `claimed`), by the time it is sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from . import jobs
from .clock import Clock
from .jobs import Job
from .metrics import Metrics
from .storage import Database

log = logging.getLogger(__name__)

# How often each process looks for work whose process died.
EVERY = timedelta(seconds=10)
AT_ONCE = 64  # taken-over jobs claimed and sent at the same time


class TakeOver:
    def __init__(self, db: Database, clock: Clock, process: str, reaches: Callable[[str], bool],
                 claimed: Callable[[Job, datetime], Awaitable[None]],
                 metrics: Metrics | None = None) -> None:
        self.db, self.clock, self.process = db, clock, process
        self.reaches = reaches  # whether this process can post in a space
        self.claimed = claimed  # runs (or skips, past its grace) a job just claimed
        self.metrics = metrics
        self.at_once = AT_ONCE  # read when the first job is handed over
        self.stopping = False
        self._looks = jobs.Looks(EVERY / 2)
        # Who was gone at the latest sweep: a job waiting for a slot is claimed under this, not
        # under the sweep that listed it, so a process seen back since is not taken for gone.
        self._gone: jobs.Gone | None = None
        self._slots: asyncio.Semaphore | None = None
        self._handed: dict[int, asyncio.Task[None]] = {}  # job id -> its task, until it ends
        self._running: set[int] = set()  # of those, the ones holding a slot

    @property
    def waiting(self) -> int:
        """Jobs handed over that wait for a slot (not claimed yet)."""
        return len(self._handed) - len(self._running)

    @property
    def running(self) -> int:
        return len(self._running)

    async def sweep(self) -> int:
        """Hand every job that may be taken now, and is not handed already, to a task of its
        own; how many were handed."""
        if self.stopping:
            return 0
        now = self.clock.now()
        gone = self._gone = self._looks.look(now, await self.db.live_processes(), self.process)
        ids: list[int] = []
        after = (-1.0, 0)
        while len(ids) < jobs.LAPSED_PAGE:  # past jobs of platforms this process is not on
            rows = await self.db.read(lambda c, a=after: jobs.lapsed(c, now, a, gone))  # type: ignore[misc]
            ids += [job_id for job_id, space, _ in rows if self.reaches(space)]
            if len(rows) < jobs.LAPSED_PAGE:
                break
            after = (rows[-1][2], rows[-1][0])
        new = [job_id for job_id in ids if job_id not in self._handed]
        if self._slots is None and new:
            self._slots = asyncio.Semaphore(self.at_once)
        for job_id in new:  # most overdue first: the slots are given in this order
            assert self._slots is not None
            task = asyncio.create_task(self._take(job_id, self._slots),
                                       name=f"logoff-take-over-{job_id}")
            self._handed[job_id] = task
            task.add_done_callback(lambda _, j=job_id: self._handed.pop(j, None))  # type: ignore[misc]
        return len(new)

    async def idle(self) -> None:
        """Wait until every job handed over has been claimed and sent, or found taken."""
        while self._handed:
            await asyncio.gather(*list(self._handed.values()), return_exceptions=True)

    async def _take(self, job_id: int, slots: asyncio.Semaphore) -> None:
        async with slots:
            if self.stopping:
                return  # not claimed: it stays for another process, or the next start
            self._running.add(job_id)
            try:
                await self._claim_and_run(job_id)
            except Exception:  # one job's trouble must not stop the others
                log.exception("taking over job %s failed", job_id)
            finally:
                self._running.discard(job_id)

    async def _claim_and_run(self, job_id: int) -> None:
        # Its own time, not the sweep's: a claim under an older time would carry a lease
        # already partly spent, and a stale grace and lateness.
        now, gone = self.clock.now(), self._gone
        job = await self.db.write(lambda c: jobs.claim_lapsed(c, job_id, now, self.process, gone))
        if job is None:
            return  # someone else was quicker, or it was sent, moved or cancelled meanwhile
        if self.metrics is not None:
            self.metrics.taken_over.labels(job.kind).inc()
        log.info("took over job %s (%s), %s late", job.id, job.key, now - job.due_at)
        await self.claimed(job, now)
