"""An event on the platform's own surfaces (bot/surfaces.py), where the platform has them:
listed in its event list and in those of the spaces it is shared into (`native_listings.py`;
the listings' "interested" count shown on the card), a thread under the card for the
discussion (reminders posted there too, archived a day after the end), a role for those
going (taken back when they leave, deleted a day after the end).

logoff's RSVPs stay the truth; these follow them. A surface the platform refuses (a missing
permission, a platform limit) is said once in the channel with what to do, remembered for
`config show`, and the rest goes on. The role's part is in `native_roles.py`.
Threads and roles are the event's own space's; a linked space has its own card and channel.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.adapter import DeliveryRefused, DestinationClosed, DestinationGone
from bot.model import ChannelRef, MessageRef, SpaceRef
from bot.render import Out, warning
from bot.scheduler import Job
from bot.settings import SettingSpec, on_off, switch_text

from .native_listings import NativeListings
from .native_part import FAILED, Failed, Place, T, surface_name
from .native_roles import NativeRoles, NativeRow
from .reminders import event_channel
from .repo import Event

if TYPE_CHECKING:
    from .cog import EventsCog

log = logging.getLogger(__name__)

AFTER_END = timedelta(days=1)
MIGRATION = """
CREATE TABLE event_native (
    event_id INTEGER PRIMARY KEY,
    listing_id TEXT,
    interested INTEGER NOT NULL DEFAULT 0,
    thread_id TEXT,
    role_id TEXT
);
CREATE INDEX event_native_listing ON event_native(listing_id);
CREATE TABLE event_role_members (
    event_id INTEGER NOT NULL,
    user TEXT NOT NULL,
    PRIMARY KEY (event_id, user)
) WITHOUT ROWID;
CREATE TABLE surface_notes (
    space TEXT NOT NULL,
    surface TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (space, surface)
) WITHOUT ROWID;
"""
SURFACE_NAMES = {"listing": "Event list", "thread": "Threads", "role": "Roles"}


class NativeSurfaces(NativeListings, NativeRoles):
    def __init__(self, cog: EventsCog) -> None:
        self.cog = cog
        self.bot = cog.bot
        self._role_locks: dict[int, asyncio.Lock] = {}

    def register(self) -> None:
        s = self.bot.settings
        s.register(SettingSpec("events.thread", "off", on_off, "on or off",
                               "a thread per event for its discussion", normalize=switch_text,
                               requires="threads"))
        s.register(SettingSpec("events.role", "off", on_off, "on or off",
                               "a role for those going, removed after the event", normalize=switch_text,
                               requires="roles"))
        self.bot.scheduler.register("event.native.close", self._close_job)
        self.bot.on_listing_interest(self._interest)
        # A platform declares its event list's switch (registered before any feature).
        for spec in s.specs():
            if spec.requires == "listings":
                s.watch(spec.key, functools.partial(self._listings_switched, spec.key))
        s.watch("events.thread", self._threads_switched)
        s.watch("events.role", self._roles_switched)

    # --- reading ---------------------------------------------------------------------------------

    async def _row(self, event_id: int) -> NativeRow:
        # A small read by key on the loop's thread: it runs for every RSVP.
        row = await self.cog.db.read_small(lambda c: c.execute(
            "SELECT thread_id, role_id FROM event_native WHERE event_id=?", (event_id,)).fetchone())
        return (row[0], row[1]) if row else (None, None)

    async def thread_of(self, event: Event) -> ChannelRef | None:
        thread_id = (await self._row(event.id))[0]
        space = SpaceRef.from_key(event.space)
        return ChannelRef(event.platform, thread_id, space.id) if thread_id else None

    async def say_in_thread(self, event: Event, out: Out, key: str) -> None:
        """Said in the event's thread too, where it has one. A thread deleted by hand is
        forgotten the first time it is found gone: from then on the event is one without a
        thread (its channel has it all), and `events.thread on` may open another. One closed
        for now (a moderator locked it) is skipped this time and kept: it may be reopened,
        and is still renamed and closed with the event."""
        thread = await self.thread_of(event)
        if thread is None:
            return
        try:
            await self.bot.send(thread, out, idempotency_key=key)
        except DestinationClosed as e:
            log.info("the thread of event %s is closed for now, so not said there: %s", event.id, e)
        except DestinationGone:
            log.info("the thread of event %s is gone (deleted by hand): forgotten", event.id)
            await self.cog.db.execute("UPDATE event_native SET thread_id=NULL WHERE event_id=? AND thread_id=?",
                                      (event.id, thread.id))
        except Exception as e:  # noqa: BLE001 - the channel post already carries it
            log.warning("posting in the thread of event %s failed: %s", event.id, e)

    async def _save(self, event_id: int, column: str, value: object) -> None:
        assert column in ("thread_id", "role_id")
        await self.cog.db.execute(
            f"INSERT INTO event_native(event_id, {column}) VALUES (?, ?) "
            f"ON CONFLICT(event_id) DO UPDATE SET {column}=excluded.{column}", (event_id, value))

    # --- life cycle ------------------------------------------------------------------------------

    async def posted(self, event: Event, card: MessageRef | None) -> None:
        """The event's card is out: list the event, open its thread, make its role."""
        await self.put_listing(event, card)
        if card is not None:
            await self._open_thread(event, card)
        await self._make_role(event)
        await self._close_after_end(event)

    async def _close_after_end(self, event: Event) -> None:
        """(Re)schedule the thread's archiving and the role's deletion a day after the end."""
        when = event.ends_at + AFTER_END
        handle = await self.cog.db.write(lambda c: self.bot.scheduler.put(
            c, "event.native.close", f"event:{event.id}:native-close", when, {"event_id": event.id},
            event.space))
        self.bot.scheduler.arm(handle)

    async def changed(self, event: Event, renamed: bool = False) -> None:
        """Title, time or place changed: the listings follow, a new title (`renamed`) renames
        the thread and the role, and they are kept until a day after the new end (not the
        old one)."""
        await self._relist(event)
        thread_id, role_id = await self._row(event.id)
        if renamed:
            threads = self.bot.threads(event.platform)
            if thread_id is not None and threads is not None:
                thread = ChannelRef(event.platform, thread_id, SpaceRef.from_key(event.space).id)
                await self._try(event, "thread", threads.rename_thread(thread, surface_name(event)))
            if role_id is not None:
                await self._rename_role(event, role_id)
        if thread_id is not None or role_id is not None:
            await self._close_after_end(event)

    async def _threads_switched(self, space: SpaceRef) -> None:
        """Turned on: the events to come whose card has no thread get one (one refused before
        too). Turned off: no new ones; the threads there are keep their discussion."""
        if not await self.bot.settings.get(space, "events.thread"):
            return
        for event in await self._alive(space, shared=False):
            card = next((m for m in self.bot.tracked_messages(self.cog.name, "event", event.id)
                         if m.platform == event.platform and m.channel_id == event.channel_id), None)
            if card is not None and (await self._row(event.id))[0] is None:
                await self._open_thread(event, card)
                await self._close_after_end(event)

    async def _roles_switched(self, space: SpaceRef) -> None:
        """Turned on: the events to come get the role they lack (one refused before too) and
        those going are given it (also those a refusal left out). Turned off: the roles go.
        Either way a role past its time (its deletion was refused) goes now."""
        on = await self.bot.settings.get(space, "events.role")
        for event in await self._alive(space, shared=False):
            role_id = (await self._row(event.id))[1]
            if not on:
                if role_id is not None:
                    await self._drop_role(event, role_id)
            elif role_id is None:
                await self._make_role(event)
                await self._close_after_end(event)
            else:
                await self.roster_changed(event.id)
        due = self.bot.clock.now() - (AFTER_END if on else timedelta(0))
        rows = await self.cog.db.fetchall(
            "SELECT e.id, n.role_id FROM events e JOIN event_native n ON n.event_id = e.id "
            "WHERE e.space=? AND n.role_id IS NOT NULL AND (e.state = 'cancelled' OR e.ends_at <= ?)",
            (space.key, due.timestamp()))
        for row in rows:
            past = await self._event(int(row[0]))
            if past is not None:
                await self._drop_role(past, str(row[1]))

    async def withdrawn(self, event: Event) -> None:
        """Cancelled: the listings go, the thread is archived, the role is deleted."""
        await self._withdraw_listings(event)
        await self._close(event)

    async def _close_job(self, job: Job) -> None:
        event = await self._event(int(job.payload["event_id"]))
        if event is not None:
            await self._close(event)

    async def _close(self, event: Event) -> None:
        thread_id, role_id = await self._row(event.id)
        threads = self.bot.threads(event.platform)
        if thread_id and threads is not None:
            thread = ChannelRef(event.platform, thread_id, SpaceRef.from_key(event.space).id)
            await self._try(event, "thread", threads.close_thread(thread))
        if role_id:
            await self._drop_role(event, role_id)

    async def reconcile(self) -> None:
        await self._reconcile_listings()

    # --- threads ---------------------------------------------------------------------------------

    async def _open_thread(self, event: Event, card: MessageRef) -> None:
        threads = self.bot.threads(event.platform)
        space = SpaceRef.from_key(event.space)
        if threads is None or not await self.bot.settings.get(space, "events.thread"):
            return
        thread = await self._call(event, "thread", threads.open_thread(card, surface_name(event)))
        if thread is None or isinstance(thread, Failed):
            return
        await self._fine(space, "thread")
        await self._save(event.id, "thread_id", thread.id)

    # --- refusals, said once ---------------------------------------------------------------------

    async def _try(self, event: Event, surface: str, call: Awaitable[None], where: Place | None = None) -> bool:
        return not isinstance(await self._call(event, surface, call, where), Failed)

    async def _call(self, event: Event, surface: str, call: Awaitable[T],
                    where: Place | None = None) -> T | Failed:
        """The platform's answer, or FAILED: a refusal is said once (in `where`, a space the
        event is in; its own by default), any other error logged; a platform error never
        fails the command or job that set it off."""
        try:
            return await call
        except DeliveryRefused as e:
            await self._refused(event, surface, str(e), where)
        except Exception as e:  # noqa: BLE001
            log.warning("%s of event %s failed: %s", surface, event.id, e)
        return FAILED

    async def _refused(self, event: Event, surface: str, why: str, where: Place | None = None) -> None:
        space = where.space.key if where is not None else event.space
        changed = await self.cog.db.write(lambda c: c.execute(
            "INSERT INTO surface_notes(space, surface, note) VALUES (?, ?, ?) "
            "ON CONFLICT(space, surface) DO UPDATE SET note=excluded.note WHERE surface_notes.note != excluded.note",
            (space, surface, why)).rowcount)
        log.info("%s refused for event %s in %s: %s", surface, event.id, space, why)
        if not changed:
            return
        channel = where.channel if where is not None else event_channel(event)
        try:
            await self.bot.send(channel, warning(why))
        except Exception as e:  # noqa: BLE001 - it is noted for `config show` all the same
            log.warning("saying that %s was refused in %s failed: %s", surface, channel.key, e)

    async def _fine(self, space: SpaceRef, surface: str) -> None:
        await self.cog.db.execute("DELETE FROM surface_notes WHERE space=? AND surface=?",
                                  (space.key, surface))

    async def notes(self, space: SpaceRef) -> list[str]:
        rows = await self.cog.db.fetchall(
            "SELECT surface, note FROM surface_notes WHERE space=? ORDER BY surface", (space.key,))
        return [f"{SURFACE_NAMES.get(r[0], r[0])}: {r[1]}" for r in rows]

