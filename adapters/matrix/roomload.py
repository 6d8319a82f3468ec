"""Rooms the bot sends to before a sync has shown them to nio (a direct-message room it has
just made, a room it joined a moment ago).

nio refuses to send to a room it has no state for, and encrypts only for the members and
devices it knows. Waiting for the sync loop to bring the room would deadlock whenever the
send comes from inside that loop's own handlers (a command or a reaction that sends a DM),
so the room's state is read from the server instead and the members' device keys are
queried at once: a send never waits for a sync.
"""

from __future__ import annotations

import logging

import nio
from nio import Event, MatrixRoom, RoomMemberEvent

from .client import MatrixError, Transport, why
from .crypto import Crypto

log = logging.getLogger(__name__)


class RoomLoader:
    def __init__(self, transport: Transport, crypto: Crypto) -> None:
        self.transport = transport
        self.crypto = crypto

    async def prepare(self, room_id: str, invited: str | None = None) -> None:
        """Make `room_id` ready to send to: known to nio, and in an encrypted room, the
        device keys of every member (joined or invited) fetched. `invited`: someone the bot
        has just invited, counted as a member even where nio has not seen the invite."""
        client = self.transport.client
        if client.olm is None:
            return
        room = client.rooms.get(room_id)
        if room is None:
            room = await self._load(room_id)
        if invited is not None:
            # A sync may have shown the new room before its invite went out: a room key
            # shared then would leave the person out.
            room.add_member(invited, None, None, invited=True)
        if room.encrypted:
            client.olm.update_tracked_users(room)
            if client.olm.users_for_key_query & set(room.users):
                await self.crypto.query_keys()

    async def _load(self, room_id: str) -> MatrixRoom:
        client = self.transport.client
        resp = await self.transport.call(lambda: client.room_get_state(room_id))
        if not isinstance(resp, nio.RoomGetStateResponse):
            raise MatrixError(f"reading the state of {room_id}: {why(resp)}")
        # A sync may have brought the room while the state was on its way.
        room = client.rooms.get(room_id)
        if room is not None:
            return room
        room = MatrixRoom(room_id, client.user_id)
        for src in resp.events:
            ev = Event.parse_event(src) if isinstance(src, dict) else None
            if isinstance(ev, RoomMemberEvent):
                room.handle_membership(ev)
            elif isinstance(ev, Event):
                room.handle_event(ev)
        room.members_synced = True  # the full state holds every member, invites included
        client.rooms[room_id] = room
        if room.encrypted:
            client.encrypted_rooms.add(room_id)
        log.debug("matrix: read the state of %s before the sync showed it", room_id)
        return room
