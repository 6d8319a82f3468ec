"""Closing a poll and saying its results once. A part of the polls cog (a mixin).

The results are owed from the moment the close commits: a close by command or by another
feature (`close_agreed`) writes, in the same unit, a job that says them (`poll.said`, due
then, run right after the commit), so a process killed between the close and the post leaves
the job to the next start (or to another process of a cluster, once its claim lapses), which
posts with the job's key: said after the restart, and not twice where the first try landed. A
close at the deadline is a job already (`poll.close`), and says them with its own key. A
command's own run of the job answers the command with them where it was typed."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.jobs import Handle
from bot.model import ChannelRef
from bot.render import Out
from bot.scheduler import Job, Scheduler

from . import repo
from .linked import LinkedPolls
from .render import results_text
from .repo import Poll

SAID = "poll.said"
Reply = Callable[[Out], Awaitable[object]]


def close_key(poll_id: int) -> str:
    return f"poll:{poll_id}:close"


def said_key(poll_id: int) -> str:
    return f"poll:{poll_id}:said"


class PollClosing(LinkedPolls):
    scheduler: Scheduler
    # A command's reply, for its own run of the results job (in this process, its first try).
    _replies: dict[int, tuple[Reply, ChannelRef | None]]

    async def freeze(self, poll_id: int) -> None:
        raise NotImplementedError

    def register_closing(self) -> None:
        self._replies = {}
        self.scheduler.register("poll.close", self._close_job)  # no grace: a late close still closes
        self.scheduler.register(SAID, self._said_job)  # no grace: results owed are said however late

    def owe_results(self, conn: sqlite3.Connection, poll: Poll, now: datetime) -> Handle | None:
        """In the close's unit: the job that says the results, unless the poll's own deadline
        job is claimed (it closes it too and says them itself, with its key)."""
        if self.scheduler.claimed(conn, close_key(poll.id)):
            return None
        return self.scheduler.put(conn, SAID, said_key(poll.id), now, {"poll_id": poll.id}, poll.space)

    async def discard(self, key: str) -> None:
        made = await self.db.read_small(lambda c: repo.made_for(c, key))
        if made is None or self.bot.tracked_messages(self.name, "poll", made.id):
            return  # a card of it is out: it closes as any poll does
        now = self.bot.clock.now()

        def unit(conn: sqlite3.Connection) -> None:
            repo.discard(conn, made.id, now)
            self.scheduler.cancel(conn, f"poll:{made.id}:")  # its close, and any card's retry

        await self.db.write(unit)

    async def _close_job(self, job: Job) -> None:
        await self._close(int(job.payload["poll_id"]), idempotency_key=job.idempotency_key)

    async def close_poll(self, poll_id: int, *, closed: bool = False) -> None:
        if not closed:
            await self._close(poll_id)
            return
        # Closed in the caller's unit (`close_agreed`), which wrote the results job: run it now.
        for job in await self.scheduler.pending(said_key(poll_id)):
            await self.scheduler.run_now(Handle(job.id, job.due_at, job.space))

    async def _close(self, poll_id: int, *, reply: Reply | None = None, here: ChannelRef | None = None,
                     idempotency_key: str | None = None) -> Poll | None:
        """Close (if open), say the results, freeze the card. `idempotency_key`: the deadline
        job's, which says them itself (again on a re-run, under the same key)."""
        now = self.bot.clock.now()

        def unit(conn: sqlite3.Connection) -> tuple[bool, Poll | None, Handle | None]:
            closed_now = repo.close(conn, poll_id, now)
            self.scheduler.cancel(conn, close_key(poll_id))
            poll = repo.get(conn, poll_id)
            owed = self.owe_results(conn, poll, now) if closed_now and poll and not idempotency_key else None
            return closed_now, poll, owed

        closed_now, poll, owed = await self.db.write(unit)
        if poll is None:
            return None
        if owed is not None:
            if reply is not None:
                self._replies[poll_id] = (reply, here)
            try:
                await self.scheduler.run_now(owed)
            finally:
                self._replies.pop(poll_id, None)
        elif idempotency_key:
            await self._say(poll, idempotency_key)
        await self.freeze(poll_id)
        return poll

    async def _said_job(self, job: Job) -> None:
        poll = await self.get(int(job.payload["poll_id"]))
        if poll is None or not poll.closed:
            return
        # Only the command's own first try answers it; a re-run (after a failure, a restart,
        # in another process) posts with the job's key, so what landed is not said again.
        hook = self._replies.pop(poll.id, None) if job.attempts == 1 and not job.resumed else None
        await self._say(poll, job.idempotency_key, hook)
        await self.freeze(poll.id)

    async def _say(self, poll: Poll, key: str, hook: tuple[Reply, ChannelRef | None] | None = None) -> None:
        """The results in the poll's own channel and each linked one (a command's reply says
        them where it was typed)."""
        tally = await self.db.read(lambda c: repo.tally(c, poll))
        out = results_text(poll, tally)
        own = ChannelRef(poll.platform, poll.channel_id, poll.space.partition(":")[2])
        said_in = None
        if hook is not None:
            reply, here = hook
            where = here or own
            # Marked as the send a re-run makes there (its key), before the reply: killed after
            # the reply and before the job is done, the re-run finds it and says nothing more.
            await self.bot.mark_sends([(where, out, key if where.key == own.key else f"{key}@{where.key}")])
            await reply(out)
            said_in = where.key
        if said_in != own.key:
            await self.bot.send(own, out, idempotency_key=key)
        await self._say_results(poll, out, key, said_in=said_in)
