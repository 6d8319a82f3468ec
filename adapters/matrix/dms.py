"""Direct-message rooms: the one the bot opened with each person is reused while the person
is in it (joined or invited). When they have left it (or rejected its invite) a new one is
opened, once: leaving that one too means their DMs are closed, and the core says so once in
the channel; the next DM asked for (`notify dm` again, an export) starts over.

A room is opened under an alias chosen (and stored) before the homeserver is asked, as a
message is sent under a transaction id: asked again after a crash lost the answer, the
homeserver says the alias is taken (M_ROOM_IN_USE), and the room it names is the one made
then. So a DM re-sent after a crash goes into that room, with its own txn id, not into a
second room. The homeserver may have made that room and failed only to invite the person:
they are invited then, or the DM would go into a room nobody reads; so too when the answer
was a refusal (Synapse answers a refused invite for the whole createRoom, the room made). If
that invite is refused too, or they declined it, the DM is refused and the bot leaves the room
and drops its alias (it would sit alone in it, and the next DM walk into it again). The alias
is removed once the room is stored."""

from __future__ import annotations

import logging
import secrets

import nio
from nio import ErrorResponse

from .client import MatrixError, Transport, http_status, why
from .store import MatrixStore

log = logging.getLogger(__name__)

PRESENT = ("join", "invite")
NEVER = "never"  # no member event at all: never invited
# The alias is only the bot's handle on the room while it is opened: no canonical alias, so
# the person's client names the room after the bot, as any direct message.
NO_CANONICAL_ALIAS = {"type": "m.room.canonical_alias", "state_key": "", "content": {}}


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
        opened = await self.open(user_id)
        if opened is None:
            return None
        room_id, alias = opened
        await self.store.save_dm_room(user_id, room_id, reopened=reopen)
        if alias is not None:
            await self._drop_alias(alias)
        return room_id

    async def open(self, user_id: str) -> tuple[str, str | None] | None:
        """A new private room with `user_id` invited and marked direct (their client shows it as
        a direct message), or the one an earlier try made, and the alias it was opened under;
        None if the server refuses (e.g. no such user). `MatrixError` when it failed only this
        time."""
        alias: str | None = await self.store.dm_opening(user_id)
        if alias is None:
            alias = f"#logoff-dm-{secrets.token_hex(12)}:{self.transport.user_id.split(':', 1)[1]}"
            await self.store.save_dm_opening(user_id, alias)
        # Encrypted when the person's client can read it (it has published device keys),
        # as their own client would do.
        state = [nio.EnableEncryptionBuilder().as_dict()] if await self._has_device_keys(user_id) else []
        resp = await self._create(user_id, state, alias[1:].split(":", 1)[0])
        found: str | None = None
        if isinstance(resp, ErrorResponse) and resp.status_code != "M_ROOM_IN_USE" and _refused(resp):
            # Synapse makes the room before it invites, and answers a refused invite's 403
            # for the whole: a room under the alias is that one, to be used (and invited to).
            found = await self._resolve(user_id, alias, missing_ok=True)
            if found is None:
                # A homeserver that lets the bot make no aliases (alias_creation_rules) still
                # gets its DMs, only without this guard: a crash before the room is stored
                # would leave a second room. Someone who cannot get a room is refused again.
                log.warning("matrix: opening a direct room under an alias was refused (%s); "
                            "opening it without one", why(resp))
                resp, alias = await self._create(user_id, state, None), None
        if isinstance(resp, nio.RoomCreateResponse):
            room_id = str(resp.room_id)
        elif alias and (found is not None or (isinstance(resp, ErrorResponse)
                                              and resp.status_code == "M_ROOM_IN_USE")):
            made = await self._made_before(user_id, alias, found)
            if made is None:
                return None
            room_id = made
        else:
            if not _refused(resp):
                raise MatrixError(f"opening a direct message with {user_id}: {why(resp)}", http_status(resp))
            log.warning("matrix: could not open a direct message with %s: %s", user_id, why(resp))
            return None
        if self.transport.prepare_room is not None:
            await self.transport.prepare_room(room_id, user_id)
        return room_id, alias

    async def _create(self, user_id: str, state: list[dict[str, object]],
                      alias: str | None) -> nio.RoomCreateResponse | ErrorResponse:
        client = self.transport.client
        return await self.transport.call(lambda: client.room_create(
            alias=alias, is_direct=True, invite=[user_id], preset=nio.RoomPreset.trusted_private_chat,
            initial_state=[*state, NO_CANONICAL_ALIAS] if alias else state))

    async def _resolve(self, user_id: str, alias: str, *, missing_ok: bool = False) -> str | None:
        """The room `alias` names; None if it names none and `missing_ok`."""
        client = self.transport.client
        resp = await self.transport.call(lambda: client.room_resolve_alias(alias))
        if isinstance(resp, nio.RoomResolveAliasResponse):
            return str(resp.room_id)
        missing = isinstance(resp, ErrorResponse) and resp.status_code == "M_NOT_FOUND"
        if missing and missing_ok:
            return None
        if missing:
            # Taken, yet it names no room now (removed by hand): the next try takes a new one.
            await self.store.save_dm_opening(user_id, None)
        # Tried again later (the room it may name is not given up for a second one).
        raise MatrixError(f"opening a direct message with {user_id}: resolving {alias} failed: {why(resp)}")

    async def _made_before(self, user_id: str, alias: str, room_id: str | None) -> str | None:
        """The room made under `alias` by an earlier ask (`room_id` if resolved already)."""
        if room_id is None:
            room_id = await self._resolve(user_id, alias)
            assert room_id is not None
        log.info("matrix: the direct-message room %s with %s was opened by an earlier ask; using it",
                 room_id, user_id)
        membership = await self.membership(room_id, user_id)
        if membership is None:
            # The bot is no longer in it: the next try takes a new alias, and a new room.
            await self.store.save_dm_opening(user_id, None)
            raise MatrixError(f"opening a direct message with {user_id}: the bot is no longer "
                              f"in {room_id}, opened before")
        if membership == NEVER:
            try:
                await self._invite(room_id, user_id)
            except MatrixError as e:
                if not e.refused:
                    raise  # invited on the next try
                # Refused again (the homeserver will not let them be invited): the DM is
                # refused, and nothing is left for the next DM to walk into again.
                log.warning("matrix: %s", e)
                await self._give_up(user_id, alias, room_id)
                return None
        elif membership not in PRESENT:
            # They declined that room's invite, or were removed from it: no room is forced on
            # them, as when they leave a stored one that was opened again.
            await self._give_up(user_id, alias, room_id)
            return None
        return room_id

    async def _give_up(self, user_id: str, alias: str, room_id: str) -> None:
        """The room opened under `alias` will not be theirs: the bot leaves it, then drops
        its alias (its creator may, out of the room) and the opening. A crash between finds the
        room by the alias, no longer the bot's, and the next try takes a new alias."""
        await self._leave(room_id)
        await self._drop_alias(alias)
        await self.store.save_dm_opening(user_id, None)

    async def _invite(self, room_id: str, user_id: str) -> None:
        """Invited as createRoom does, marked direct (which /invite cannot say), so the
        person's client shows a direct message."""
        client = self.transport.client
        resp = await self.transport.call(lambda: client.room_put_state(
            room_id, "m.room.member", {"membership": "invite", "is_direct": True}, state_key=user_id))
        if not isinstance(resp, nio.RoomPutStateResponse):
            raise MatrixError(f"inviting {user_id} to the direct-message room {room_id}: {why(resp)}",
                              http_status(resp))
        log.info("matrix: invited %s to %s, opened before without them", user_id, room_id)

    async def _drop_alias(self, alias: str) -> None:
        """Stored now, the room needs its alias no more; best effort (it names a private room)."""
        client = self.transport.client
        resp = await self.transport.call(lambda: client.room_delete_alias(alias))
        if not isinstance(resp, nio.RoomDeleteAliasResponse):
            log.info("matrix: could not remove the alias %s: %s", alias, why(resp))

    async def _has_device_keys(self, user_id: str) -> bool:
        if self.transport.client.olm is None:
            return False
        status, data = await self.transport.post_json("/_matrix/client/v3/keys/query",
                                                      {"device_keys": {user_id: []}})
        if status != 200:
            # Not knowing must not open an unencrypted room for someone whose client encrypts.
            raise MatrixError(f"querying the device keys of {user_id}: HTTP {status} {data.get('errcode', '')}")
        keys = data.get("device_keys")
        return isinstance(keys, dict) and bool(keys.get(user_id))

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
            return NEVER
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


def _refused(resp: object) -> bool:
    return MatrixError("", http_status(resp)).refused
