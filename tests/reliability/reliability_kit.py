"""Helpers shared by the reliability tests: subprocess workers, database snapshots, and the
verdict on what a killed or stopped bot left in its database."""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app import Bot, build_bot
from tests.reliability.file_platform import PLATFORM, read_jsonl

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
MakeBot = Callable[..., Awaitable[tuple[Bot, Any]]]  # the make_bot fixture (conftest.py)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WORKER = HERE / "crash_worker.py"

# Every table that holds what users did or asked for.
STATE_TABLES = ("polls", "poll_marks", "events", "rsvps", "event_marks", "jobs", "settings",
                "messages", "offline_prompts", "event_series", "calendar_tokens", "event_native",
                "event_listings", "event_role_members", "surface_notes", "link_codes", "link_members", "link_shared",
                "event_checkins", "offline_calibration", "event_listings_settled", "notify_prefs",
                "event_checkin_cards", "event_checkin_stale", "web_secret")


def worker_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **extra}


def spawn(*args: str, log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start the crash worker; stderr goes to `log` (a pipe could fill up and block it)."""
    with open(log, "a", encoding="utf-8") as err:  # the child keeps its own copy
        return subprocess.Popen([sys.executable, str(WORKER), *args], cwd=ROOT, env=env or worker_env(),
                                stdout=subprocess.PIPE, stderr=err, text=True)


def wait_for_line(proc: subprocess.Popen[str], expected: str, timeout: float = 60) -> None:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.05)
        if ready:
            ln = proc.stdout.readline()
            if ln.strip() == expected:
                return
            if ln == "":
                raise AssertionError(f"worker exited ({proc.wait()}) before saying {expected!r}")
    raise AssertionError(f"worker did not say {expected!r} within {timeout}s")


def run_worker(*args: str, log: Path, timeout: float = 120) -> None:
    proc = spawn(*args, log=log)
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"worker {args[0]} failed ({proc.returncode}):\n" + log.read_text()[-3000:]


def connect_ro(db: Path) -> sqlite3.Connection:
    """Read what a killed process left, the way the next start will find it."""
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True)


def snapshot_conn(conn: sqlite3.Connection) -> dict[str, str]:
    """A digest of the full contents of every state table (not just counts: an UPDATE shows)."""
    out: dict[str, str] = {}
    for table in STATE_TABLES:
        rows = conn.execute(f"SELECT * FROM {table}").fetchall()
        out[table] = f"{len(rows)}:" + hashlib.sha256(repr(sorted(repr(tuple(r)) for r in rows)).encode()).hexdigest()[:16]
    return out


async def snapshot(bot: Bot) -> dict[str, str]:
    await bot.cards.idle()
    return await bot.db.read(snapshot_conn)


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return [t for t in before if before[t] != after[t]]


STATUS = {"✅": "going", "🤔": "maybe", "❌": "no"}


def count_lines(path: Path) -> int:
    if not path.exists():
        return 0
    with open(path, "rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 16), b""))


def kill_at_progress(proc: subprocess.Popen[str], progress: Path, advance: int, rnd: random.Random,
                     timeout: float = 30) -> bool:
    """SIGKILL once `progress` grew by `advance` lines (plus a random few ms, so the kill
    lands anywhere in the next operation). False if the process had already finished."""
    start = count_lines(progress)
    deadline = time.monotonic() + timeout
    while proc.poll() is None and count_lines(progress) < start + advance:
        if time.monotonic() > deadline:
            break
        time.sleep(0.002)
    time.sleep(rnd.uniform(0, 0.006))
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return True


@dataclass
class Verdict:
    lost: list[str] = field(default_factory=list)  # acknowledged, but not in the database
    inconsistent: list[str] = field(default_factory=list)
    behind_truth: int = 0  # reactions the platform has and the database not (yet)
    acked: int = 0


def rsvp_verdict(root: Path, db: Path) -> Verdict:
    """Compare the database a kill left with the platform's truth and the acks."""
    truth = [r for r in read_jsonl(root / "reactions.jsonl") if not r["bot"] and r["emoji"] in STATUS]
    acked = {r["op"] for r in read_jsonl(root / "acks.jsonl")}
    conn = connect_ro(db)
    try:
        event_of = {k.partition(":")[2]: oid for k, oid in conn.execute(
            "SELECT key, object_id FROM messages WHERE cog='events' AND kind='event'")}
        marks = {(e, u, v) for e, u, v in conn.execute(
            "SELECT object_id, user, value FROM event_marks WHERE source='reaction'")}
        latest = {(e, u): v for e, u, v in conn.execute(
            "SELECT object_id, user, value FROM event_marks m WHERE seq = (SELECT MAX(seq) FROM "
            "event_marks WHERE object_id=m.object_id AND user=m.user)")}
        rsvps = {(e, u): s for e, u, s in conn.execute("SELECT event_id, user, status FROM rsvps")}
        dupes = conn.execute("SELECT COUNT(*) FROM (SELECT event_id, user FROM rsvps GROUP BY "
                             "event_id, user HAVING COUNT(*) > 1)").fetchone()[0]
    finally:
        conn.close()

    v = Verdict(acked=len(acked))
    by_key: dict[tuple[str, str, str], list[dict[str, object]]] = defaultdict(list)
    for r in truth:
        by_key[(r["msg"], r["user"], r["emoji"])].append(r)
    for (msg, user, emoji), ops in by_key.items():
        in_db = (event_of[msg], f"{PLATFORM}:{user}", STATUS[emoji]) in marks
        last_ack = max((i for i, r in enumerate(ops) if r["op"] in acked), default=-1)
        allowed = {bool(ops[last_ack]["added"]) if last_ack >= 0 else False}
        allowed |= {bool(r["added"]) for r in ops[last_ack + 1:]}  # un-acked, maybe committed
        if in_db not in allowed:
            v.lost.append(f"{user} {emoji} on {msg}: acked {ops[last_ack]['op']} "
                          f"(added={ops[last_ack]['added']}), database has {in_db}")
        if in_db != bool(ops[-1]["added"]):
            v.behind_truth += 1
    # The derived status is consistent with the marks, in the same transaction.
    if dupes:
        v.inconsistent.append(f"{dupes} duplicated rsvps rows")
    for key in set(latest) | set(rsvps):
        if latest.get(key) != rsvps.get(key):
            v.inconsistent.append(f"{key}: latest mark {latest.get(key)}, rsvps {rsvps.get(key)}")
    return v


def command_names() -> list[str]:
    async def names() -> list[str]:
        bot = await build_bot(":memory:")
        try:
            return [spec.name for spec in bot.commands]
        finally:
            await bot.db.close()

    return asyncio.run(names())


COMMANDS = command_names()  # from a real bot, so a new command is fuzzed without editing this file
