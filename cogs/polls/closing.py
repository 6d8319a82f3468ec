"""Closing a poll and saying its results once. A part of the polls cog (a mixin).

The results are owed from the moment the close commits: a close by command or by another
feature (`close_agreed`) writes, in the same unit, a job that says them (`poll.said`, due
then, run right after the commit), so a process killed between the close and the post leaves
the job to the next start (or to another process of a cluster, once its claim lapses), which
posts with the job's key: said after the restart, and not twice where the first try landed. A
close at the deadline is a job already (`poll.close`), and says them with its own key. A
command's results are posted by its run of the job too, under the job's keys (not as a
reply, which no platform takes a key for): a kill after they landed and before the job was
marked done leaves a re-run that is the same delivery, not a second one."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.jobs import Handle
from bot.model import ChannelRef
from bot.scheduler import Job, Scheduler

from . import repo
from .linked import LinkedPolls
from .render import results_text
from .repo import Poll

SAID = "poll.said"


def close_key(poll_id: int) -> str:
    return f"poll:{poll_id}:close"


def said_key(poll_id: int) -> str:
    return f"poll:{poll_id}:said"


class PollClosing(LinkedPolls):
    scheduler: Scheduler

    async def freeze(self, poll_id: int) -> None:
        raise NotImplementedError

    def register_closing(self) -> None:
        self.scheduler.register("poll.close", self._close_job)  # no grace: a late close still closes
        self.scheduler.register(SAID, self._said_job)  # no grace: results owed are said however late

    def owe_results(self, conn: sqlite3.Connection, poll: Poll, now: datetime,
                    here: ChannelRef | None = None) -> Handle | None:
        """In the close's unit: the job that says the results (also `here`, where a command
        closing it was typed), unless the poll's own deadline job is claimed (it closes it too
        and says them itself, with its key)."""
        if self.scheduler.claimed(conn, close_key(poll.id)):
            return None
        payload: dict[str, object] = {"poll_id": poll.id}
        if here is not None:
            payload["here"] = [here.platform, here.id, here.space_id]
        return self.scheduler.put(conn, SAID, said_key(poll.id), now, payload, poll.space)

    async def _close_job(self, job: Job) -> None:
        await self._close(int(job.payload["poll_id"]), idempotency_key=job.idempotency_key)

    async def close_poll(self, poll_id: int, *, closed: bool = False) -> None:
        if not closed:
            await self._close(poll_id)
            return
        # Closed in the caller's unit (`close_agreed`), which wrote the results job: run it now.
        for job in await self.scheduler.pending(said_key(poll_id)):
            await self.scheduler.run_now(Handle(job.id, job.due_at, job.space))

    async def _close(self, poll_id: int, *, here: ChannelRef | None = None,
                     idempotency_key: str | None = None) -> Poll | None:
        """Close (if open), say the results, freeze the card. `idempotency_key`: the deadline
        job's, which says them itself (again on a re-run, under the same key)."""
        now = self.bot.clock.now()

        def unit(conn: sqlite3.Connection) -> tuple[bool, Poll | None, Handle | None]:
            closed_now = repo.close(conn, poll_id, now)
            self.scheduler.cancel(conn, close_key(poll_id))
            poll = repo.get(conn, poll_id)
            owed = (self.owe_results(conn, poll, now, here) if closed_now and poll and not idempotency_key
                    else None)
            return closed_now, poll, owed

        closed_now, poll, owed = await self.db.write(unit)
        if poll is None:
            return None
        if owed is not None:
            await self.scheduler.run_now(owed)
        elif idempotency_key:
            await self._say(poll, idempotency_key)
        await self.freeze(poll_id)
        return poll

    async def _said_job(self, job: Job) -> None:
        poll = await self.get(int(job.payload["poll_id"]))
        if poll is None or not poll.closed:
            return
        here = job.payload.get("here")
        await self._say(poll, job.idempotency_key, ChannelRef(*here) if isinstance(here, list) else None)
        await self.freeze(poll.id)

    async def _say(self, poll: Poll, key: str, here: ChannelRef | None = None) -> None:
        """The results where a command closing it was typed (first: its answer), in the poll's
        own channel and in each linked one, each under a key of the job's."""
        tally = await self.db.read(lambda c: repo.tally(c, poll))
        out = results_text(poll, tally)
        own = ChannelRef(poll.platform, poll.channel_id, poll.space.partition(":")[2])
        said_in = None
        if here is not None and here.key != own.key:
            # The key a linked channel's post takes: the same post, however it is reached.
            await self.bot.send(here, out, idempotency_key=f"{key}@{here.key}")
            said_in = here.key
        await self.bot.send(own, out, idempotency_key=key)
        await self._say_results(poll, out, key, said_in=said_in)
