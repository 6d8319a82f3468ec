"""A time change told (PRODUCT.md "Direct messages": time changes also come by DM): in the event's
channels, and by DM to those who asked. A DM this process cannot even try (the person's platform
runs in a cluster's other process, or not here now) is handed to a job (`KIND`) of the space of
the event's channel on that platform, run where that platform runs, once: its key is of that
time and channel, and each DM's of the job's. What it keeps is whom and which time, never what
was said: the DM is made from the event when it runs. A later move drops it (that move has its
own), as does the event's end or cancel."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence

from bot.adapter import NotServedHere
from bot.cog import CogHost
from bot.model import UserRef
from bot.scheduler import Job

from . import repo
from .audience import Audience
from .notify import DirectMessages
from .reminders import Handle
from .render import moved_text
from .repo import Event, Roster

log = logging.getLogger(__name__)
KIND = "event.moved_dm"
NOBODY = Roster((), (), (), ())  # a direct message is for one person: no heads-up to all


class TimeChanges:
    def __init__(self, bot: CogHost, audience: Audience, dms: DirectMessages) -> None:
        self.bot, self.audience, self.dms = bot, audience, dms

    def register(self) -> None:
        self.bot.scheduler.register(KIND, self._tell)

    def dropped(self, conn: sqlite3.Connection, before: Event, after: Event) -> None:
        """Inside an edit's unit: a new start drops the DMs of its earlier ones still handed to a
        job (a move back to a time would have one of that time said again, after its own)."""
        if after.starts_at != before.starts_at:
            self.bot.scheduler.cancel(conn, f"event:{after.id}:moved:")

    async def tell(self, event: Event, roster: Roster) -> None:
        await self.audience.say(event, lambda own: moved_text(event, own), roster)
        channels = await self.audience.channels(event)
        elsewhere = await self.dms.send(roster.going + roster.waitlist + roster.maybe,
                                        moved_text(event, NOBODY), channels)
        if elsewhere:
            await self._hand(event, elsewhere)

    async def _hand(self, event: Event, people: Sequence[UserRef]) -> None:
        """A job for each platform of `people`, in the space of the event's channel there."""
        jobs: list[tuple[str, str, list[str]]] = []  # (channel, space, users)
        for channel in await self.audience.channels(event):
            users = [p.key for p in people if p.platform == channel.platform]
            if users and all(j[0].partition(":")[0] != channel.platform for j in jobs):
                jobs.append((channel.key, channel.space.key, users))
        if not jobs:  # no channel of their platform: no process of it is known to tell them
            log.warning("time change of event %s: no channel to hand %s DMs to", event.id, len(people))
            return
        at, now = event.starts_at.timestamp(), self.bot.clock.now()

        def unit(conn: sqlite3.Connection) -> list[Handle]:
            return [self.bot.scheduler.put(conn, KIND, f"event:{event.id}:moved:{at}@{channel}", now,
                                           {"event": event.id, "starts_at": at, "channel": channel,
                                            "users": users}, space) for channel, space, users in jobs]

        for handle in await self.bot.db.write(unit):
            self.bot.scheduler.arm(handle)

    async def _tell(self, job: Job) -> None:
        p = job.payload
        event_id, users = int(p["event"]), {str(u) for u in p["users"]}
        now = self.bot.clock.now()

        def read(conn: sqlite3.Connection) -> tuple[Event, Roster] | None:
            event = repo.get(conn, event_id)
            if event is None or event.cancelled or event.over(now) or event.starts_at.timestamp() != p["starts_at"]:
                return None
            return event, repo.roster(conn, event)

        found = await self.bot.db.read(read)
        if found is None:  # moved again (that move has its own), cancelled, or over: nothing to say
            return
        platform = str(p["channel"]).partition(":")[0]
        if self.bot.capabilities(platform) is None:  # not here now: tried again, as a relay is
            raise NotServedHere(f"{platform} is not run by this process")
        event, roster = found
        people = [a for a in roster.going + roster.waitlist + roster.maybe if a.user in users]
        await self.dms.send(people, moved_text(event, NOBODY), await self.audience.channels(event),
                            key=job.idempotency_key)
