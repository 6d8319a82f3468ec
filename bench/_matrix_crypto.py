"""Encrypted-room pieces for bench_matrix_encrypted.py and bench_matrix_crypto_memory.py, on
top of bench/_matrix.py (which is unchanged): an encrypting "human" in the bench process and
two child roles.

- `python bench/_matrix_crypto.py echo URL USER_ID DEVICE_ID STORE`  the do-nothing echo of
  _matrix.py with matrix-nio's e2e on: its own olm store in STORE, keys uploaded before READY,
  nio's sync_forever (which sends to-device messages, uploads, queries and claims keys between
  syncs); answers any "!" m.text with an m.notice, encrypted in encrypted rooms, shared with
  every device (ignore_unverified_devices=True, as the bot does: trust on first use).
- `python bench/_matrix_crypto.py logoff URL USER_ID DB`  the real bot (build_bot +
  MatrixAdapter, key store in `DB-matrix-keys` as in production; token in
  $BENCH_MATRIX_TOKEN) that times its own start-up: READY is followed by a JSON object
  (imports, build_bot, login with the key store load, first sync, the rest of bot.start(),
  VmRSS). On SIGUSR1 it prints `STATS {json}`: rooms joined, encrypted rooms, inbound
  Megolm sessions, events still waiting for keys, room messages received from others,
  VmRSS/VmHWM.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from dataclasses import dataclass
from typing import Any

T_PROC = time.perf_counter()

import nio  # noqa: E402
from _common import proc_status_kib  # noqa: E402
from _matrix import TOKEN_ENV, Human, serve_echo  # noqa: E402


@dataclass
class CryptoBenchHuman(Human):
    """_matrix.Human whose client encrypts (its own olm store in `store`): nio encrypts what
    it sends to an encrypted room and decrypts what it receives before the callbacks run, so
    the timings include the human's own encryption and decryption."""

    store: str = ""

    def __post_init__(self) -> None:
        os.makedirs(self.store, exist_ok=True)
        self.client = nio.AsyncClient(
            self.url,
            self.user_id,
            device_id=self.device_id,
            store_path=self.store,
            config=nio.AsyncClientConfig(
                max_limit_exceeded=0, max_timeouts=0, encryption_enabled=True
            ),
        )
        self.client.restore_login(self.user_id, self.device_id, self.token)  # loads the store
        self.inbox = asyncio.Queue()

    async def start(self) -> None:
        if self.client.should_upload_keys:
            resp = await self.client.keys_upload()
            assert isinstance(resp, nio.KeysUploadResponse), resp
        await super().start()

    async def make_room(self, invite: str, *, encrypted: bool) -> str:
        state = [nio.EnableEncryptionBuilder().as_dict()] if encrypted else []
        resp = await self.client.room_create(name="bench", invite=[invite], initial_state=state)
        assert isinstance(resp, nio.RoomCreateResponse), resp
        await self.in_sync(resp.room_id, invite)
        return str(resp.room_id)

    async def in_sync(self, room: str, member: str | None = None, within: float = 30) -> None:
        """Until our own sync shows `room` (nio sends only to rooms it has seen) with
        `member` joined (so the room key is shared with its devices)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            r = self.client.rooms.get(room)
            if r is not None and (
                member is None or (member in r.users and member not in r.invited_users)
            ):
                return
            await asyncio.sleep(0.05)
        raise TimeoutError(f"{room} (with {member} joined) not in {self.user_id}'s sync")

    async def send_id(self, room: str, text: str) -> tuple[float, str]:
        t0 = time.perf_counter()
        resp = await self.client.room_send(
            room,
            "m.room.message",
            {"msgtype": "m.text", "body": text},
            ignore_unverified_devices=True,
        )
        assert isinstance(resp, nio.RoomSendResponse), resp
        return t0, resp.event_id


# --- the encrypting echo child -----------------------------------------------------------------


async def _echo_child(url: str, user_id: str, device_id: str, store: str) -> None:
    os.makedirs(store, exist_ok=True)
    client = nio.AsyncClient(
        url, user_id, device_id=device_id, store_path=store,
        config=nio.AsyncClientConfig(encryption_enabled=True),
    )
    client.restore_login(user_id, device_id, os.environ[TOKEN_ENV])
    if client.should_upload_keys:
        assert isinstance(await client.keys_upload(), nio.KeysUploadResponse)
    await serve_echo(client, user_id, ignore_unverified_devices=True)


# --- the bot child that times its start and counts its store -----------------------------------


async def _logoff_child(url: str, user_id: str, db: str) -> None:
    t_main = time.perf_counter()
    from adapters.matrix import MatrixAdapter, MatrixConfig
    from bot.app import build_bot

    t_import = time.perf_counter()
    bot = await build_bot(db)
    t_built = time.perf_counter()
    adapter = MatrixAdapter(MatrixConfig(url, user_id, access_token_env=TOKEN_ENV))
    client, syncer = adapter.client, adapter.syncer
    spans: dict[str, float] = {}
    messages = [0]

    def timed(name: str, fn: Any) -> Any:
        async def run(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                spans[name] = spans.get(name, 0.0) + time.perf_counter() - t0

        return run

    orig_load = client.load_store

    def load_store() -> None:
        t0 = time.perf_counter()
        orig_load()
        spans["key store load"] = time.perf_counter() - t0

    orig_create, orig_process = client.create_matrix_response, client.receive_response

    async def create_matrix_response(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        resp = await orig_create(*args, **kwargs)
        if isinstance(resp, nio.SyncResponse):
            key = "first sync: of which nio reads and parses the body"
            spans[key] = spans.get(key, 0.0) + time.perf_counter() - t0
        return resp

    async def receive_response(resp: Any) -> None:
        t0 = time.perf_counter()
        await orig_process(resp)
        if isinstance(resp, nio.SyncResponse):
            key = "first sync: of which nio takes it in (rooms, state, keys)"
            spans[key] = spans.get(key, 0.0) + time.perf_counter() - t0

    orig_receive = syncer.receive

    async def receive(room_id: str, events: Any) -> None:
        messages[0] += sum(
            1 for e in events if e.get("type") == "m.room.message" and e.get("sender") != user_id
        )
        await orig_receive(room_id, events)

    # on these instances only: the product's code is unchanged
    client.load_store = load_store
    client.create_matrix_response = create_matrix_response
    client.receive_response = receive_response
    adapter.transport.login = timed("login (whoami + key store load)", adapter.transport.login)
    syncer.start = timed("first sync (full state): request, parse, handle, keys", syncer.start)
    syncer.handle_sync = timed("first sync: of which the bot's handle_sync", syncer.handle_sync)
    syncer.receive = receive
    bot.add_adapter(adapter)
    await bot.start()
    t_started = time.perf_counter()

    def stats() -> None:
        olm = client.olm
        out = {
            "rooms": len(client.rooms),
            "encrypted_rooms": sum(1 for r in client.rooms.values() if r.encrypted),
            "inbound_sessions": 0 if olm is None else sum(1 for _ in olm.inbound_group_store),
            "held": 0 if syncer.crypto is None else len(syncer.crypto.held),
            "messages": messages[0],
            "syncs": syncer.sync_count,
            "rss_kib": proc_status_kib("VmRSS"),
            "hwm_kib": proc_status_kib("VmHWM"),
        }
        print("STATS " + json.dumps(out), flush=True)

    stop_ev = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop_ev.set)
    loop.add_signal_handler(signal.SIGUSR1, stats)
    ready = {
        "module imports (nio, bench helpers)": t_main - T_PROC,
        "bot imports": t_import - t_main,
        "build_bot (database, cogs)": t_built - t_import,
        "bot.start()": t_started - t_built,
        **spans,
        "rss_kib": proc_status_kib("VmRSS"),
    }
    print("READY " + json.dumps(ready), flush=True)
    await stop_ev.wait()
    await bot.stop()


if __name__ == "__main__":
    role = sys.argv[1]
    if role == "echo":
        asyncio.run(_echo_child(*sys.argv[2:6]))
    elif role == "logoff":
        asyncio.run(_logoff_child(*sys.argv[2:5]))
    else:
        raise SystemExit(f"unknown role {role}")
