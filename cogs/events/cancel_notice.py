"""What is said when events are cancelled: `event cancel <id>` tells of the one event, `event
cancel <id> series` of every occurrence it ends, in one notice per channel (the event's own and
each linked one, with that channel's own people) mentioning each person who answered going,
waitlist or maybe to any of them once, and by direct message to those who asked (`notify dm`).

The notice is a job written in the same unit as the cancel and run right after its commit,
keyed by that cancel: a crash after the command leaves it to the next start (not lost), and a
re-run posts with the same keys (not twice). Which events it tells of is in the job; who is told
is read when it runs, and a cancelled event's answers no longer change.

A linked channel it could not be posted in gets it by a job of its own (`<key>@<channel>`), with
the key the first try used there, as reminders do. Once the last event it tells of has ended it
is no news: a notice run that late (a long outage) is skipped."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.adapter import DestinationGone
from bot.cog import CogHost
from bot.model import ChannelRef
from bot.render import Inline, Out, Text, Time, line
from bot.scheduler import Job

from . import repo
from .audience import Audience
from .notify import DirectMessages
from .reminders import Handle
from .render import cancelled_text, mentions
from .repo import Attendee, Event, Roster

log = logging.getLogger(__name__)
KIND = "event.cancelled"
DATED = 4  # up to this many ended occurrences are listed each with its date; more as a span
IDS_SHOWN = 12  # occurrence numbers listed in full before "and N more"


def ended_text(events: Sequence[Event], people: tuple[Attendee, ...]) -> Text:
    """A series ended from its first cancelled occurrence on: which were cancelled, when."""
    first, last = events[0], events[-1]
    which: list[Inline] = []
    if len(events) <= DATED:
        for i, e in enumerate(events):
            which += [", " if i else "", f"#{e.id} (", Time(e.starts_at), ")"]
        span: list[Inline] = []
    else:
        more = len(events) - IDS_SHOWN
        which.append(", ".join(f"#{e.id}" for e in events[:IDS_SHOWN]) + (f" and {more} more" if more > 0 else ""))
        span = [" (from ", Time(first.starts_at), " to ", Time(last.starts_at), ")"]
    lines = [line("❌ ", first.title, f" ended from #{first.id} on: ", *which,
                  " is" if len(events) == 1 else " are", " cancelled", *span, ", and no more will be posted.")]
    if people:
        lines.append(line("Heads up: ", *mentions(people, first.platform)))
    return Text(tuple(lines))


def _answered(rosters: Sequence[Roster]) -> tuple[Attendee, ...]:
    """Each person going, waitlisted or maybe at any of them, once, in the order first seen."""
    seen: dict[str, Attendee] = {}
    for r in rosters:
        for person in r.going + r.waitlist + r.maybe:
            seen.setdefault(person.user, person)
    return tuple(seen.values())


class CancelNotices:
    def __init__(self, bot: CogHost, audience: Audience, dms: DirectMessages) -> None:
        self.bot = bot
        self.audience = audience
        self.dms = dms

    def register(self) -> None:
        self.bot.scheduler.register(KIND, self._tell, grace=self._grace)

    def put(self, conn: sqlite3.Connection, cancelled: Sequence[Event], now: datetime, *,
            series: bool = False) -> Handle:
        """Inside the cancel's write unit: the notice of `cancelled` (a series end: its
        occurrences from the one it ends at on), keyed by that cancel. Run it with `send`
        after the commit."""
        first = cancelled[0]
        key = f"notice:series:{first.series_id}:from:{first.id}" if series else f"notice:event:{first.id}:cancelled"
        return self.bot.scheduler.put(conn, KIND, key, now, {"events": [e.id for e in cancelled],
                                                             "series": series}, first.space)

    async def send(self, notice: Handle) -> None:
        await self.bot.scheduler.run_now(notice)

    async def _grace(self, job: Job) -> timedelta | None:
        """Until the last event it tells of ends: later, nobody is helped by hearing of it."""
        ids = [int(i) for i in job.payload["events"]]
        events = await self.bot.db.read(lambda c: [e for e in (repo.get(c, i) for i in ids) if e is not None])
        return max(e.ends_at for e in events) - job.due_at if events else None

    async def _tell(self, job: Job) -> None:
        ids = [int(i) for i in job.payload["events"]]

        def read(conn: sqlite3.Connection) -> list[tuple[Event, Roster]]:
            events = [e for e in (repo.get(conn, i) for i in ids) if e is not None]
            return [(e, repo.roster(conn, e)) for e in sorted(events, key=lambda e: e.starts_at)]

        told = await self.bot.db.read(read)
        if not told:
            return
        events = [e for e, _ in told]
        people = _answered([r for _, r in told])
        channels: dict[str, ChannelRef] = {}  # the own channel first, then those any was shared into
        for e in events:
            for c in await self.audience.channels(e):
                channels.setdefault(c.key, c)
        # A linked channel's retry: said there alone, with the key the first try used there.
        first, only = events[0], job.payload.get("channel")
        key = str(job.payload.get("said") or job.idempotency_key)
        make: Callable[[Roster], Out]
        if job.payload.get("series"):
            make, roster = (lambda own: ended_text(events, own.going)), Roster(people, (), (), ())
            dm = ended_text(events, ())
        else:
            make, roster = (lambda own: cancelled_text(first, own)), told[0][1]
            dm = cancelled_text(first, Roster((), (), (), ()))
        try:
            failed = await self.audience.say(first, make, roster, key=key, only=only,
                                             channels=list(channels.values()))
        except DestinationGone:  # no channel left: those who asked for DMs still hear of it
            if only is None:
                await self.dms.send(people, dm, list(channels.values()), key=key)
            else:  # the linked channel is gone, not its people's DMs handed to this job
                await self._dms_there(job, people, dm, list(channels.values()), key)
            raise
        if only is not None:  # the DMs were the first run's, but for those it could not try
            await self._dms_there(job, people, dm, list(channels.values()), key)
            return
        await self._again(job, failed)
        # After the channel posts (which the job's key keeps single): a re-run DMs each once.
        await self.dms.send(people, dm, list(channels.values()), key=key)

    async def _dms_there(self, job: Job, people: Sequence[Attendee], dm: Out, channels: list[ChannelRef],
                         key: str) -> None:
        """A linked channel's job that carries the DMs the first run could not try (`_again`): to
        those of its channel's platform, with the keys the first run would have used."""
        if job.payload.get("dms"):
            platform = str(job.payload["channel"]).partition(":")[0]
            await self.dms.send([p for p in people if p.user.partition(":")[0] == platform], dm, channels, key=key)

    async def _again(self, job: Job, channels: Sequence[ChannelRef]) -> None:
        """Each linked channel the notice could not be posted in gets it by a job of that
        channel's space, due when this one was (`Reminders._again`)."""
        if not channels:
            return
        scheduler = self.bot.scheduler
        handles = await self.bot.db.write(lambda conn: [scheduler.put(
            conn, KIND, f"{job.key}@{c.key}", job.due_at,
            {**job.payload, "channel": c.key, "said": job.idempotency_key,
             # its platform not run here: its people's DMs were not tried (`DirectMessages.send`)
             **({"dms": True} if self.bot.capabilities(c.platform) is None else {})}, c.space.key)
            for c in {c.key: c for c in channels}.values()])
        for handle in handles:
            scheduler.arm(handle)
