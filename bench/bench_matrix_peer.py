"""Benchmark 9: logoff against a peer, matrix-reminder-bot 0.4.0, on the same local Synapse in
the same run.

    python bench/bench_matrix_peer.py [--n 30] [--peer-python /tmp/mrb-venv/bin/python]

The peer lives in its own venv so its dependencies stay away from ours; when the default
interpreter is missing the script creates it first (a minute or two, from PyPI):

    python -m venv /tmp/mrb-venv && /tmp/mrb-venv/bin/pip install matrix-reminder-bot==0.4.0 \
        python-olm

(its client config enables E2E, so nio needs python-olm). Four processes: Synapse, logoff
(build_bot + MatrixAdapter, Discord adapter module also imported), matrix-reminder-bot, and a
do-nothing nio echo client; the "human" is this process. Figures:
- `!help` -> first reply, p50/p99, for each bot and for the echo client (sequential): end to
  end (the human's send -> the reply on the human's /sync), server turnaround (reply
  origin_server_ts - command origin_server_ts: no human /sync leg), and for logoff and the
  echo client the time inside the bot from its /sync response arriving to the reply's send
  starting, and the send's round trip (bench/_matrix.py explains how each is taken);
- idle RSS of each bot process (VmRSS after start-up and the measurements, then idle 2 s);
- 50 commands with 8 in flight from one user: how many answered and whether in order
  (logoff: `!poll create Qnnn? a | b`, the card names Qnnn; peer: `!remindme in <n> hours; x`,
  the confirmation names the time). logoff is also run with the 50 commands spread over 8
  users, to separate its per-user flood limiter (burst 8, then 2/s) from its capacity.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from _common import header, load, percentile, tmpdir
from _matrix import (
    TOKEN_ENV,
    Human,
    Inside,
    Sample,
    report,
    rss_kib,
    spawn,
    start_synapse,
    stop,
    tmp_db,
    turnarounds,
)

DEFAULT_PEER = "/tmp/mrb-venv/bin/python"
PEER_CONFIG = """\
command_prefix: "!"
matrix:
  user_id: "{user_id}"
  user_password: "{password}"
  homeserver_url: {url}
  device_id: MRBBENCH
  device_name: bench
storage:
  database: "sqlite://{dir}/reminders.db"
  store_path: "{dir}/store"
reminders:
  timezone: "Etc/UTC"
allowlist:
  enabled: false
  regexes: []
blocklist:
  enabled: false
  regexes: []
logging:
  level: INFO
  file_logging:
    enabled: false
    filepath: "{dir}/bot.log"
  console_logging:
    enabled: true
