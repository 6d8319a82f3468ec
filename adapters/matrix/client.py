"""Talking to the homeserver: login, requests with bounded rate-limit retries, sending
events, uploads, and raw GETs for endpoints nio does not wrap."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import quote

import nio
from nio import AsyncClient, AsyncClientConfig, ErrorResponse
from nio.crypto import ENCRYPTION_ENABLED
from nio.exceptions import LocalProtocolError, OlmTrustError, OlmUnverifiedDeviceError

from bot.render import Attachment

from .config import MatrixConfig
from .errors import CannotEncrypt, MatrixError, http_status, why
from .store import MatrixStore

__all__ = ["CannotEncrypt", "MatrixError", "Transport", "http_status", "key_store_dir", "why"]

log = logging.getLogger(__name__)

R = TypeVar("R")
JOINS_AT_ONCE = 8


class _Client(AsyncClient):
    def encrypt(self, room_id: str, message_type: str,
                content: dict[Any, Any]) -> tuple[str, dict[str, str]]:
        # The relation of an encrypted event goes in the clear too (as the spec asks): clients
        # read edits, replies and poll responses from there, and the server needs it for
        # /relations.
        kind, payload = super().encrypt(room_id, message_type, content)
        rel = content.get("m.relates_to")
        if isinstance(rel, dict):
            payload = {**payload, "m.relates_to": rel}
        return kind, payload


def key_store_dir(db_file: str) -> str:
    """The folder of nio's key store for a bot whose database is `db_file`."""
    return f"{db_file}-matrix-keys"


