"""Promotions found by a start's re-reading in linked spaces, held until the promoted person's
own platform has had its cards read too (PRODUCT.md "Capacity and waitlist", "Linked spaces").

At start each platform's cards are read on their own, one platform after the other. A place
freed on the first may go to someone waiting on the second who took their ✅ back there while the
bot was away: told at once, they would hear "you're in" and then be shown as not going. So a
promotion that a reading makes, of someone on a platform that carries the event (a live card
there, run by this process) and is still starting (its cards not read since this process
started), is a job that says it (`KIND`), due after `HOLD`, written in the reading's unit; a
live change's promotion (an RSVP, a new capacity) is held alike, in the change's own unit, so
the change never lands without what says it. When that platform's reading of the
event has been applied (or it ends with nothing to apply), the job is cancelled and one due now
takes its place, in one unit, so it is said once; whoever is told is decided when it runs, from
what the store says then: only if the person is still in, with the same place in the queue they
were promoted with. Whatever tells them they are in meanwhile, or moves them to the waitlist,
cancels it (`drop`, `told`). A platform that does not read by then (it never connects) holds
nobody longer than `HOLD`: the job runs with what the store knows. A job outlives a stop, and a
re-run keeps its keys."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from bot.adapter import NotServedHere
from bot.cog import CogHost
from bot.scheduler import Job
from bot.stores import StorageError

from . import repo
from .audience import Audience, platform_of
from .notify import DirectMessages
from .render import promoted_text
from .repo import Attendee, Event

log = logging.getLogger(__name__)
KIND = "event.promoted"
# Longer than a platform takes to connect and read its cards at start; past it, from this
# process's start, nothing more is held.
HOLD = timedelta(minutes=10)


def _key(event_id: int, user: str, seq: int, mark: str) -> str:
    # The trailing mark keeps a prefix cancel of one to that one job.
    return f"event:{event_id}:promoted:{user}:{seq}:{mark}."


class HeldPromotions:
    def __init__(self, bot: CogHost, cog: str, audience: Audience, dms: DirectMessages) -> None:
        self.bot, self.cog, self.audience, self.dms = bot, cog, audience, dms
        self._read: dict[int, set[str]] = {}  # event -> platforms whose reading was applied
        self._since = bot.clock.monotonic()
        self._timers: set[asyncio.Task[None]] = set()

    def register(self) -> None:
        self.bot.scheduler.register(KIND, self._tell)
        self.bot.on_started(self.started)

    def unread(self, event_id: int) -> set[str]:
        """The platforms carrying the event whose adapter is still starting (its cards not read
        since this process started) and whose cards of this event were not read yet, while the
        hold lasts (none after it). An event made or shared once a platform had started holds
        nothing for it: nobody answered on its card there while the bot was away."""
        if self._past(HOLD):
            return set()
        carrying = {m.platform for m in self.bot.tracked_messages(self.cog, "event", event_id)
                    if self.bot.starting(m.platform)}
        return carrying - self._read.get(event_id, set())

    def _past(self, hold: timedelta) -> bool:
        return self.bot.clock.monotonic() - self._since >= hold.total_seconds()

    def hold(self, conn: sqlite3.Connection, event: Event, people: Sequence[Attendee],
             now: datetime) -> list[tuple[int, datetime]]:
        """Inside the reading's unit: a held job for each of `people`, just promoted."""
        handles: list[tuple[int, datetime]] = []
        for person in people:
            seq = _seq(conn, event.id, person.user)
            if seq is not None:
                handles.append(self.bot.scheduler.put(
                    conn, KIND, _key(event.id, person.user, seq, "held"), now + HOLD,
                    {"event": event.id, "user": person.user, "name": person.name, "seq": seq}, event.space))
        return handles

    def after_commit(self, handles: Sequence[tuple[int, datetime]]) -> None:
        """Set the held jobs' alarms. The scheduler may not run yet (a platform still connecting
        at start): a timer of its own runs them at their time then."""
        for handle in handles:
            self.bot.scheduler.arm(handle)
            if not self.bot.clock.manual:  # a manual clock runs due jobs as it is moved on
                task = asyncio.create_task(self._later(handle))
                self._timers.add(task)
                task.add_done_callback(self._timers.discard)

    async def _later(self, handle: tuple[int, datetime]) -> None:
        await self.bot.clock.sleep(max(0.0, (handle[1] - self.bot.clock.now()).total_seconds()))
        await self.bot.scheduler.run_now(handle)  # claimed once, by whichever runs it first

    def hold_live(self, conn: sqlite3.Connection, event: Event, promoted: Sequence[Attendee],
                  unread: set[str], now: datetime) -> tuple[list[Attendee], list[tuple[int, datetime]]]:
        """Inside a live change's own unit (an RSVP, a new capacity), which promoted `promoted`:
        those on a platform in `unread` (read before the unit) are held as a reading's are (they
        may have said no there while the bot was away), in the change's commit, so the change
        and its hold land together or not at all. The rest, returned, are told now; and the
        held jobs, for `landed` once committed."""
        told, held = split(promoted, unread)
        return told, self.hold(conn, event, held, now) if held else []

    async def landed(self, event_id: int, handles: Sequence[tuple[int, datetime]]) -> None:
        """After the commit of a unit that held live promotions (`hold_live`): what a reading
        that landed meanwhile no longer holds is said now. That is only sooner: the jobs are
        written, so a store that fails here leaves them to their platform's start or the hold's
        end, and whoever the same change promoted to be told now still is."""
        if not handles:
            return
        self.after_commit(handles)
        try:
            await self._release(event_id)
        except StorageError as e:
            log.warning("held promotions of event %s are said later: %s", event_id, e)

    async def read(self, event_id: int, platform: str) -> None:
        """`platform`'s cards of the event were read and applied: say now what was held for its
        people (and for those of platforms no longer waited for). Whatever the event is now: one
        whose capacity was taken away meanwhile still has its held ones to say."""
        self._read.setdefault(event_id, set()).add(platform)
        await self._release(event_id)

    async def started(self, platform: str) -> None:
        """`platform` has finished starting: what is held for its people is said now, also where
        its card of the event was not part of that reading (deleted meanwhile, unreadable)."""
        if self._past(2 * HOLD):
            return
        held = [j for j in await self.bot.scheduler.pending("event:")
                if j.kind == KIND and j.key.endswith(":held.") and platform_of(_person(j)) == platform]
        for event_id in sorted({int(j.payload["event"]) for j in held}):
            await self._release(event_id)

    async def _release(self, event_id: int) -> None:
        """Held jobs of the event whose person's platform is no longer waited for: cancelled,
        and one due now put in their place, in one unit."""
        if self._past(2 * HOLD):  # whatever was held is due by then: nothing to say sooner
            return
        held = await self.bot.scheduler.pending(f"event:{event_id}:promoted:")
        unread = self.unread(event_id)
        due = [j for j in held if j.key.endswith(":held.") and platform_of(_person(j)) not in unread]
        if not due:
            return
        now = self.bot.clock.now()

        def release(conn: sqlite3.Connection) -> list[tuple[int, datetime]]:
            out: list[tuple[int, datetime]] = []
            for job in due:  # only a job still pending: one already run or released is not said again
                if self.bot.scheduler.cancel(conn, job.key):
                    p = job.payload
                    out.append(self.bot.scheduler.put(conn, KIND, _key(event_id, p["user"], p["seq"], "now"),
                                                      now, p, job.space))
            return out

        for handle in await self.bot.db.write(release):
            await self.bot.scheduler.run_now(handle)

    def drop(self, conn: sqlite3.Connection, event_id: int, users: Collection[str]) -> None:
        """Inside a unit that tells `users` they are in some other way, or moves them to the
        waitlist: what was held for them is not said (a move to the waitlist and back keeps
        their place in the queue, so the job's own look would find them in as promoted)."""
        for user in users:
            seq = _seq(conn, event_id, user)
            if seq is not None:
                for mark in ("held", "now", "there"):
                    self.bot.scheduler.cancel(conn, _key(event_id, user, seq, mark))

    async def told(self, event_id: int, users: Collection[str]) -> None:
        """Before `users` are told they are in by a live change committed just now: what was
        held for them goes (a stop in between leaves it to say so, once)."""
        if self._past(2 * HOLD):  # whatever was held is due by then
            return
        held = await self.bot.scheduler.pending(f"event:{event_id}:promoted:")
        if any(str(j.payload.get("user")) in users for j in held):
            await self.bot.db.write(lambda c: self.drop(c, event_id, users))

    async def elsewhere(self, event: Event, person: Attendee, *, rerun: bool = False) -> bool:
        """A promotion of someone whose platform this process does not run (a cluster's other
        process has it): said by a job of the space of their channel of the event, run there
        (`_tell`: that channel, their DM), once, under the key of this promotion. `rerun`: a
        held job's, which may be running again after a crash: a `there` job it already wrote
        (said, or cancelled since) is not written again, as that would say it a second time.
        False: the event has no channel of their platform, so it is said here as before."""
        there = next((c for c in await self.audience.channels(event) if c.platform == platform_of(person)), None)
        if there is None:
            return False
        now = self.bot.clock.now()

        def unit(conn: sqlite3.Connection) -> tuple[int, datetime] | None:
            seq = _seq(conn, event.id, person.user)
            key = None if seq is None else _key(event.id, person.user, seq, "there")
            if key is None or (rerun and self.bot.scheduler.exists(conn, [key])):
                return None
            return self.bot.scheduler.put(
                conn, KIND, key, now,
                {"event": event.id, "user": person.user, "name": person.name, "seq": seq}, there.space.key)

        handle = await self.bot.db.write(unit)
        if handle is not None:
            self.bot.scheduler.arm(handle)
        return True

    async def _tell(self, job: Job) -> None:
        p = job.payload
        event_id, user, seq = int(p["event"]), str(p["user"]), int(p["seq"])
        now = self.bot.clock.now()

        there = None if job.key.endswith(":there.") else _key(event_id, user, seq, "there")

        def read(conn: sqlite3.Connection) -> tuple[Event, str] | None:
            # A run of it, in a process without their platform, handed it to its `there` job: that
            # job says it (or was cancelled, as this one would be), wherever this run is.
            if there is not None and self.bot.scheduler.exists(conn, [there]):
                return None
            event = repo.get(conn, event_id)
            if event is None or event.cancelled or event.over(now) or _seq(conn, event_id, user) != seq:
                return None
            if user not in repo.in_users(conn, event):
                return None
            row = conn.execute("SELECT name FROM rsvps WHERE event_id=? AND user=?", (event_id, user)).fetchone()
            return event, row[0]

        found = await self.bot.db.read(read)
        if found is None:  # handed over, took it back, or the event closed, since: nothing to say
            return
        event, name = found
        person = Attendee(user, name)
        if self.bot.capabilities(platform_of(person)) is None:
            if job.key.endswith(":there."):  # its platform is not here now: tried again, as a relay is
                raise NotServedHere(f"{platform_of(person)} is not run by this process")
            if await self.elsewhere(event, person, rerun=True):
                return
        said = promoted_text(event, person)
        channels = await self.audience.channels(event)
        where = next((c for c in channels if c.platform == platform_of(person)), channels[0])
        await self.bot.send(where, said, idempotency_key=job.idempotency_key)
        await self.dms.send([person], said, channels, key=job.idempotency_key)


def _seq(conn: sqlite3.Connection, event_id: int, user: str) -> int | None:
    """The person's place in the going queue (when they last became going); None: not going."""
    row = conn.execute("SELECT going_seq FROM rsvps WHERE event_id=? AND user=? AND status='going'",
                       (event_id, user)).fetchone()
    return int(row[0]) if row else None


def _person(job: Job) -> Attendee:
    return Attendee(str(job.payload["user"]), str(job.payload.get("name", "")))


def split(people: Collection[Attendee], unread: set[str]) -> tuple[list[Attendee], list[Attendee]]:
    """(told now, held): a promotion of someone whose platform is still to be read is held."""
    now = [p for p in people if platform_of(p) not in unread]
    return now, [p for p in people if platform_of(p) in unread]
