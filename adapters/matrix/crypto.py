"""End-to-end encryption on matrix-nio's e2e extra (vodozemac).

The Olm account, Olm and Megolm sessions and the device list live in nio's SQLite store,
in a folder next to the bot's database, one file per (user, device): it survives restarts
and kill -9 because nio writes each change as it happens, and the bot keeps its device id
(stored with its session) so the store stays its own.

Trust: trust on first use. A bot cannot run an interactive verification, and refusing
unverified devices would leave almost every member of a real community unable to read it.
The first keys seen for a device are recorded and marked trusted; nio refuses a later
change of that device's signing key, so a device id cannot be taken over silently. Room keys
are shared with every device of every member. A key request from another device of the bot's
own account (an operator opening the bot's account in another client) is answered with the
room keys the bot has; nio does that itself only for a device already trusted when the request
is read, and leaves the others in its queue of requests from untrusted devices, where
`answer_key_requests` takes them up. Other users' key requests are never answered (nio drops
them).

An event that cannot be decrypted yet (its room key has not arrived) is kept in the bot's
database, the key is asked for once per session, and the event is decrypted and handled
when the key comes, also after a restart. It never holds up the sync loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import nio
from nio import MegolmEvent, RoomKeyRequest
from nio.exceptions import EncryptionError, LocalProtocolError

from bot.storage import Database, Migration

from .client import Transport, why

log = logging.getLogger(__name__)

COMPONENT = "matrix_e2e"
MIGRATIONS: list[Migration] = [
    """
    CREATE TABLE matrix_undecrypted (
        event_id TEXT PRIMARY KEY,
        room_id TEXT NOT NULL,
        source TEXT NOT NULL,
        at REAL NOT NULL
    ) WITHOUT ROWID;
    """,
]
# An event whose key never comes is given up after this long; the table stays bounded.
KEEP_S = 7 * 24 * 3600
MAX_HELD = 10_000
EARLY_REQUESTS = 100

Deliver = Callable[[str, Sequence[dict[str, Any]]], Awaitable[None]]


class Crypto:
    def __init__(self, transport: Transport, db: Database) -> None:
        self.transport = transport
        self.db = db
        self.held: dict[str, tuple[str, MegolmEvent]] = {}  # event id -> (room, event)
        self._reported: set[str] = set()  # session ids already logged as missing
        self.decrypted_late = 0  # observed by tests
        self._early: list[RoomKeyRequest] = []  # see note_to_device
        # One key query at a time: the upkeep after a sync and a send (roomload.py) both ask.
        self._querying = asyncio.Lock()

    @property
    def enabled(self) -> bool:
        return self.transport.client.olm is not None

    async def start(self) -> None:
        """Load the events still waiting for their keys (from before a restart)."""
        await self.db.migrate(COMPONENT, MIGRATIONS)
        cutoff = time.time() - KEEP_S
        await self.db.write(lambda c: c.execute("DELETE FROM matrix_undecrypted WHERE at < ?", (cutoff,)))
        for room_id, source in await self.db.fetchall(
                "SELECT room_id, source FROM matrix_undecrypted ORDER BY at"):
            event = _megolm(json.loads(source))
            if event is not None:
                event.room_id = room_id
                self.held[event.event_id] = (room_id, event)

    # --- keys ----------------------------------------------------------------------------------

    async def maintain(self) -> None:
        """After each sync: to-device messages out, our keys up, others' keys fetched."""
        client = self.transport.client
        if client.olm is None:
            return
        if client.outgoing_to_device_messages:
            await self.transport.call(client.send_to_device_messages)
        if client.should_upload_keys:
            self._check(await self.transport.call(client.keys_upload), "uploading keys")
        if client.user_id not in client.olm.tracked_users:
            # The bot's own other devices (an operator's login) are not members of any room
            # to nio; tracked, a new one is queried (and its key requests answered) promptly.
            client.olm.users_for_key_query.add(client.user_id)
        await self.query_keys()
        self.answer_key_requests()
        if client.should_claim_keys:
            users = client.get_users_for_key_claiming()
            self._check(await self.transport.call(lambda: client.keys_claim(users)), "claiming keys")
            # Requests that waited for an Olm session with their device are answered now.
            self.answer_key_requests()
        if client.outgoing_to_device_messages:
            await self.transport.call(client.send_to_device_messages)

    async def query_keys(self) -> None:
        """Fetch the device keys nio is missing; new devices are trusted on first use."""
        client = self.transport.client
        async with self._querying:
            if client.olm is None or not client.should_query_keys:
                return
            self._check(await self.transport.call(client.keys_query), "querying device keys")
            self.trust_new_devices()

    def note_to_device(self, events: Sequence[Any]) -> None:
        """Keep key requests from the bot's own devices that nio does not know yet: nio drops
        those as it reads them, before the key query that would make them known (a device
        that logged in and asked in the same sync, e.g. while the bot was down)."""
        client = self.transport.client
        if client.olm is None:
            return
        for ev in events:
            if (isinstance(ev, RoomKeyRequest) and ev.sender == client.user_id
                    and ev.requesting_device_id != client.device_id
                    and ev.requesting_device_id not in client.device_store[ev.sender]):
                self._early = [*self._early[-(EARLY_REQUESTS - 1):], ev]

    def trust_new_devices(self) -> None:
        client = self.transport.client
        assert client.olm is not None
        for device in client.device_store:
            if not (device.verified or device.blacklisted or device.deleted):
                client.verify_device(device)

    def answer_key_requests(self) -> None:
        """Share the room keys asked for by the bot's own other devices (trust on first
        use, as for every device). Requests from other users are left alone: nio never queues
        them here. (nio drops a request from a device it does not know yet when it reads it.)"""
        client = self.transport.client
        olm = client.olm
        assert olm is not None
        for request in self._early:  # from own devices unknown when they came: known now?
            if request.requesting_device_id in client.device_store[request.sender]:
                olm.received_key_requests[request.request_id] = request
        self._early = [r for r in self._early if r.request_id not in olm.received_key_requests]
        if olm.received_key_requests:  # put back after an Olm session was claimed
            olm.collect_key_requests()  # answers those from trusted devices, queues the rest
        for request in list(olm.key_request_from_untrusted.values()):
            if request.sender != client.user_id or request.requesting_device_id == client.device_id:
                continue
            device = client.device_store[request.sender].get(request.requesting_device_id)
            if device is None:
                continue  # forgotten since (nio only queues requests of known devices)
            if device.blacklisted or device.deleted:
                client.cancel_key_share(request)
                continue
            if not device.verified:
                client.verify_device(device)
            # Queues the forwarded key, or waits for an Olm session (claimed in maintain).
            client.continue_key_share(request)

    @staticmethod
    def _check(resp: object, what: str) -> None:
        if isinstance(resp, nio.ErrorResponse):
            log.warning("matrix: %s failed: %s", what, why(resp))

    # --- events that could not be decrypted yet ------------------------------------------------

    def split(self, events: Sequence[Any]) -> tuple[list[dict[str, Any]], list[MegolmEvent]]:
        """nio has decrypted what it could: (raw events to handle, events still locked)."""
        readable: list[dict[str, Any]] = []
        locked: list[MegolmEvent] = []
        for ev in events:
            if isinstance(ev, MegolmEvent):
                locked.append(ev)
            elif isinstance(src := getattr(ev, "source", None), dict):
                readable.append(src)
        return readable, locked

    async def hold(self, room_id: str, locked: Sequence[MegolmEvent]) -> None:
        """Keep events until their keys come (written before the sync token moves on)."""
        fresh = [ev for ev in locked if ev.event_id not in self.held]
        if not fresh:
            return
        if len(self.held) + len(fresh) > MAX_HELD:
            log.warning("matrix: %d events are waiting for their keys; dropping the oldest", MAX_HELD)
            for event_id in list(self.held)[: len(fresh)]:
                self.held.pop(event_id)
                await self.db.execute("DELETE FROM matrix_undecrypted WHERE event_id=?", (event_id,))
        rows = [(ev.event_id, room_id, json.dumps(ev.source), time.time()) for ev in fresh]
        await self.db.write(lambda c: c.executemany(
            "INSERT OR IGNORE INTO matrix_undecrypted(event_id, room_id, source, at) VALUES (?,?,?,?)",
            rows))
        for ev in fresh:
            ev.room_id = room_id
            self.held[ev.event_id] = (room_id, ev)
            await self._ask_for_key(room_id, ev)

    async def _ask_for_key(self, room_id: str, ev: MegolmEvent) -> None:
        if ev.session_id in self._reported:
            return
        self._reported.add(ev.session_id)
        log.warning("matrix: cannot decrypt an event from %s in %s yet (no key for its session); "
                    "asked for the key and will handle it when the key arrives", ev.sender, room_id)
        try:
            resp = await self.transport.call(lambda: self.transport.client.request_room_key(ev))
        except LocalProtocolError:
            return  # asked before
        self._check(resp, "asking for a room key")

    async def retry(self, deliver: Deliver) -> None:
        """Decrypt the held events whose keys have arrived and hand them on."""
        client = self.transport.client
        if not self.held or client.olm is None:
            return
        done: list[str] = []
        sessions = client.olm.inbound_group_store
        for event_id, (room_id, ev) in list(self.held.items()):
            if sessions.get(room_id, ev.sender_key, ev.session_id) is None:
                continue  # its key has not come yet
            try:
                plain = client.decrypt_event(ev)
            except EncryptionError:
                continue
            done.append(event_id)
            self.held.pop(event_id, None)
            src = getattr(plain, "source", None)
            if isinstance(src, dict):
                self.decrypted_late += 1
                await deliver(room_id, [src])
        if done:
            await self.db.write(lambda c: c.executemany(
                "DELETE FROM matrix_undecrypted WHERE event_id=?", [(e,) for e in done]))


def _megolm(source: object) -> MegolmEvent | None:
    if not isinstance(source, dict):
        return None
    ev = MegolmEvent.from_dict(source)
    return ev if isinstance(ev, MegolmEvent) else None



def readable(client: nio.AsyncClient, room_id: str, src: dict[str, Any]) -> dict[str, Any]:
    """A raw event read outside the sync (e.g. from /relations), decrypted when it is
    encrypted and its key is here. Without the key, an annotation is still read from the
    relation in the clear (where clients put it), so a count never drops a reaction."""
    if src.get("type") != "m.room.encrypted":
        return src
    ev = _megolm(src)
    if ev is not None and client.olm is not None:
        ev.room_id = room_id
        try:
            plain = client.decrypt_event(ev)
        except EncryptionError:
            plain = None
        if isinstance(source := getattr(plain, "source", None), dict):
            return source
    content = src.get("content")
    rel = content.get("m.relates_to") if isinstance(content, dict) else None
    if isinstance(rel, dict) and rel.get("rel_type") == "m.annotation":
        return {**src, "type": "m.reaction", "content": {"m.relates_to": rel}}
    return src
