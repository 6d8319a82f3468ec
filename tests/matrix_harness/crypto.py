"""A human test user whose client encrypts like Element does: its own olm store on disk,
keys uploaded, a sync loop that takes room keys in, encrypted messages and reactions (the
relation in the clear), and a way to read what it could and could not decrypt."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import nio
from nio import AsyncClient, AsyncClientConfig, MegolmEvent, MessageDirection
from nio.api import Api

from .clients import Human, eventually
from .synapse import Account


class CryptoHuman(Human):
    def __init__(self, homeserver: str, account: Account, store: Path) -> None:
        super().__init__(homeserver, account)
        store.mkdir(parents=True, exist_ok=True)
        self.client = AsyncClient(homeserver, account.user_id, device_id=account.device_id,
                                  store_path=str(store),
                                  config=AsyncClientConfig(max_limit_exceeded=0, max_timeouts=0,
                                                           encryption_enabled=True,
                                                           store_sync_tokens=True))
        self.client.restore_login(account.user_id, account.device_id, account.access_token)
        self._task: asyncio.Task[None] | None = None
        self.synced = asyncio.Event()
        self.invites: set[str] = set()  # rooms this user was invited to (not joined by itself)

    @classmethod
    async def log_in(cls, homeserver: str, account: Account, store: Path,
                     device_id: str) -> CryptoHuman:
        """Another device of `account`'s user: a password login with a new device id (as
        when someone opens the account in Element), its own store."""
        login = AsyncClient(homeserver, account.user_id, device_id=device_id)
        try:
            resp = cls._ok(await login.login(account.password, device_name=device_id),
                           nio.LoginResponse)
        finally:
            await login.close()
        device = dataclasses.replace(account, access_token=resp.access_token,
                                     device_id=resp.device_id)
        return cls(homeserver, device, store)

    async def start(self) -> None:
        if self.client.should_upload_keys:
            self._ok(await self.client.keys_upload(), nio.KeysUploadResponse)
        await self._sync_once(0)
        self._task = asyncio.create_task(self._loop())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await super().close()

    async def _loop(self) -> None:
        while True:
            try:
                await self._sync_once(1000)
            except asyncio.CancelledError:
                raise
            except Exception:
                await asyncio.sleep(0.2)

    async def _sync_once(self, wait_ms: int) -> None:
        c = self.client
        resp = await c.sync(timeout=wait_ms, full_state=c.next_batch is None or None)
        if not isinstance(resp, nio.SyncResponse):
            raise RuntimeError(f"sync failed: {resp}")
        self.invites.update(resp.rooms.invite)
        if c.outgoing_to_device_messages:
            await c.send_to_device_messages()
        if c.should_upload_keys:
            await c.keys_upload()
        if c.should_query_keys:
            await c.keys_query()
        if c.should_claim_keys:
            await c.keys_claim(c.get_users_for_key_claiming())
        self.synced.set()

    async def wait_sync(self, n: int = 2) -> None:
        for _ in range(n):
            self.synced.clear()
            await asyncio.wait_for(self.synced.wait(), 20)

    async def create_room(self, *, invite: list[str] = (),  # type: ignore[assignment]
                          name: str = "encrypted room", power: dict[str, int] | None = None) -> str:
        override = {"users": dict(power)} if power else None
        resp = await self.client.room_create(
            name=name, invite=list(invite), power_level_override=override,
            initial_state=[nio.EnableEncryptionBuilder().as_dict()])
        room_id = self._ok(resp, nio.RoomCreateResponse).room_id
        await self.wait_room(room_id)
        return room_id

    async def wait_room(self, room_id: str) -> None:
        for _ in range(200):
            if room_id in self.client.rooms:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{room_id} never appeared in {self.user_id}'s sync")

    async def join(self, room_id: str) -> None:
        self._ok(await self.client.join(room_id), nio.JoinResponse)
        await self.wait_room(room_id)

    async def say(self, room_id: str, text: str, *, msgtype: str = "m.text",
                  extra: dict[str, Any] | None = None) -> str:
        content = {"msgtype": msgtype, "body": text, **(extra or {})}
        return await self.send_encrypted(room_id, "m.room.message", content)

    async def react(self, room_id: str, event_id: str, key: str) -> str:
        """Encrypted, as Element sends reactions in encrypted rooms (relation in the clear)."""
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        return await self.send_encrypted(room_id, "m.reaction", content)

    async def send_encrypted(self, room_id: str, kind: str, content: dict[str, Any]) -> str:
        c = self.client
        room = c.rooms[room_id]
        assert room.encrypted, f"{room_id} is not encrypted for {self.user_id}"
        if not room.members_synced:
            await c.joined_members(room_id)
        if c.should_query_keys:
            await c.keys_query()
        if c.olm is not None and c.olm.should_share_group_session(room_id):
            await c.share_group_session(room_id, ignore_unverified_devices=True)
        _, payload = c.encrypt(room_id, kind, dict(content))
        if "m.relates_to" in content:
            payload = {**payload, "m.relates_to": content["m.relates_to"]}
        method, path, data = Api.room_send(c.access_token, room_id, "m.room.encrypted", payload,
                                           uuid.uuid4())
        resp = await c._send(nio.RoomSendResponse, method, path, data, (room_id,))
        return self._ok(resp, nio.RoomSendResponse).event_id

    async def raw_events(self, room_id: str, limit: int = 500) -> list[dict[str, Any]]:
        """Decrypted where the client could; events it could not decrypt stay m.room.encrypted."""
        return [src for src, _ in await self._timeline(room_id, limit)]

    async def undecryptable(self, room_id: str, sender: str | None = None) -> list[str]:
        """Event ids this client could not decrypt (optionally only those of `sender`)."""
        return [src["event_id"] for src, locked in await self._timeline(room_id, 500)
                if locked and (sender is None or src.get("sender") == sender)]

    async def request_keys(self, room_id: str) -> int:
        """Ask the account's other devices for the keys of the events this client cannot
        decrypt (m.room_key_request, once per session); returns how many were asked for."""
        asked = 0
        for ev in await self._locked(room_id):
            if ev.session_id in self.client.outgoing_key_requests:
                continue
            ev.room_id = room_id
            self._ok(await self.client.request_room_key(ev), nio.RoomKeyRequestResponse)
            asked += 1
        return asked

    async def _locked(self, room_id: str) -> list[MegolmEvent]:
        resp = await self.client.room_messages(room_id, direction=MessageDirection.back, limit=100)
        return [ev for ev in self._ok(resp, nio.RoomMessagesResponse).chunk
                if isinstance(ev, MegolmEvent)]

    async def wire_events(self, room_id: str, sender: str) -> list[dict[str, Any]]:
        """`sender`'s events as the server stores them (nio would decrypt /messages)."""
        path = (f"/_matrix/client/v3/rooms/{quote(room_id, safe='')}/messages?"
                + urlencode({"dir": "b", "limit": "500"}))
        resp = await self.client.send(
            "GET", path, headers={"Authorization": f"Bearer {self.client.access_token}"})
        data = await resp.json()
        resp.release()
        return [ev for ev in data.get("chunk", []) if ev.get("sender") == sender]

    async def _timeline(self, room_id: str, limit: int) -> list[tuple[dict[str, Any], bool]]:
        out: list[tuple[dict[str, Any], bool]] = []
        token: str | None = None
        while len(out) < limit:
            resp = await self.client.room_messages(room_id, start=token,
                                                   direction=MessageDirection.back, limit=100)
            resp = self._ok(resp, nio.RoomMessagesResponse)
            out.extend((ev.source, isinstance(ev, MegolmEvent)) for ev in resp.chunk)
            if not resp.chunk or not resp.end or resp.end == token:
                break
            token = resp.end
        out.reverse()
        return out

    # --- a room key that reaches one device late --------------------------------------------

    async def share_withholding(self, room_id: str, withheld: str) -> dict[str, Any]:
        """Start a new room key shared with every device in the room but `withheld`'s;
        returns the key's content for `send_room_key` later."""
        c = self.client
        olm = c.olm
        assert olm is not None
        if not c.rooms[room_id].members_synced:
            await c.joined_members(room_id)
        if c.should_query_keys:
            await c.keys_query()
        devices = list(olm.device_store.active_user_devices(withheld))
        assert devices, f"{withheld} has no devices known to {self.user_id}"
        for d in devices:
            c.blacklist_device(d)
        olm.create_outbound_group_session(room_id)
        await c.share_group_session(room_id, ignore_unverified_devices=True)
        # (Unblacklisting now would throw the session away; the devices stay out of it.)
        session = olm.outbound_group_sessions[room_id]
        return {"algorithm": "m.megolm.v1.aes-sha2", "room_id": room_id,
                "session_id": session.id, "session_key": session.session_key}

    async def send_room_key(self, room_id: str, user_id: str, key: dict[str, Any]) -> None:
        """Send `key` (from share_withholding) to `user_id`'s devices over Olm."""
        c = self.client
        olm = c.olm
        assert olm is not None
        for d in olm.device_store.active_user_devices(user_id):
            session = olm.session_store.get(d.curve25519)
            if session is None:
                await c.keys_claim({user_id: [d.id]})
                session = olm.session_store.get(d.curve25519)
            assert session is not None, f"no Olm session with {user_id}:{d.id}"
            payload = olm._olm_encrypt(session, d, "m.room_key", key)
            resp = await c.to_device(nio.ToDeviceMessage("m.room.encrypted", user_id, d.id, payload))
            self._ok(resp, nio.ToDeviceResponse)


async def encrypted_room(owner: CryptoHuman, bot_id: str, *others: CryptoHuman) -> str:
    room = await owner.create_room(invite=[bot_id, *(h.user_id for h in others)])
    for h in others:
        await h.join(room)

    async def bot_joined() -> bool:
        # As every human's client has seen it (Element's too shares a room key only with the
        # members its sync has shown; a message sent earlier would leave the bot out).
        return all(bot_id in h.client.rooms[room].users and not h.client.rooms[room].users[bot_id].invited
                   for h in (owner, *others)) and (await owner.members(room)).get(bot_id) == "join"

    await eventually(bot_joined, what="the bot to join the encrypted room")
    return room
