"""Direct-message rooms: the one the bot opened with each person is reused while the person
is in it (joined or invited). When they have left it (or rejected its invite) a new one is
opened, once: leaving that one too means their DMs are closed, and the core says so once in
the channel; the next DM asked for (`notify dm` again, an export) starts over."""

from __future__ import annotations

import logging

import nio
from nio import ErrorResponse

from .client import MatrixError, Transport, why
from .store import MatrixStore

log = logging.getLogger(__name__)

PRESENT = ("join", "invite")


class DirectRooms:
    def __init__(self, transport: Transport, store: MatrixStore) -> None:
        self.transport = transport
        self.store = store

    async def room_for(self, user_id: str) -> str | None:
        """The room to send `user_id` a direct message in; None when they cannot get one."""
        stored = await self.store.dm_room(user_id)
        reopen = False
        if stored is not None:
            room_id, reopened = stored
            membership = await self.membership(room_id, user_id)
            if membership in PRESENT:
                return room_id
            if membership is not None:  # they left, rejected the invite, or were removed
                await self._leave(room_id)
                if reopened:
                    log.info("matrix: %s left a direct-message room opened again; not opening "
                             "another", user_id)
                    await self.store.save_dm_room(user_id, None)
                    return None
                reopen = True
            # else the bot can no longer read the room (it was removed): a new one
        opened = await self.transport.open_dm(user_id)
        if opened is not None:
            await self.store.save_dm_room(user_id, opened, reopened=reopen)
        return opened

    async def membership(self, room_id: str, user_id: str) -> str | None:
        """The person's membership of the room; None if the bot cannot read it."""
        client = self.transport.client
        room = client.rooms.get(room_id)
        if room is not None and user_id in room.users:
            return "invite" if user_id in room.invited_users else "join"
        # Not among the members nio has seen: gone, or only not loaded (members are loaded
        # lazily), so the server says which.
        resp = await self.transport.call(
            lambda: client.room_get_state_event(room_id, "m.room.member", user_id))
        if isinstance(resp, nio.RoomGetStateEventResponse):
            membership = resp.content.get("membership")
            return membership if isinstance(membership, str) else "leave"
        code = resp.status_code if isinstance(resp, ErrorResponse) else None
        if code == "M_NOT_FOUND":
            return "leave"  # never in it
        if code == "M_FORBIDDEN":
            log.info("matrix: the bot is no longer in the direct-message room %s", room_id)
            return None
        raise MatrixError(f"reading the membership of {user_id} in {room_id}: {why(resp)}")

    async def _leave(self, room_id: str) -> None:
        """The bot would be alone in it; best effort."""
        client = self.transport.client
        resp = await self.transport.call(lambda: client.room_leave(room_id))
        if not isinstance(resp, nio.RoomLeaveResponse):
            log.info("matrix: could not leave the abandoned room %s: %s", room_id, why(resp))