class Transport:
    def __init__(self, config: MatrixConfig, *, max_retries: int = 3, max_retry_wait_s: float = 10.0,
                 request_timeout_s: float = 60.0) -> None:
        self.config = config
        self.max_retries = max_retries
        self.max_retry_wait_s = max_retry_wait_s
        self.on_error: Callable[[str], None] | None = None  # counts errors (the metrics)
        # nio would sleep through M_LIMIT_EXCEEDED forever (and for however long the server
        # asks); it gives the error back instead and `call` retries with a bound.
        # The key store is opened in login(), once the device is known (crypto.py).
        self.client = _Client(
            config.homeserver, config.user_id, device_id=config.device_id,
            config=AsyncClientConfig(max_limit_exceeded=0, max_timeouts=3,
                                     request_timeout=request_timeout_s,
                                     encryption_enabled=ENCRYPTION_ENABLED,
                                     store_sync_tokens=False))
        self.user_id = config.user_id
        self.rate_limited = 0
        # Makes a room nio has not seen in a sync sendable, without waiting for one
        # (roomload.py; set by the sync loop, which owns the key upkeep).
        self.prepare_room: Callable[[str, str | None], Awaitable[None]] | None = None

    # --- login --------------------------------------------------------------------------------

    async def login(self, store: MatrixStore) -> None:
        """Log in (token, stored session or password), then open the device's key store in
        a folder next to the bot's database (crypto.py)."""
        key_store = self.config.key_store or key_store_dir(store.db.file)
        if ENCRYPTION_ENABLED:
            os.makedirs(key_store, mode=0o700, exist_ok=True)
            self.client.store_path = key_store
        await self._login(store)
        if self.client.store_path and self.client.store is None:
            if not self.client.device_id:
                log.warning("matrix: the homeserver did not say which device the access token "
                            "belongs to; encrypted rooms will not work")
                return
            self.client.load_store()
            await self._check_key_store(key_store)

    async def _check_key_store(self, folder: str) -> None:
        """Refuse a key store whose keys are not the ones the homeserver holds for the device:
        the folder was lost (or another copy of the bot uses the device). Going on, the bot
        would read nothing people send, since their clients encrypt to the keys they first saw."""
        olm, me, device = self.client.olm, self.client.user_id, self.client.device_id
        if olm is None:
            return
        status, data = await self.post_json("/_matrix/client/v3/keys/query",
                                            {"device_keys": {me: [device]}})
        held = (data.get("device_keys") or {}).get(me, {}).get(device) if status == 200 else None
        keys = held.get("keys") if isinstance(held, dict) else None
        theirs = keys.get(f"ed25519:{device}") if isinstance(keys, dict) else None
        if theirs is None or theirs == olm.account.identity_keys["ed25519"]:
            return
        raise MatrixError(
            f"the homeserver holds other encryption keys for device {device} of {me} than the "
            f"key store {folder} (the folder was lost or replaced, or another copy of the bot "
            f"uses this device). Restore the folder from a backup; or, to start again without "
            f"the old keys, delete the device {device} (Element: Settings > Sessions) and start "
            f"logoff again (with an access token: a new one)")

    async def _login(self, store: MatrixStore) -> None:
        token = self.config.access_token()
        if token:
            await self._use_token(token)
            return
        stored = await store.session(self.user_id)
        if stored is not None:
            device_id, token = stored
            self.client.device_id = device_id
            if await self._use_token(token, fatal=False):
                return
            log.warning("matrix: the stored session of %s is no longer valid; logging in again",
                        self.user_id)
            await store.forget_session(self.user_id)
        password = self.config.password()
        if not password:
            raise MatrixError(f"no access token or password for {self.user_id}: set the environment "
                              "variable named by access_token_env or password_env")
        self.client.device_id = self.config.device_id
        resp = await self.call(lambda: self.client.login(password, device_name="logoff"))
        if not isinstance(resp, nio.LoginResponse):
            raise MatrixError(f"login as {self.user_id} failed: {why(resp)}")
        self.user_id = resp.user_id
        await store.save_session(resp.user_id, resp.device_id, resp.access_token)

    async def _use_token(self, token: str, *, fatal: bool = True) -> bool:
        self.client.access_token = token
        resp = await self.call(self.client.whoami)
        if isinstance(resp, nio.WhoamiResponse):
            if resp.user_id != self.config.user_id:
                log.warning("matrix: the access token belongs to %s, not %s as configured",
                            resp.user_id, self.config.user_id)
            self.user_id = self.client.user_id = resp.user_id
            self.client.user = resp.user_id
            if resp.device_id:
                self.client.device_id = resp.device_id
            return True
        self.client.access_token = ""
        if fatal:
            raise MatrixError(f"the access token for {self.config.user_id} was refused: {why(resp)}")
        return False

    # --- requests -----------------------------------------------------------------------------

    async def call(self, request: Callable[[], Awaitable[R]]) -> R:
        """Run a nio request; on M_LIMIT_EXCEEDED wait as asked (at most max_retry_wait_s)
        and retry at most max_retries times, then hand the error back."""
        for attempt in range(self.max_retries + 1):
            resp = await request()
            if isinstance(resp, ErrorResponse) and self.on_error is not None:
                self.on_error(resp.status_code or "error")
            if not (isinstance(resp, ErrorResponse) and resp.status_code == "M_LIMIT_EXCEEDED"):
                return resp
            self.rate_limited += 1
            if attempt == self.max_retries:
                return resp
            wait = min((resp.retry_after_ms or 1000) / 1000, self.max_retry_wait_s)
            log.warning("matrix: rate limited; retrying in %.2fs (%d/%d)", wait, attempt + 1,
                        self.max_retries)
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    async def get_json(self, path: str) -> tuple[int, dict[str, Any]]:
        return await self._retried("GET", path)

    async def post_json(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return await self._retried("POST", path, json.dumps(body))

    async def _retried(self, method: str, path: str, body: str | None = None) -> tuple[int, dict[str, Any]]:
        """A raw request, retried on 429 like `call`."""
        for attempt in range(self.max_retries + 1):
            status, data = await self._raw(method, path, body)
            if status != 429 or attempt == self.max_retries:
                # Counted as `call` counts nio's error answers. A 4xx is left to the caller,
                # for whom it may be the answer (404 M_NOT_FOUND: the room has no such state).
                if (status >= 500 or status == 429) and self.on_error is not None:
                    code = data.get("errcode")
                    self.on_error(code if isinstance(code, str) else str(status))
                return status, data
            self.rate_limited += 1
            wait = data.get("retry_after_ms")
            wait = wait if isinstance(wait, int | float) and wait >= 0 else 1000
            await asyncio.sleep(min(float(wait) / 1000, self.max_retry_wait_s))
        raise AssertionError("unreachable")

    async def send_event(self, room_id: str, kind: str, content: dict[str, Any],
                         txn_id: str | None) -> str:
        """Send (encrypted where the room is); the same `txn_id` twice is one event."""
        resp = await self.room_send(room_id, kind, content, txn_id)
        if not isinstance(resp, nio.RoomSendResponse):
            raise MatrixError(f"sending {kind} to {room_id}: {why(resp)}", http_status(resp))
        return str(resp.event_id)

    async def room_send(self, room_id: str, kind: str, content: dict[str, Any],
                        txn_id: str | None) -> nio.RoomSendResponse | ErrorResponse:
        client = self.client
        if self.prepare_room is not None:
            await self.prepare_room(room_id, None)
        if client.olm is None and await self._encrypted_on_server(room_id):
            # nio would send it in the clear.
            raise CannotEncrypt(f"Matrix: the room is encrypted and the bot has no key store (its login "
                                f"names no device, or encryption is not installed): nothing is posted in {room_id}")
        try:
            # Trust on first use (crypto.py): devices not seen at the last key query get the
            # room key too rather than failing the send.
            return await self.call(lambda: client.room_send(
                room_id, kind, content, tx_id=txn_id, ignore_unverified_devices=True))
        except (LocalProtocolError, OlmTrustError, OlmUnverifiedDeviceError) as e:
            raise MatrixError(f"sending {kind} to {room_id}: {e}") from e

    async def _encrypted_on_server(self, room_id: str) -> bool:
        """Whether the room is encrypted as the homeserver has it now. nio's view comes from the
        sync, which may not have shown the room yet, or that encryption was turned on since;
        encryption is never turned off, so nio's "yes" is enough."""
        room = self.client.rooms.get(room_id)
        if room is not None and room.encrypted:
            return True
        status, data = await self.get_json(
            f"/_matrix/client/v3/rooms/{quote(room_id, safe='')}/state/m.room.encryption/")
        if status == 200:
            return True  # whatever the content: the room meant to be encrypted
        if status == 404 and data.get("errcode") == "M_NOT_FOUND":
            return False
        # Not knowing, nothing is sent: in the clear is what must not happen.
        raise MatrixError(f"Matrix: could not tell whether {room_id} is encrypted ({status} "
                          f"{data.get('errcode') or ''}), and the bot has no key store: nothing is posted",
                          status)

    async def encrypted(self, room_id: str) -> bool:
        """Whether what is sent to the room goes encrypted."""
        if self.prepare_room is not None:
            await self.prepare_room(room_id, None)
        room = self.client.rooms.get(room_id)
        return self.client.olm is not None and room is not None and room.encrypted

    async def upload(self, att: Attachment, *, encrypt: bool = False) -> tuple[str, dict[str, Any] | None]:
        """The file's mxc:// URI, and for an encrypted room the keys to read it (the media
        repository then holds only ciphertext), retried on M_LIMIT_EXCEEDED like `call`."""
        keys: dict[str, Any] | None = None

        async def once() -> object:
            nonlocal keys
            resp, keys = await self.client.upload(
                lambda *_: att.data, content_type=att.mime, filename=att.filename,
                filesize=len(att.data), encrypt=encrypt)
            return resp

        resp = await self.call(once)
        if not isinstance(resp, nio.UploadResponse):
            raise MatrixError(f"uploading {att.filename}: {why(resp)}")
        return str(resp.content_uri), keys

    async def _raw(self, method: str, path: str, body: str | None = None) -> tuple[int, dict[str, Any]]:
        """A request nio does not wrap: (status, the JSON object answered, or {})."""
        headers = {"Authorization": f"Bearer {self.client.access_token}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        resp = await self.client.send(method, path, body, headers=headers)
        try:
            data = await resp.json(content_type=None)
        except ValueError:
            data = {}
        finally:
            resp.release()
        return resp.status, data if isinstance(data, dict) else {}

    async def join_all(self, rooms: list[str]) -> None:
        """Accept invites a few at a time: hundreds in one sync (a bot added to many rooms at
        once) would otherwise hold up the rooms' commands for a minute."""
        gate = asyncio.Semaphore(JOINS_AT_ONCE)

        async def join(room_id: str) -> None:
            async with gate:
                resp = await self.call(lambda: self.client.join(room_id))
            if isinstance(resp, nio.JoinResponse):
                log.info("matrix: joined %s", room_id)
            else:
                log.warning("matrix: could not join %s: %s", room_id, why(resp))

        await asyncio.gather(*(join(r) for r in rooms))

    async def close(self) -> None:
        await self.client.close()