"""
WHEN = re.compile(r"on (\w{3} \d{2} \d{4}, \d{2}:\d{2})")


def in_order(answered: list[int], n: int) -> tuple[int, bool]:
    """(distinct commands answered, all n answered in order)."""
    distinct = [i for i in dict.fromkeys(answered) if i >= 0]
    return len(distinct), answered == list(range(n))


def order_note(answered: list[int]) -> str:
    got = [i for i in answered if i >= 0]
    mono = all(a < b for a, b in zip(got, got[1:], strict=False))
    missing = sorted(set(range(max(got, default=-1) + 1)) - set(got))
    return f"replies {'never' if mono else 'SOMETIMES'} out of order" + (
        f"; unanswered: {missing}" if missing else ""
    )


async def run(n: int, peer_python: str, total: int, in_flight: int) -> None:
    syn = start_synapse()
    procs = []
    humans: list[Human] = []
    try:
        bot_acc, peer_acc, echo_acc = (
            syn.register("logoff"),
            syn.register("reminder"),
            syn.register("echo"),
        )
        people = [syn.register(f"human{i}") for i in range(in_flight)]
        logoff = spawn(
            ["bench/_matrix.py", "logoff", syn.url, bot_acc.user_id, str(tmp_db("peer")), "--both"],
            env={TOKEN_ENV: bot_acc.access_token},
        )
        procs.append(logoff)
        echo = spawn(
            ["bench/_matrix.py", "echo", syn.url, echo_acc.user_id],
            env={TOKEN_ENV: echo_acc.access_token},
        )
        procs.append(echo)
        pdir = tmpdir("mrb")
        (pdir / "config.yaml").write_text(
            PEER_CONFIG.format(
                user_id=peer_acc.user_id, password=peer_acc.password, url=syn.url, dir=pdir
            )
        )
        peer = spawn_peer(peer_python, pdir)
        procs.append(peer)
        for acc in people:
            h = Human(syn.url, acc.user_id, acc.access_token, acc.device_id)
            await h.start()
            humans.append(h)
        me = humans[0]
        # One room per bot: in a shared room every bot answered every `!` message (the echo
        # client all of them, logoff and the peer each other's `!help`), and their PUTs
        # queued behind each other in Synapse. Each room has the same two members (a room's
        # size changes Synapse's work per message), but `crowd`, for the run from 8 users.
        room = await me.room_with(bot_acc.user_id)
        peer_room = await me.room_with(peer_acc.user_id)
        echo_room = await me.room_with(echo_acc.user_id)
        crowd = await me.room_with(bot_acc.user_id, *[h.user_id for h in humans[1:]])
        for h in humans[1:]:
            await h.client.join(crowd)
        for r, uid in ((room, bot_acc.user_id), (peer_room, peer_acc.user_id),
                       (echo_room, echo_acc.user_id), (crowd, bot_acc.user_id)):
            await me.wait_joined(r, uid)
        await asyncio.sleep(2.0)  # the peer ignores messages older than its join

        await me.round_trips(echo_room, echo_acc.user_id, lambda i: "!ping", 3)  # warm-up
        await me.round_trips(room, bot_acc.user_id, lambda i: "!help", 3, settle=0.55)
        await me.round_trips(peer_room, peer_acc.user_id, lambda i: "!help", 3)
        lat: dict[str, list[Sample]] = {
            "echo client": [],
            "logoff !help": [],
            "matrix-reminder-bot !help": [],
        }
        who = {
            "echo client": (echo_acc.user_id, echo_room),
            "logoff !help": (bot_acc.user_id, room),
            "matrix-reminder-bot !help": (peer_acc.user_id, peer_room),
        }
        for _ in range(n):  # interleaved so load changes hit all three alike
            for k, (uid, where) in who.items():
                text = "!ping" if k == "echo client" else "!help"
                lat[k] += await me.round_trips(where, uid, lambda i, t=text: t, 1)
                # the same pause after every sample (each client's /sync in the same state);
                # it also keeps one user under logoff's flood limit (2 commands/s)
                await asyncio.sleep(0.55)
        echo_inside = Inside.of_samples(echo.stats(), lat["echo client"])
        lo_inside = Inside.of_samples(logoff.stats(), lat["logoff !help"])
        report("echo client", lat["echo client"], None, echo_inside, handle_name="its callback")
        report("logoff !help", lat["logoff !help"], lat["echo client"], lo_inside, echo_inside)
        report("matrix-reminder-bot !help", lat["matrix-reminder-bot !help"], lat["echo client"])
        e2e_p50 = {k: percentile([s.e2e for s in v], 50) for k, v in lat.items()}
        over = (e2e_p50["logoff !help"] - e2e_p50["echo client"]) * 1e3
        print(
            f"logoff reply overhead over echo at p50 (end to end): {over:.1f} ms  "
            f"[target <= 10 ms: {'MET' if over <= 10 else 'NOT MET'}]"
        )
        ta_p50 = {k: percentile(turnarounds(v), 50) * 1e3 for k, v in lat.items()}
        over = ta_p50["logoff !help"] - ta_p50["echo client"]
        peer_over = ta_p50["matrix-reminder-bot !help"] - ta_p50["echo client"]
        print(
            f"bot overhead over echo at p50 (server timestamps): logoff {over:+.1f} ms "
            f"[target <= 10 ms: {'MET' if over <= 10 else 'NOT MET'}]; "
            f"matrix-reminder-bot {peer_over:+.1f} ms"
        )
        print(
            "logoff's own work over echo at p50 (its /sync arrives -> reply send starts): "
            f"{(lo_inside.p50() - echo_inside.p50()) * 1e3:+.2f} ms"
        )

        await asyncio.sleep(2.0)
        lo_rss, peer_rss = rss_kib(logoff.pid), rss_kib(peer.pid)
        print(
            f"idle RSS: logoff (Matrix + Discord adapters loaded) {lo_rss / 1024:.1f} MiB "
            f"[target <= 80 MiB: {'MET' if lo_rss / 1024 <= 80 else 'NOT MET'}]; "
            f"matrix-reminder-bot {peer_rss / 1024:.1f} MiB; echo client "
            f"{rss_kib(echo.pid) / 1024:.1f} MiB"
        )

        # 50 commands, 8 in flight, one user
        cmds = [f"!poll create Q{i:03d}? a | b" for i in range(total)]
        got = await me.pipelined(
            room, bot_acc.user_id, cmds, in_flight, lambda body, i: f"Q{i:03d}?" in body
        )
        count, ordered = in_order(got, total)
        print(
            f"logoff, {total} commands from one user, {in_flight} in flight: {count} answered, "
            f"{'in order' if ordered else 'NOT all in order'} ({order_note(got)}); "
            f"replies seen {len(got)} "
            f"(non-command replies such as a flood warning: {got.count(-1)})  "
            f"[target {total} of {total} in order: "
            f"{'MET' if count == total and ordered else 'NOT MET'}]"
        )
        await asyncio.sleep(6)  # let the flood limiter refill
        got = await spread(humans, crowd, bot_acc.user_id, cmds, in_flight)
        count, ordered = in_order(got, total)
        print(
            f"logoff, {total} commands from {in_flight} users, {in_flight} in flight: {count} "
            f"answered, {'in order' if ordered else 'NOT in order'}"
        )
        base = datetime.now(UTC).replace(second=0, microsecond=0)
        pcmds = [f"!remindme in {i + 1} hours; bench {i}" for i in range(total)]

        def peer_match(body: str, i: int) -> bool:
            m = WHEN.search(body)
            if not m:
                return False
            at = datetime.strptime(m.group(1), "%b %d %Y, %H:%M").replace(tzinfo=UTC)
            return round((at - base).total_seconds() / 3600) - 1 == i

        got = await me.pipelined(peer_room, peer_acc.user_id, pcmds, in_flight, peer_match)
        count, ordered = in_order(got, total)
        print(
            f"matrix-reminder-bot, {total} commands from one user, {in_flight} in flight: "
            f"{count} answered, {'in order' if ordered else 'NOT all in order'} ({order_note(got)})"
        )
    finally:
        for h in humans:
            await h.stop()
        for p in procs:
            stop(p)
        syn.cleanup()


async def spread(
    humans: list[Human], room: str, bot: str, cmds: list[str], in_flight: int
) -> list[int]:
    """Like Human.pipelined, but command i is sent by human i % len(humans)."""
    me = humans[0]
    me.drain()
    answered: list[int] = []
    sent = 0
    deadline = time.monotonic() + 60
    while (sent < len(cmds) or len(answered) < sent) and time.monotonic() < deadline:
        while sent < len(cmds) and sent - len(answered) < in_flight:
            await humans[sent % len(humans)].send(room, cmds[sent])
            sent += 1
        try:
            seen = await me.next_from(bot, within=max(0.1, deadline - time.monotonic()))
        except TimeoutError:
            break
        answered.append(next((i for i in range(len(cmds)) if f"Q{i:03d}?" in seen.body), -1))
    return answered


def spawn_peer(python: str, pdir: Path) -> subprocess.Popen[str]:
    """matrix-reminder-bot with our config; ready when it logs 'Startup complete'."""

    proc = subprocess.Popen(
        [
            python,
            "-c",
            "import asyncio, sys; from matrix_reminder_bot.main import main; "
            "sys.argv = ['matrix-reminder-bot', sys.argv[1]]; asyncio.run(main())",
            str(pdir / "config.yaml"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=pdir,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Startup complete" in line:
            # keep draining its log so a full pipe never blocks it
            threading.Thread(target=proc.stdout.read, daemon=True).start()
            return proc
    proc.kill()
    raise RuntimeError("matrix-reminder-bot did not start:\n" + "".join(lines[-30:]))


def install_peer() -> None:
    """The peer's own venv, as the docstring says (so a fresh clone needs one command)."""
    venv = Path(DEFAULT_PEER).parent.parent
    print(f"# creating the peer's venv in {venv} (matrix-reminder-bot 0.4.0, python-olm)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([DEFAULT_PEER, "-m", "pip", "install", "-q", "matrix-reminder-bot==0.4.0",
                    "python-olm"], check=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=30, help="!help samples per bot")
    p.add_argument("--peer-python", default=DEFAULT_PEER)
    p.add_argument("--total", type=int, default=50)
    p.add_argument("--in-flight", type=int, default=8)
    args = p.parse_args()
    header("logoff vs matrix-reminder-bot 0.4.0 on a local Synapse (benchmark 9)")
    if args.peer_python == DEFAULT_PEER and not Path(DEFAULT_PEER).exists():
        install_peer()
    if not shutil.which(args.peer_python) and not Path(args.peer_python).exists():
        print(f"peer interpreter {args.peer_python} not found; install it as the docstring says")
        return
    asyncio.run(run(args.n, args.peer_python, args.total, args.in_flight))
    print(f"# {load()} at the end")


if __name__ == "__main__":
    main()
