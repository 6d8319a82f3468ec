"""Durable jobs: our `jobs` table is the truth, APScheduler 3.x only the alarm clock.

Life of a job: `pending` -> claimed `sending` -> `sent` (or `skipped`, `cancelled`, `failed`).
A handler receives the job with a stable idempotency key that adapters pass to the platform (a
message nonce or transaction id), so a job re-run after a crash in `sending` lands once; where the
platform holds a key only minutes, a re-run's sends are recognised by what the adapter marked of
them (bot/resend.py). APScheduler never stores a job: its 3.x store deletes a one-off job before
running it, which loses reminders on a crash (DESIGN.md)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from . import jobreads, jobs, lease, resend, takeover
from .adapter import DestinationGone
from .alarm import Alarm
from .clock import Clock, ManualClock
from .jobs import Job
from .metrics import Metrics
from .process import process_name
from .storage import Database

log = logging.getLogger(__name__)

HORIZON = timedelta(hours=48)
TOP_UP = timedelta(hours=1)
MAX_ATTEMPTS = 30  # with backoff capped at 5 minutes: about two hours of trying
RECOVER_AT_ONCE = 64  # overdue jobs run together at start
TAKE_OVER_EVERY = takeover.EVERY


def too_late(late: timedelta, grace: timedelta) -> bool:
    """The grace rule, the one test of it: a job this late is skipped, not run. A kind that says
    more about skipped jobs (which of them tells of it) asks the same question."""
    return late >= grace


Handler = Callable[[Job], Awaitable[None]]
GraceFn = Callable[[Job], Awaitable[timedelta | None]]


class Scheduler:
    def __init__(self, db: Database, clock: Clock, metrics: Metrics | None = None) -> None:
        self.db, self.clock, self.metrics = db, clock, metrics
        self._handlers: dict[str, Handler] = {}
        self._grace: dict[str, GraceFn] = {}
        self._missed: dict[str, Handler] = {}
        self.alarm = Alarm(clock, self._fire_soon)
        self._armed_until: datetime | None = None
        self._inflight: set[asyncio.Task[None]] = set()
        self._owners: dict[str, str] = {}
        self.owner = ""  # the cog being set up, which owns what it registers
        self.fired: list[tuple[Job, datetime]] = []  # (job, fired at) for benchmarks/tests
        self.record_fired = self._stopping = False
        # On a shared database: which spaces this process arms jobs for (its shards), and
        # which it can post in when taking over from a process that died.
        self.serves: Callable[[str], bool] = lambda space: True
        self.reaches: Callable[[str], bool] = lambda space: True
        self.process = process_name()
        self.renew_every = jobs.LEASE / 3  # a running job's claim is renewed this often
        self.taking = takeover.TakeOver(db, clock, self.process, lambda s: self.reaches(s),
                                        self._claimed, metrics)
        if metrics is not None:
            metrics.watch_jobs(lambda: self.taking.waiting, lambda: len(self._inflight) + self.taking.running)

    def register(self, kind: str, handler: Handler, grace: GraceFn | None = None,
                 missed: Handler | None = None) -> None:
        """`grace` says how late a job of this kind may still run (None: any); `missed` is told of
        a job skipped for being later than that (say so where people see it: it is claimed like a
        run, so it too happens once per job, with the job's key). A kind belongs to the cog that
        registers it (`owner`, set while the cog is set up)."""
        if kind in self._handlers:
            raise ValueError(f"job kind '{kind}' is registered by both {self._owners[kind]} "
                             f"and {self.owner or 'the core'}")
        self._owners[kind] = self.owner or "the core"
        self._handlers[kind] = handler
        if grace:
            self._grace[kind] = grace
        if missed:
            self._missed[kind] = missed

    # --- writing jobs, and asking after them (inside the caller's unit, atomic with its own rows)

    put, hasten, cancel = staticmethod(jobs.put), staticmethod(jobs.hasten), staticmethod(jobs.cancel)
    claimed, exists = staticmethod(jobreads.claimed), staticmethod(jobreads.exists)

    def arm(self, handle: tuple[int, datetime]) -> None:
        """After the commit that wrote a job: set its alarm if it is due soon and its space is
        this process's (another's is the top-up's and take-over's of the process serving it)."""
        job_id, due = handle
        if self.clock.manual or not self.alarm.running or not self._mine(getattr(handle, "space", "")):
            return  # the manual clock reads due jobs from the table as it advances
        if self._armed_until is None or due <= self._armed_until:
            self.alarm.set(job_id, due)

    async def run_now(self, handle: tuple[int, datetime]) -> None:
        """After the commit that wrote a job due now (a command's notice): claim and run it at once,
        as its alarm would; a failed send retries, and a crash before it leaves it to the next start."""
        if self._mine(getattr(handle, "space", "")):
            await self._fire_now(handle[0])

    def _fire_soon(self, job_id: int) -> None:
        task = asyncio.create_task(self._fire_now(job_id))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    # --- running -------------------------------------------------------------------

    async def start(self) -> None:
        await self.recover()
        if not self.clock.manual:
            self.alarm.start()
            await self.top_up()
            self.alarm.every(TOP_UP.total_seconds(), self.top_up, "top-up")
            if self.db.shared:
                self.alarm.every(TAKE_OVER_EVERY.total_seconds(), self.take_over, "take-over")

    async def stop(self) -> None:
        """Claim nothing new, then let every job already claimed finish its send."""
        self._stopping = self.taking.stopping = True
        await self.alarm.stop()
        await self.idle()

    async def idle(self) -> None:
        """Wait until no job is being claimed or sent (those taken over included)."""
        while self._inflight or self.taking.waiting or self.taking.running:
            await asyncio.gather(*list(self._inflight), self.taking.idle(), return_exceptions=True)

    async def recover(self) -> None:
        """At start: re-send what a crash left in `sending` (same idempotency key), then
        run or skip what fell due while the bot was down."""
        now = self.clock.now()
        await self.db.write(jobs.sweep_marks)
        if self.db.shared:  # the others' claims are theirs until their lease runs out
            await self.take_over()
            await self.taking.idle()
            claimed = []
        else:
            claimed = await self.db.read(jobreads.sending)
        for job in claimed:
            # It may have been posted before the crash: too late now, it is dropped silently.
            if await self._too_late(job, now, tell=False):
                continue
            await self._run(job, again=True)
        overdue = await self.db.read(lambda c: jobreads.overdue(c, now))
        # In groups, each run together as the alarm runs jobs due at once: their writes share
        # commits (one by one, a thousand overdue jobs cost a thousand disk syncs each way),
        # while the groups keep the order of their due times.
        ids = [job.id for job in overdue if self._mine(job.space)]
        for i in range(0, len(ids), RECOVER_AT_ONCE):
            await asyncio.gather(*(self._fire_now(j) for j in ids[i:i + RECOVER_AT_ONCE]))

    async def top_up(self) -> int:
        """Arm every pending job due within the horizon."""
        until = self.clock.now() + HORIZON
        rows = [r for r in await self.db.read(lambda c: jobreads.due_by(c, until)) if self._mine(r[2])]
        for job_id, at, _ in rows:
            self.alarm.set(job_id, at, rearm=False)
        self._armed_until = until
        self.alarm.rearm()
        return len(rows)

    async def advance(self, delta: timedelta, settle: Callable[[], Awaitable[None]] | None = None,
                      moved: Callable[[datetime], Awaitable[None]] | None = None) -> int:
        """Manual clock: move time forward, firing each job at its own due time, in order;
        `settle` after each, so what a job set off (a card's edit) happens at that time too.
        `moved` hears of each new time before anything happens at it (the console keeps it
        then, so a crash halfway never takes its clock back behind what it printed)."""
        clock = self.clock
        if not isinstance(clock, ManualClock):
            raise TypeError("only a manual clock can be moved on")
        target = clock.now() + delta
        fired, others = 0, [0]  # the jobs of spaces this process does not serve stay
        while True:
            row = await self.db.read(lambda c: jobreads.next_due(c, target, others))
            if row is None:
                break
            if not self._mine(row[2]):
                others.append(row[0])
                continue
            clock.set(row[1])
            if moved is not None:
                await moved(clock.now())
            await self._fire(row[0])
            if settle is not None:
                await settle()
            fired += 1
        clock.set(target)
        if moved is not None:
            await moved(target)
        return fired

    async def _fire_now(self, job_id: int) -> None:
        try:
            await self._fire(job_id)
        except Exception:  # a failed claim must not take the timer down
            log.exception("firing job %s failed", job_id)

    async def _fire(self, job_id: int) -> None:
        if self._stopping:
            return  # still pending: the next start runs it, under the grace rule
        now = self.clock.now()

        def claim(conn: sqlite3.Connection) -> Job | None:
            # Conditional on the state: of two processes firing the same job, the second's
            # update waits for the first's commit, then finds it no longer pending.
            return jobs.claim_due(conn, job_id, now, self.process)

        job = await self.db.write(claim)
        if job is None:
            return  # cancelled, moved later, backing off, or already taken
        await self._claimed(job, now)

    def _mine(self, space: str) -> bool:
        return not self.db.shared or self.serves(space)

    async def take_over(self) -> int:
        """Shared database: hand over to background tasks the jobs whose claim lapsed (its
        process died while sending) or that are overdue by a lease with nobody claiming them
        (their process is gone), where this process can post; how many were handed. Each is
        claimed when its task gets a slot and runs with its own key, so a send that reached
        the platform before the other process died is not repeated there (bot/takeover.py)."""
        if self._stopping:
            return 0
        return await self.taking.sweep()

    async def _claimed(self, job: Job, now: datetime) -> None:
        if self.metrics is not None:
            self.metrics.scheduler_lag.observe(max(0.0, (now - job.due_at).total_seconds()))
        # A crashed send taken over may be out: its skip is not said as missed (as in `recover`).
        if await self._too_late(job, now, tell=not job.resumed):
            return
        await self._run(job, again=job.attempts > 1)

    async def _too_late(self, job: Job, now: datetime, *, tell: bool = True) -> bool:
        """The grace rule: a job later than its grace is skipped (and logged), not sent."""
        grace_fn = self._grace.get(job.kind)
        grace = await grace_fn(job) if grace_fn else None
        late = now - job.due_at
        if grace is None or not too_late(late, grace):
            return False
        log.warning("skipped job %s (%s): %s late, grace %s", job.id, job.key, late, grace)
        missed = self._missed.get(job.kind) if tell else None
        if missed is not None:
            try:
                with resend.running(job.id, again=job.attempts > 1):
                    await missed(job)
            except Exception as e:  # the skip stands; the notice is a courtesy
                log.warning("could not say in the channel that job %s was passed over: %s", job.id, e)
        await self._mark(job.id, "skipped", forget=True)
        if self.metrics is not None:
            self.metrics.job(job.kind, "skipped")
        return True

    async def _run(self, job: Job, again: bool) -> None:  # again: claimed before, its sends may be out
        handler = self._handlers.get(job.kind)
        if handler is None:
            log.error("no handler for job kind %s (job %s); left in %s", job.kind, job.id, job.state)
            return
        try:
            async with lease.held(self.db, job.id, self.process, self.clock.now, self.renew_every):
                with resend.running(job.id, again) as run:
                    await handler(job)
        except Exception as e:
            gone = isinstance(e, DestinationGone)  # where it was for is gone: no retry reaches it
            if gone or job.attempts >= MAX_ATTEMPTS:
                log.log(logging.WARNING if gone else logging.ERROR, "job %s (%s) failed for good after %s "
                        "attempts: %s", job.id, job.key, job.attempts, e, exc_info=not gone)
                await self._mark(job.id, "failed", forget=True)
                if self.metrics is not None:
                    self.metrics.job(job.kind, "failed")
            else:  # an outage: one line per try, not a traceback each time. Try again after a
                # backoff (the grace rule still applies); same keys, so a send that reached the
                # platform before failing is not repeated there
                log.warning("job %s (%s) failed on attempt %s, will retry: %s", job.id, job.key, job.attempts, e)
                retry = self.clock.now() + timedelta(seconds=min(300, 5 * 2 ** min(job.attempts, 6)))
                await self.db.write(lambda c: jobs.retry_after(c, job.id, retry))
                self.arm(jobs.Handle(job.id, retry, job.space))
            return
        await self._mark(job.id, "sent", forget=run.has_marks)
        if self.metrics is not None:
            self.metrics.job(job.kind, "sent", (self.clock.now() - job.due_at).total_seconds())
        if self.record_fired:
            self.fired.append((job, self.clock.now()))

    async def _mark(self, job_id: int, state: str, *, forget: bool) -> None:
        at = self.clock.now()
        await self.db.write(lambda c: jobs.finish(c, job_id, state, at, forget_marks=forget))

    async def pending(self, key_prefix: str = "", *, running: bool = False) -> list[Job]:
        """Pending jobs whose key starts with `key_prefix` (running: those claimed now as well)."""
        return await self.db.read(lambda c: jobreads.pending(c, key_prefix, running=running))
