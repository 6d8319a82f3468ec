"""An event's role on the platform (bot/surfaces.py `Roles`), with `events.role on`: made when
the card is posted, given to those going and taken from those who leave or go to the
waitlist (logoff's RSVPs stay the truth), deleted a day after the end or when the event is
cancelled (`native.py` does that part). A part of `NativeSurfaces` (a mixin)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

from bot.adapter import DestinationGone
from bot.model import SpaceRef, UserRef, user_from_key

from . import repo
from .native_part import Failed, NativePart, surface_name
from .repo import Event

log = logging.getLogger(__name__)

NativeRow = tuple[str | None, str | None]  # thread, role


class NativeRoles(NativePart):
    _role_locks: dict[int, asyncio.Lock]

    # --- what NativeSurfaces provides ------------------------------------------------------------

    async def _row(self, event_id: int) -> NativeRow:
        raise NotImplementedError

    async def _save(self, event_id: int, column: str, value: object) -> None:
        raise NotImplementedError

    # --- roles -----------------------------------------------------------------------------------

    async def _make_role(self, event: Event) -> None:
        roles = self.bot.roles(event.platform)
        space = SpaceRef.from_key(event.space)
        if roles is None or not await self.bot.settings.get(space, "events.role"):
            return
        role_id = await self._call(event, "role", roles.make_role(space, surface_name(event)))
        if isinstance(role_id, Failed):
            return
        await self._fine(space, "role")
        await self._save(event.id, "role_id", role_id)
        await self.roster_changed(event.id)

    async def roster_changed(self, event_id: int) -> None:
        """Who is going changed: the role follows (given to those in, taken from the rest)."""
        lock = self._role_locks.setdefault(event_id, asyncio.Lock())
        async with lock:
            await self._sync_role(event_id)
        if not lock.locked():
            self._role_locks.pop(event_id, None)

    async def _sync_role(self, event_id: int) -> None:
        role_id = (await self._row(event_id))[1]
        if role_id is None:
            return

        def read(conn: sqlite3.Connection) -> tuple[Event | None, set[str], set[str], dict[str, str]]:
            event = repo.get(conn, event_id)
            if event is None:
                return None, set(), set(), {}
            roster = repo.roster(conn, event)
            have = {r[0] for r in conn.execute(
                "SELECT user FROM event_role_members WHERE event_id=?", (event_id,))}
            return event, {a.user for a in roster.going}, have, {a.user: a.name for a in roster.going}

        event, want, have, names = await self.cog.db.read(read)
        roles = self.bot.roles(event.platform) if event else None
        if event is None or roles is None:
            return
        space = SpaceRef.from_key(event.space)
        gone = False

        async def change(user: UserRef, member: bool) -> None:
            nonlocal gone
            try:
                await roles.set_role(space, role_id, user, member)
            except DestinationGone:
                gone = True

        done = 0
        for user, member in [(u, True) for u in sorted(want - have)] + [(u, False) for u in sorted(have - want)]:
            if not await self._try(event, "role", change(user_from_key(user, names.get(user, "")), member)):
                continue
            if gone:  # deleted by hand: forgotten, so `events.role on` may make another
                await self._forget_role(event_id)
                return
            done += 1
            await self.cog.db.execute(
                "INSERT OR IGNORE INTO event_role_members(event_id, user) VALUES (?, ?)" if member else
                "DELETE FROM event_role_members WHERE event_id=? AND user=?", (event_id, user))
        if done and done == len(want ^ have):  # it works (again): a refusal noted before is past
            await self._fine(space, "role")

    async def _rename_role(self, event: Event, role_id: str) -> None:
        roles = self.bot.roles(event.platform)
        if roles is not None:
            await self._try(event, "role", roles.rename_role(SpaceRef.from_key(event.space), role_id,
                                                             surface_name(event)))

    async def _drop_role(self, event: Event, role_id: str) -> None:
        """The event is over or cancelled: the role goes, and everyone loses it with it."""
        roles = self.bot.roles(event.platform)
        if roles is not None and await self._try(event, "role", roles.drop_role(SpaceRef.from_key(event.space),
                                                                               role_id)):
            await self._forget_role(event.id)

    async def _forget_role(self, event_id: int) -> None:
        await self._save(event_id, "role_id", None)
        await self.cog.db.execute("DELETE FROM event_role_members WHERE event_id=?", (event_id,))
