"""Shared by bench_matrix_e2e.py and bench_matrix_peer.py: a local Synapse (the test
harness in tests/matrix_harness), a "human" nio client in this process that sends commands
and times replies through its own /sync, and child processes for the bots under test:

- `python bench/_matrix.py logoff URL USER_ID DB`   the real bot + MatrixAdapter (token in
  $BENCH_MATRIX_TOKEN); prints READY and its VmRSS.
- `python bench/_matrix.py echo URL USER_ID`        a do-nothing nio client: answers any
  m.text starting with "!" with an m.notice, nothing else.

Each bot runs in its own process, as in production, so the human's event loop does not share
a CPU slice with the bot it measures.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import ROOT, proc_status_kib

TESTS = ROOT / "tests"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

import nio  # noqa: E402

TOKEN_ENV = "BENCH_MATRIX_TOKEN"


# --- the human ---------------------------------------------------------------------------


@dataclass
class Seen:
    sender: str
    body: str
    at: float
    event_id: str


@dataclass
class Human:
    url: str
    user_id: str
    token: str
    device_id: str
    client: nio.AsyncClient = field(init=False)
    inbox: asyncio.Queue[Seen] = field(init=False)
    _task: asyncio.Task[None] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.client = nio.AsyncClient(
            self.url,
            self.user_id,
            device_id=self.device_id,
            config=nio.AsyncClientConfig(max_limit_exceeded=0, max_timeouts=0),
        )
        self.client.access_token = self.token
        self.client.user_id = self.user_id
        self.inbox = asyncio.Queue()

    async def start(self) -> None:
        await self.client.sync(timeout=0, full_state=True)
        self.client.add_event_callback(self._on_event, (nio.RoomMessageText, nio.RoomMessageNotice))
        self._task = asyncio.create_task(self.client.sync_forever(timeout=30_000))

    async def _on_event(self, room: nio.MatrixRoom, event: Any) -> None:
        now = time.perf_counter()
        content = event.source.get("content", {})
        if (content.get("m.relates_to") or {}).get("rel_type") == "m.replace":
            return  # an edit of a live card, not a reply
        if event.sender != self.user_id:
            self.inbox.put_nowait(Seen(event.sender, event.body, now, event.event_id))

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
        await self.client.close()

    async def room_with(self, *user_ids: str) -> str:
        resp = await self.client.room_create(name="bench", invite=list(user_ids))
        assert isinstance(resp, nio.RoomCreateResponse), resp
        return resp.room_id

    async def wait_joined(self, room: str, user_id: str, within: float = 30) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            resp = await self.client.room_get_state(room)
            if isinstance(resp, nio.RoomGetStateResponse) and any(
                e.get("type") == "m.room.member"
                and e.get("state_key") == user_id
                and e["content"].get("membership") == "join"
                for e in resp.events
            ):
                return
            await asyncio.sleep(0.1)
        raise TimeoutError(f"{user_id} did not join {room}")

    async def send(self, room: str, text: str) -> float:
        t0 = time.perf_counter()
        resp = await self.client.room_send(
            room, "m.room.message", {"msgtype": "m.text", "body": text}
        )
        assert isinstance(resp, nio.RoomSendResponse), resp
        return t0

    def drain(self) -> None:
        while not self.inbox.empty():
            self.inbox.get_nowait()

    async def next_from(self, sender: str, within: float = 15) -> Seen:
        deadline = time.monotonic() + within
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no message from {sender}")
            seen = await asyncio.wait_for(self.inbox.get(), left)
            if seen.sender == sender:
                return seen

    async def round_trips(
        self, room: str, sender: str, make: Callable[[int], str], n: int, settle: float = 0.0
    ) -> list[float]:
        """Sequential: send, wait for the first reply from `sender`; n times."""
        out: list[float] = []
        for i in range(n):
            self.drain()
            t0 = await self.send(room, make(i))
            seen = await self.next_from(sender)
            out.append(seen.at - t0)
            if settle:
                await asyncio.sleep(settle)
        return out

    async def pipelined(
        self,
        room: str,
        sender: str,
        commands: list[str],
        in_flight: int,
        match: Callable[[str, int], bool],
        within: float = 60,
    ) -> list[int]:
        """Send `commands` keeping at most `in_flight` unanswered; return, in arrival order,
        the index of the command each reply from `sender` answers (-1: unrecognised)."""
        self.drain()
        answered: list[int] = []
        sent = 0
        deadline = time.monotonic() + within
        while (sent < len(commands) or len(answered) < sent) and time.monotonic() < deadline:
            while sent < len(commands) and sent - len(answered) < in_flight:
                await self.send(room, commands[sent])
                sent += 1
            try:
                seen = await self.next_from(sender, within=max(0.1, deadline - time.monotonic()))
            except TimeoutError:
                break
            idx = next((i for i in range(len(commands)) if match(seen.body, i)), -1)
            answered.append(idx)
        return answered


# --- child processes --------------------------------------------------------------------------


def spawn(
    args: list[str],
    env: dict[str, str] | None = None,
    python: str | None = None,
    ready: str = "READY",
    within: float = 60,
) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [python or sys.executable, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + within
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith(ready):
            return proc, line.strip()
    proc.kill()
    raise RuntimeError(f"{args[:2]} did not get ready:\n" + "".join(lines[-30:]))


def rss_kib(pid: int, field_name: str = "VmRSS") -> int:
    with open(f"/proc/{pid}/status") as f:
        for ln in f:
            if ln.startswith(field_name + ":"):
                return int(ln.split()[1])
    return -1


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def _logoff_child(url: str, user_id: str, db: str, both: bool) -> None:
    import signal

    from adapters.matrix import MatrixAdapter
    from bot.app import build_bot
    from bot.config import MatrixConfig

    if both:  # load the Discord adapter too, as `logoff run` with both configured would
        import adapters.discord  # noqa: F401

    bot = await build_bot(db)
    bot.add_adapter(MatrixAdapter(MatrixConfig(url, user_id, access_token_env=TOKEN_ENV)))
    await bot.start()
    stop_ev = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop_ev.set)
    print(f"READY rss_kib={proc_status_kib('VmRSS')}", flush=True)
    await stop_ev.wait()
    await bot.stop()


async def _echo_child(url: str, user_id: str) -> None:
    client = nio.AsyncClient(url, user_id, device_id="ECHO")
    client.access_token = os.environ[TOKEN_ENV]
    client.user_id = user_id

    async def on_invite(room: nio.MatrixRoom, event: nio.InviteMemberEvent) -> None:
        if event.state_key == user_id:
            await client.join(room.room_id)

    async def on_text(room: nio.MatrixRoom, event: nio.RoomMessageText) -> None:
        if event.sender != user_id and event.body.startswith("!"):
            await client.room_send(
                room.room_id, "m.room.message", {"msgtype": "m.notice", "body": "echo"}
            )

    await client.sync(timeout=0, full_state=True)
    client.add_event_callback(on_invite, nio.InviteMemberEvent)  # type: ignore[arg-type]
    client.add_event_callback(on_text, nio.RoomMessageText)  # type: ignore[arg-type]
    print(f"READY rss_kib={proc_status_kib('VmRSS')}", flush=True)
    await client.sync_forever(timeout=30_000)


def start_synapse() -> Any:
    from matrix_harness import Synapse

    server = Synapse()
    server.start()
    return server


def tmp_db(name: str) -> Path:
    from _common import tmpdir

    return tmpdir(name) / f"{name}.db"


if __name__ == "__main__":
    role = sys.argv[1]
    if role == "logoff":
        asyncio.run(_logoff_child(sys.argv[2], sys.argv[3], sys.argv[4], "--both" in sys.argv))
    elif role == "echo":
        asyncio.run(_echo_child(sys.argv[2], sys.argv[3]))
    else:
        raise SystemExit(f"unknown role {role}")
