"""Shared by bench_matrix_e2e.py and bench_matrix_peer.py: a local Synapse (the test
harness in tests/matrix_harness), a "human" nio client in this process that sends commands
and times replies through its own /sync, and child processes for the bots under test:

- `python bench/_matrix.py logoff URL USER_ID DB`   the real bot + MatrixAdapter (token in
  $BENCH_MATRIX_TOKEN); prints READY and its VmRSS.
- `python bench/_matrix.py echo URL USER_ID`        a do-nothing nio client: answers any
  m.text starting with "!" with an m.notice, nothing else.

Each bot runs in its own process, as in production, so the human's event loop does not share
a CPU slice with the bot it measures.

Two measurements that leave out the human's own /sync leg:
- server turnaround: Synapse stamps every event with origin_server_ts; reply.ts - command.ts
  is the time from Synapse creating the command event to it creating the reply (delivery to
  the bot's /sync + the bot's work + its PUT), read by the human (`Sample.turnaround_ms`);
- inside the bot (`_Probe`): each child wraps, on its own instances only (no product code
  changed), the moment a /sync response arrives (nio's `create_matrix_response` for a
  SyncResponse: headers in, before nio parses it), the moment the bot starts handling it
  (logoff: `MatrixAdapter._handle_sync` entry; echo: its event callback) and each reply send
  (logoff: `_send_event`; echo: `room_send`), start and return. On SIGUSR1 the child
  prints `STATS {json}`; `Child.stats()` asks for it and the parent matches the
  samples to its replies by event id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nio  # noqa: E402
from _common import ROOT, percentile, proc_status_kib, summary_ms

TOKEN_ENV = "BENCH_MATRIX_TOKEN"


# --- the human ---------------------------------------------------------------------------


@dataclass
class Seen:
    sender: str
    body: str
    at: float
    event_id: str
    server_ts: int  # origin_server_ts, ms


@dataclass
class Sample:
    """One command -> first reply."""

    e2e: float  # s: the human's send() starts -> the reply is on the human's /sync
    turnaround_ms: float | None  # reply.origin_server_ts - command.origin_server_ts
    reply_id: str


@dataclass
class Human:
    url: str
    user_id: str
    token: str
    device_id: str
    client: nio.AsyncClient = field(init=False)
    inbox: asyncio.Queue[Seen] = field(init=False)
    own_ts: dict[str, int] = field(init=False, default_factory=dict)  # own event id -> ts
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
        if event.sender == self.user_id:
            self.own_ts[event.event_id] = event.server_timestamp
        else:
            self.inbox.put_nowait(
                Seen(event.sender, event.body, now, event.event_id, event.server_timestamp)
            )

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
        return (await self.send_id(room, text))[0]

    async def send_id(self, room: str, text: str) -> tuple[float, str]:
        t0 = time.perf_counter()
        resp = await self.client.room_send(
            room, "m.room.message", {"msgtype": "m.text", "body": text}
        )
        assert isinstance(resp, nio.RoomSendResponse), resp
        return t0, resp.event_id

    async def server_ts(self, room: str, event_id: str) -> int | None:
        """origin_server_ts of one of our own events: from our /sync (the command comes
        back there before any reply to it), else asked of the server."""
        if event_id in self.own_ts:
            return self.own_ts[event_id]
        resp = await self.client.room_get_event(room, event_id)
        if isinstance(resp, nio.RoomGetEventResponse):
            return resp.event.server_timestamp
        return None

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
    ) -> list[Sample]:
        """Sequential: send, wait for the first reply from `sender`; n times."""
        out: list[Sample] = []
        for i in range(n):
            self.drain()
            t0, cmd_id = await self.send_id(room, make(i))
            seen = await self.next_from(sender)
            cmd_ts = await self.server_ts(room, cmd_id)
            out.append(
                Sample(
                    seen.at - t0,
                    None if cmd_ts is None else float(seen.server_ts - cmd_ts),
                    seen.event_id,
                )
            )
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


@dataclass
class Child:
    """A bot child process whose stdout is drained by a thread from READY on (a full pipe
    would block the child); `STATS` lines are parsed and queued."""

    proc: subprocess.Popen[str]
    ready: str
    tail: list[str] = field(default_factory=list)  # its last lines of output
    _stats: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)
    _pump: threading.Thread | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def start_pump(self) -> None:
        self._pump = threading.Thread(target=self._read, daemon=True)
        self._pump.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("STATS "):
                self._stats.put(json.loads(line[len("STATS ") :]))
            else:
                self.tail.append(line)
                del self.tail[:-200]

    def stats(self, within: float = 15) -> dict[str, Any]:
        """Ask the child (SIGUSR1) for its samples so far."""
        with contextlib.suppress(queue.Empty):
            while True:
                self._stats.get_nowait()
        self.proc.send_signal(signal.SIGUSR1)
        try:
            return self._stats.get(timeout=within)
        except queue.Empty:
            raise RuntimeError(
                f"no STATS from pid {self.pid}:\n" + "".join(self.tail[-30:])
            ) from None

    def stop(self) -> None:
        stop(self.proc)
        if self._pump is not None:
            self._pump.join(5)


def spawn(
    args: list[str],
    env: dict[str, str] | None = None,
    python: str | None = None,
    ready: str = "READY",
    within: float = 60,
) -> Child:
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
            child = Child(proc, line.strip())
            child.start_pump()
            return child
    proc.kill()
    raise RuntimeError(f"{args[:2]} did not get ready:\n" + "".join(lines[-30:]))


def rss_kib(pid: int, field_name: str = "VmRSS") -> int:
    with open(f"/proc/{pid}/status") as f:
        for ln in f:
            if ln.startswith(field_name + ":"):
                return int(ln.split()[1])
    return -1


def stop(proc: subprocess.Popen[str] | Child) -> None:
    if isinstance(proc, Child):
        proc.stop()
        return
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class _Probe:
    """Per-reply timings inside a bot process (perf_counter). One sample per reply sent after
    a /sync response began to be handled, timed from the latest one: the events are handled
    in their room's own task (adapters/matrix/lanes.py), not in the sync's, and the benchmark
    sends one command at a time, so the latest sync is the one that brought it."""

    def __init__(self) -> None:
        self.samples: list[dict[str, Any]] = []
        self.outside = 0  # sends not made while handling a sync (timers, edits from tasks)
        self._arrived: tuple[asyncio.Task[Any] | None, float] | None = None
        self.handling: tuple[asyncio.Task[Any] | None, float, float | None] | None = None

    def watch_syncs(self, client: nio.AsyncClient) -> None:
        """Note when each /sync response arrives: nio's create_matrix_response entry (the
        HTTP headers are in; nio has not read or parsed the body yet)."""
        orig = client.create_matrix_response

        async def create_matrix_response(*args: Any, **kwargs: Any) -> Any:
            cls = kwargs.get("response_class", args[0] if args else None)
            if cls is nio.SyncResponse:
                self._arrived = (asyncio.current_task(), time.perf_counter())
            return await orig(*args, **kwargs)

        client.create_matrix_response = create_matrix_response  # type: ignore[method-assign]

    def begin(self, t_handle: float) -> None:
        task = asyncio.current_task()
        arrived = self._arrived[1] if self._arrived and self._arrived[0] is task else None
        self.handling = (task, t_handle, arrived)

    def end(self) -> None:
        """The sync's events are queued to their rooms' tasks; its timing stays the latest."""

    def sent(self, t0: float, t1: float, event_id: str, *, edit: bool = False) -> None:
        h = self.handling
        if h is None:
            self.outside += 1
            return
        _, t_handle, t_arrive = h
        self.samples.append(
            {
                "event_id": event_id,
                "edit": edit,
                "arrive_to_handle_ms": None if t_arrive is None else (t_handle - t_arrive) * 1e3,
                "handle_to_send_ms": (t0 - t_handle) * 1e3,
                "send_rtt_ms": (t1 - t0) * 1e3,
            }
        )

    def dump(self) -> None:
        print("STATS " + json.dumps({"samples": self.samples, "outside": self.outside}), flush=True)


async def _logoff_child(url: str, user_id: str, db: str, both: bool) -> None:
    from adapters.matrix import MatrixAdapter, MatrixConfig
    from bot.app import build_bot

    if both:  # load the Discord adapter too, as `logoff run` with both configured would
        import adapters.discord  # noqa: F401

    bot = await build_bot(db)
    adapter = MatrixAdapter(MatrixConfig(url, user_id, access_token_env=TOKEN_ENV))
    probe = _Probe()
    probe.watch_syncs(adapter.client)
    orig_handle, orig_send = adapter.syncer.handle_sync, adapter.transport.send_event

    async def handle_sync(resp: nio.SyncResponse, since: str | None, first: bool = False) -> None:
        probe.begin(time.perf_counter())
        try:
            await orig_handle(resp, since, first)
        finally:
            probe.end()

    async def send_event(
        room_id: str, kind: str, content: dict[str, Any], txn_id: str | None
    ) -> str:
        t0 = time.perf_counter()
        event_id = await orig_send(room_id, kind, content, txn_id)
        probe.sent(t0, time.perf_counter(), event_id, edit="m.new_content" in content)
        return event_id

    # on this instance only: the product's code is unchanged
    adapter.syncer.handle_sync = handle_sync  # type: ignore[method-assign]
    adapter.transport.send_event = send_event  # type: ignore[method-assign]
    bot.add_adapter(adapter)
    await bot.start()
    stop_ev = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop_ev.set)
    loop.add_signal_handler(signal.SIGUSR1, probe.dump)
    print(f"READY rss_kib={proc_status_kib('VmRSS')}", flush=True)
    await stop_ev.wait()
    await bot.stop()


async def _echo_child(url: str, user_id: str) -> None:
    client = nio.AsyncClient(url, user_id, device_id="ECHO")
    client.access_token = os.environ[TOKEN_ENV]
    client.user_id = user_id
    await serve_echo(client, user_id)


async def serve_echo(client: nio.AsyncClient, user_id: str, **send: Any) -> None:
    """Answer any "!..." with an m.notice until SIGTERM; SIGUSR1 prints the probe's stats.
    `send`: extra room_send arguments (the encrypting echo passes ignore_unverified_devices)."""
    probe = _Probe()
    probe.watch_syncs(client)

    async def on_invite(room: nio.MatrixRoom, event: nio.InviteMemberEvent) -> None:
        if event.state_key == user_id:
            await client.join(room.room_id)

    async def on_text(room: nio.MatrixRoom, event: nio.RoomMessageText) -> None:
        probe.begin(time.perf_counter())
        try:
            if event.sender != user_id and event.body.startswith("!"):
                t0 = time.perf_counter()
                resp = await client.room_send(
                    room.room_id, "m.room.message", {"msgtype": "m.notice", "body": "echo"}, **send
                )
                if isinstance(resp, nio.RoomSendResponse):
                    probe.sent(t0, time.perf_counter(), resp.event_id)
        finally:
            probe.end()

    await client.sync(timeout=0, full_state=True)
    client.add_event_callback(on_invite, nio.InviteMemberEvent)  # type: ignore[arg-type]
    client.add_event_callback(on_text, nio.RoomMessageText)  # type: ignore[arg-type]
    loop = asyncio.get_running_loop()
    task = asyncio.create_task(client.sync_forever(timeout=30_000))

    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    loop.add_signal_handler(signal.SIGUSR1, probe.dump)
    print(f"READY rss_kib={proc_status_kib('VmRSS')}", flush=True)
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await client.close()


# --- reporting ---------------------------------------------------------------------------------


def turnarounds(samples: Iterable[Sample]) -> list[float]:
    """Server turnarounds in seconds (for summary_ms)."""
    return [s.turnaround_ms / 1e3 for s in samples if s.turnaround_ms is not None]


@dataclass
class Inside:
    """The bot-side timings of the replies in `samples`, in seconds."""

    arrive_to_send: list[float]  # /sync response arrived -> reply send starts
    handle_to_send: list[float]  # the bot starts handling the sync -> reply send starts
    send_rtt: list[float]  # the reply's PUT, start -> return
    matched: int
    of: int

    @classmethod
    def of_samples(cls, stats: dict[str, Any], samples: list[Sample]) -> Inside:
        by_id = {x["event_id"]: x for x in stats.get("samples", [])}
        got = [by_id[s.reply_id] for s in samples if s.reply_id in by_id]
        return cls(
            [
                (x["arrive_to_handle_ms"] + x["handle_to_send_ms"]) / 1e3
                for x in got
                if x["arrive_to_handle_ms"] is not None
            ],
            [x["handle_to_send_ms"] / 1e3 for x in got],
            [x["send_rtt_ms"] / 1e3 for x in got],
            len(got),
            len(samples),
        )

    def p50(self) -> float:
        return percentile(self.arrive_to_send, 50)


def report(
    label: str,
    samples: list[Sample],
    echo: list[Sample] | None,
    inside: Inside | None = None,
    echo_inside: Inside | None = None,
    handle_name: str = "_handle_sync entry",
) -> None:
    """Print one kind's figures: end to end, server turnaround, inside the bot; with the
    difference to the echo client's p50 for each when `echo` is given."""
    e2e = [s.e2e for s in samples]
    line = f"{label}: {summary_ms(e2e)} (end to end)"
    if echo is not None:
        over = (percentile(e2e, 50) - percentile([s.e2e for s in echo], 50)) * 1e3
        line += f"; overhead over echo at p50: {over:+.1f} ms"
    print(line)
    ta = turnarounds(samples)
    line = f"    server turnaround (reply ts - command ts): {summary_ms(ta)}"
    if echo is not None:
        over = (percentile(ta, 50) - percentile(turnarounds(echo), 50)) * 1e3
        line += f"; bot overhead over echo at p50 (server timestamps): {over:+.1f} ms"
    print(line)
    if inside is not None:
        line = (
            f"    inside the bot: sync arrived -> reply send starts {summary_ms(inside.arrive_to_send)}"
            f" (from {handle_name}: {summary_ms(inside.handle_to_send)}); send round trip "
            f"{summary_ms(inside.send_rtt)} [{inside.matched} of {inside.of} replies matched]"
        )
        if echo_inside is not None:
            line += (
                f"; own work over echo at p50: {(inside.p50() - echo_inside.p50()) * 1e3:+.2f} ms"
            )
        print(line)


def start_synapse() -> Any:
    from tests.matrix_harness import Synapse

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
