"""`notify dm`: reminders, waitlist promotions, time changes and cancellations also by DM, to those
who asked. A DM the platform refuses (closed DMs) is said once in the channel the person is in
(on their own platform, for an event of linked spaces), and no more are tried for that person
until they say `notify dm` again: no retry storm. A DM that failed only this time (the
platform's trouble, the network) is lost, and nothing about the person changes. A DM to a
person whose platform this process does not run (a cluster's other process has it) is not
tried and says nothing about them: the caller hands it to a job of a space of their platform
(where the event has a channel there; where it has none, nothing is known to run it: it is lost).

That a person's DMs are closed is said by a job (`CLOSED`) written in the unit that marks them
closed and run right after: a passing failure is retried, a crash leaves it to the next start,
and its key keeps it to once.

Only the preference and that one fact are stored, per person and platform."""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.adapter import NotServedHere
from bot.cog import CogHost
from bot.model import ChannelRef, UserRef, user_from_key
from bot.render import Mention, Out, in_zone, line, text
from bot.scheduler import Job
from bot.stores import StorageError

from .repo import Attendee

log = logging.getLogger(__name__)
CLOSED = "notify.closed"  # "your DMs are closed", said in the person's channel

MIGRATION = """
CREATE TABLE notify_prefs (
    user TEXT PRIMARY KEY,
    mode TEXT NOT NULL,
    dm_closed INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
"""
# Which closing the person's note is of: a note of an earlier one, still retrying when DMs were
# asked for and closed again, is not said besides the new one's.
CLOSING_MIGRATION = "ALTER TABLE notify_prefs ADD COLUMN closing TEXT;"


class DirectMessages:
    def __init__(self, bot: CogHost) -> None:
        self.bot = bot

    def register(self) -> None:
        self.bot.scheduler.register(CLOSED, self._say_closed)

    async def set_mode(self, user_key: str, mode: str) -> None:
        await self.bot.db.write(lambda c: c.execute(
            "INSERT INTO notify_prefs(user, mode, dm_closed) VALUES (?, ?, 0) "
            "ON CONFLICT(user) DO UPDATE SET mode=excluded.mode, dm_closed=0", (user_key, mode)))

    async def wanted(self, people: Iterable[Attendee]) -> list[Attendee]:
        keys = {p.user: p for p in people}
        if not keys:
            return []

        def read(conn: sqlite3.Connection) -> set[str]:
            marks = ",".join("?" * len(keys))
            return {r[0] for r in conn.execute(
                f"SELECT user FROM notify_prefs WHERE mode='dm' AND dm_closed=0 AND user IN ({marks})",
                tuple(keys))}

        want = await self.bot.db.read(read)
        return [p for k, p in keys.items() if k in want]

    async def send(self, people: Iterable[Attendee], out: Out, channels: Sequence[ChannelRef],
                   key: str | None = None) -> list[UserRef]:
        """DM each who asked for it; best effort, after the channel posts (which always go).
        `channels`: the event's channels, its own first (`Audience.channels`). `key`: the job's
        idempotency key, when a job sends them: a re-run after a crash DMs each person once. The
        database's trouble is no DM's: it is raised, and the job tries again. Returned: those whose
        platform this process does not run (not tried, nothing about them changed), for the
        caller to hand to a job of a space of their platform (a reminder relay, a cancel notice's
        retry, `HeldPromotions.elsewhere`, `TimeChanges`)."""
        shown: dict[str, Out] = {}  # the message in each channel's zone, made once per channel
        dms: list[tuple[Attendee, UserRef, ChannelRef, str | None]] = []
        for person in await self.wanted(people):
            user = user_from_key(person.user, person.name)
            # Their own channel of the event (linked spaces): its zone is the one they see there.
            where = next((c for c in channels if c.platform == user.platform), channels[0])
            if where.key not in shown:
                shown[where.key] = in_zone(out, await self.bot.timezone(where.space))
            dms.append((person, user, where, f"{key}/dm/{user.key}" if key else None))
        if key is not None:  # one write for all of them, not one before each
            await self.bot.mark_sends([(user, shown[where.key], k) for _, user, where, k in dms if k])
        elsewhere: list[UserRef] = []
        for person, user, where, dm_key in dms:
            try:
                ref = await self.bot.send_dm(user, shown[where.key], idempotency_key=dm_key)
            except NotServedHere:  # not a refusal: another process of their platform sends it
                elsewhere.append(user)
                continue
            except StorageError:  # not this DM's trouble: the job fails this try and comes again
                raise
            except Exception as e:  # noqa: BLE001 - failed this time (DeliveryFailed): the channel post carries it
                log.warning("DM to %s failed: %s", person.user, e)
                continue
            if ref is None:
                await self._closed(user.key, where, person)
        return elsewhere

    async def _closed(self, user_key: str, channel: ChannelRef, person: Attendee) -> None:
        """Marked closed, and the note that says so written as a job in the same unit: the
        first to mark it says it, once (the job's key), retried until it is said."""
        now = self.bot.clock.now()

        def unit(c: sqlite3.Connection) -> tuple[int, datetime] | None:
            # Each closing its own key: a time may repeat (a frozen clock), and a key of a note
            # already said would be taken for its re-run, and not said.
            closing = uuid.uuid4().hex
            if not c.execute("UPDATE notify_prefs SET dm_closed=1, closing=? WHERE user=? AND dm_closed=0",
                             (closing, user_key)).rowcount:
                return None
            return self.bot.scheduler.put(
                c, CLOSED, f"notify:closed:{user_key}:{closing}", now,
                {"user": person.user, "name": person.name, "platform": channel.platform,
                 "channel": channel.id, "space": channel.space_id, "closing": closing}, channel.space.key)

        handle = await self.bot.db.write(unit)
        if handle is None:
            return
        try:
            await self.bot.scheduler.run_now(handle)
        except Exception as e:  # noqa: BLE001 - the job is written: it is said when it can be
            log.warning("telling %s in %s that DMs are closed failed for now: %s", user_key, channel.key, e)

    async def _say_closed(self, job: Job) -> None:
        p = job.payload
        who = user_from_key(str(p["user"]), str(p["name"]))
        row = await self.bot.db.read(lambda c: c.execute(
            "SELECT dm_closed, closing FROM notify_prefs WHERE user=?", (who.key,)).fetchone())
        # `notify dm` said again since: the note is no longer so; or closed again since: that
        # closing's note says it (one written before closings were told apart names none).
        if row is None or not row[0] or row[1] != p.get("closing"):
            return
        channel = ChannelRef(str(p.get("platform", who.platform)), str(p["channel"]), str(p.get("space", "")))
        await self.bot.send(channel, text(line(
            "✉️ ", Mention(who), " I couldn't send you a direct message (your DMs may be closed "
            f"to this server), so your reminders come here. Say {self.bot.prefix_for(channel.platform)}notify dm "
            "again to retry.")), idempotency_key=job.idempotency_key)
