"""Reminders of events: one job per offset of the space's `reminders` setting, written in
the same unit as the event change that causes them, posted exactly once by the
scheduler; the job that archives an event's cards a day after it ends; and, written with them,
the turnout jobs (check-in opening, the follow-up: turnout.py, which runs the archive too)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from bot.adapter import DestinationGone
from bot.cog import CogHost
from bot.model import ChannelRef, SpaceRef
from bot.render import Out
from bot.scheduler import Job, too_late
from bot.settings import SettingSpec, duration_within
from bot.timeparse import format_duration

from . import repo
from .notify import DirectMessages
from .reminder_offsets import format_offsets, parse_offsets
from .render import going_too, missed_text, parts, reminder_dm_text, reminder_text
from .repo import Event

if TYPE_CHECKING:
    from .audience import Audience

log = logging.getLogger(__name__)

# A day after it ends, an event's cards stop being live: no more edits or reconciling at
# every start for meetups long past.
ARCHIVE_AFTER = timedelta(days=1)
# A reminder a week late says nothing the event's card does not; below a minute is no grace.
GRACE = duration_within(timedelta(minutes=1), timedelta(days=7), "from 1m to 7d")

Handle = tuple[int, datetime]


@dataclass(frozen=True, slots=True)
class Plan:
    """What a space's event jobs are timed by: its reminder offsets and its check-in window."""

    offsets: tuple[timedelta, ...]
    window: timedelta


# Writes an event's other jobs in the same unit (turnout.py): (conn, event, plan, now) -> handles
# The last argument: the event was inserted by the calling unit (see Reminders.schedule).
MoreJobs = Callable[[sqlite3.Connection, Event, Plan, datetime, bool], list[Handle]]



def _said_key(job: Job) -> str:
    """The key a reminder is posted with: its job's, or for a linked channel's retry the
    first job's, so what reached a channel once is not posted there again."""
    return str(job.payload.get("said") or job.idempotency_key)


def event_channel(event: Event) -> ChannelRef:
    return ChannelRef(event.platform, event.channel_id, event.space.partition(":")[2])


class Reminders:
    def __init__(self, bot: CogHost, cog: str, dms: DirectMessages,
                 in_thread: Callable[[Event, Out, str], Awaitable[None]], audience: Audience,
                 more: MoreJobs | None = None) -> None:
        self.bot = bot
        self.cog = cog
        self.dms = dms
        self.audience = audience
        self.in_thread = in_thread  # said again in the event's own thread, where it has one (native.py)
        self.more = more

    def register(self) -> None:
        settings, scheduler = self.bot.settings, self.bot.scheduler
        settings.register(SettingSpec("reminders", "24h,1h", parse_offsets,
                                      "comma-separated durations from 1m to 30d, e.g. 24h,1h, or off",
                                      "when reminders are posted before an event",
                                      normalize=format_offsets))
        settings.register(SettingSpec("reminders.grace", "1h", GRACE,
                                      "a duration from 1m to 7d, e.g. 30m or 2h",
                                      "how late a reminder may still be posted after downtime",
                                      normalize=format_duration))
        settings.watch("reminders", self.reschedule_space)
        settings.watch("checkin.window", self.reschedule_space)
        scheduler.register("event.reminder", self._remind, grace=self._grace, missed=self._missed)

    async def plan(self, space: SpaceRef) -> Plan:
        settings = self.bot.settings
        return Plan(await settings.get(space, "reminders"), await settings.get(space, "checkin.window"))

    def schedule(self, conn: sqlite3.Connection, event: Event, plan: Plan,
                 now: datetime, *, fresh: bool = False) -> list[Handle]:
        """Inside the caller's write unit: replace the event's pending reminders with one
        per offset still ahead (and its other jobs). Arm the returned handles after the commit.
        `fresh`: the unit inserted the event, so no job of its id can exist yet (ids are never
        reused): nothing to cancel, and not scanning for it keeps the unit from reading the
        jobs index pages that other processes' new events write to (SERIALIZABLE conflicts)."""
        scheduler = self.bot.scheduler
        if not fresh:
            scheduler.cancel(conn, f"event:{event.id}:reminder:")
        if event.cancelled:
            return []
        handles: list[Handle] = [scheduler.put(conn, "event.archive", f"event:{event.id}:archive",
                                               event.ends_at + ARCHIVE_AFTER, {"event_id": event.id},
                                               event.space)]
        if self.more is not None:
            handles += self.more(conn, event, plan, now, fresh)
        for offset in plan.offsets:
            due = event.starts_at - offset
            # An offset reached at this very moment (an event made "in 1 hour" with a 1h
            # reminder) is still ahead of the start: it is posted now, not dropped.
            if due >= now:
                handles.append(scheduler.put(
                    conn, "event.reminder", f"event:{event.id}:reminder:{int(offset.total_seconds())}",
                    due, {"event_id": event.id}, event.space))
        return handles

    def arm(self, handles: Sequence[Handle]) -> None:
        for h in handles:
            self.bot.scheduler.arm(h)

    async def reschedule_space(self, space: SpaceRef) -> None:
        plan = await self.plan(space)
        now = self.bot.clock.now()

        def unit(conn: sqlite3.Connection) -> list[Handle]:
            return [h for e in repo.upcoming(conn, space.key, now, limit=10_000)
                    for h in self.schedule(conn, e, plan, now)]

        self.arm(await self.bot.db.write(unit))

    async def _grace(self, job: Job) -> timedelta:
        return await self.bot.settings.get(SpaceRef.from_key(job.space), "reminders.grace")  # type: ignore[no-any-return]

    async def _missed(self, job: Job) -> None:
        """A reminder skipped after downtime is said in the channel, not only logged: once for the
        event, by the last of its reminders the outage made too late (each earlier one leaves
        it to that one, which is claimed as it is or waits to be)."""
        event = await self.bot.db.read(lambda c: repo.get(c, int(job.payload["event_id"])))
        now = self.bot.clock.now()
        if event is None or event.cancelled or event.over(now):
            return
        grace = await self._grace(job)
        if job.payload.get("channel") is None and any(
                later.due_at > job.due_at and too_late(now - later.due_at, grace)
                for later in await self.bot.scheduler.pending(f"event:{event.id}:reminder:", running=True)):
            log.info("reminder %s missed: said with the event's later one, also missed", job.key)
            return
        said = missed_text(event, job.due_at, now)
        await self.audience.say(event, lambda _: said, repo.Roster((), (), (), ()),
                                key=_said_key(job) + "-missed", only=job.payload.get("channel"))

    async def _again(self, job: Job, event: Event, channels: Sequence[ChannelRef]) -> None:
        """A linked channel that could not be posted in gets the reminder by a job of its own,
        due when this one was, posting with the keys this one used there: retried alone, the
        channels that have it are not posted in twice. The job is its channel's space's (run
        by a process that serves it, within that space's grace). Its key is the event's
        (`event:<id>:relay:`), so a cancel ends it, but not its reminders': rescheduling them
        (an edit of the end, a settings change) recreates only those still ahead, and would
        lose it. It holds the start it was for, and a start moved since makes it moot."""
        if not channels:
            return
        scheduler = self.bot.scheduler
        relay = f"event:{event.id}:relay:{job.key.rpartition(':')[2]}"
        self.arm(await self.bot.db.write(lambda conn: [scheduler.put(
            conn, "event.reminder", f"{relay}@{channel.key}", job.due_at,
            {**job.payload, "channel": channel.key, "said": job.idempotency_key,
             "starts_at": event.starts_at.timestamp(), **self._dms_there(channel)}, channel.space.key)
            for channel in {c.key: c for c in channels}.values()]))

    def _dms_there(self, channel: ChannelRef) -> dict[str, bool]:
        """A channel of a platform this process does not run: its people's DMs were not even
        tried here (`DirectMessages.send`), so its job, run where that platform is, sends them."""
        return {"dms": True} if self.bot.capabilities(channel.platform) is None else {}

    async def _dm_there(self, job: Job, event: Event, roster: repo.Roster, now: datetime) -> None:
        """A relay's DMs (`_dms_there`): to those going on its channel's platform, with the keys
        the first job would have sent them with."""
        platform = str(job.payload["channel"]).partition(":")[0]
        if job.payload.get("dms"):
            await self.dms.send([p for p in roster.going if p.user.partition(":")[0] == platform],
                                reminder_dm_text(event, now), await self.audience.channels(event),
                                key=_said_key(job))

    async def _remind(self, job: Job) -> None:
        event_id = int(job.payload["event_id"])

        def read(conn: sqlite3.Connection) -> tuple[Event | None, repo.Roster | None]:
            event = repo.get(conn, event_id)
            return event, repo.roster(conn, event) if event else None

        event, roster = await self.bot.db.read(read)
        if event is None or event.cancelled or roster is None:
            return  # cancelling cancels the jobs too; this guards a race with a cancel in flight
        now = self.bot.clock.now()
        if event.over(now):
            # Posted late past the end (a grace longer than the event): it would help nobody.
            log.warning("skipped reminder %s: event %s ended before it could be posted", job.key, event.id)
            return
        key, only = _said_key(job), job.payload.get("channel")
        if only is None and any(now >= later.due_at > job.due_at for later in
                                await self.bot.scheduler.pending(f"event:{event.id}:reminder:", running=True)):
            # Both late after downtime: they would say the same ("starts in 10 minutes") twice.
            log.info("reminder %s superseded by the event's later one, also due", job.key)
            return
        start = event.starts_at.timestamp()
        if only is not None and job.payload.get("starts_at", start) != start:
            log.info("dropped reminder %s: event %s moved since it was due", job.key, event.id)
            return
        failed: list[ChannelRef] = []
        try:
            failed += await self.audience.say(event, lambda own: reminder_text(event, own, now), roster,
                                              key=key, only=only)
            for part in range(1, parts(len(roster.going))):  # everyone going is mentioned
                failed += await self.audience.say(event, partial(going_too, event, part=part), roster,
                                                  key=f"{key}-going{part}", only=only)
        except DestinationGone:  # no channel left to post in: those who asked for DMs still get one
            if only is not None:
                await self._dm_there(job, event, roster, now)
            else:  # and a linked channel an earlier part failed in, its retry
                await self._again(job, event, failed)
                await self.dms.send(roster.going, reminder_dm_text(event, now), await self.audience.channels(event),
                                    key=job.idempotency_key)
            raise
        if only is not None:  # the thread and the DMs were the first run's, but for those it could not try
            await self._dm_there(job, event, roster, now)
            return
        await self._again(job, event, failed)
        # Said again where the event is discussed, without pinging everyone a second time.
        await self.in_thread(event, reminder_dm_text(event, now), job.idempotency_key + "-thread")
        # After the channel post (which the job's key keeps single): a failed DM never makes
        # the job run again, and one re-sent after a crash lands once by its key.
        await self.dms.send(roster.going, reminder_dm_text(event, now), await self.audience.channels(event),
                            key=job.idempotency_key)
