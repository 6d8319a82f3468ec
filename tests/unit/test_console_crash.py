"""`logoff try --db PATH` killed with SIGKILL after it printed a reminder and before the
reminder's job was marked done: the next run re-sends the job with its key, and the console,
like a platform with a message nonce, prints nothing again."""

from __future__ import annotations

import os
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess  # starts processes of its own

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
REMINDER = b"Reminder: Board games #1 starts"
SETUP = b"""\
:as alice mod
!config set reminders 1h
!event create Board games when="in 3 hours"
:as bob
:react m1 \xe2\x9c\x85
:wait 2h30m
"""


def args(db: Path) -> list[str]:
    return [sys.executable, "-m", "bot.cli", "try", "--db", str(db)]


def killed_at_the_reminder(db: Path, setup: bytes = SETUP, reminder: bytes = REMINDER) -> bytes:
    """Run until the reminder is printed, then SIGKILL at once; what it printed."""
    proc = subprocess.Popen(args(db), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, cwd=ROOT, env=ENV)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(setup)
    proc.stdin.flush()  # stdin stays open: the run must not end by itself
    seen = b""
    fd = proc.stdout.fileno()
    deadline = time.monotonic() + 60
    try:
        while reminder not in seen:
            left = deadline - time.monotonic()
            assert left > 0, f"no reminder in {seen[-2000:]!r}"
            if select.select([fd], [], [], left)[0]:
                chunk = os.read(fd, 65536)
                assert chunk, f"the console ended before the reminder: {seen[-2000:]!r}"
                seen += chunk
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
        rest = proc.stdout.read()  # printed before the kill landed
        proc.stdout.close()
        proc.stdin.close()
    return seen + rest


def reminder_state(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT state FROM jobs WHERE kind='event.reminder'").fetchall()
    assert len(rows) == 1, rows
    return str(rows[0][0])


def test_a_reminder_printed_before_a_kill_is_not_printed_again_by_the_next_run(tmp_path: Path) -> None:
    landed = 0
    for attempt in range(5):  # until a kill lands between the print and the job's `sent`
        db = tmp_path / f"try{attempt}.db"
        first = killed_at_the_reminder(db)
        if reminder_state(db) != "sending":
            continue  # it was marked done before the kill landed: nothing to re-send
        landed += 1
        second = subprocess.run(args(db), input=b":wait 3h\n", capture_output=True, timeout=60,
                                cwd=ROOT, env=ENV)
        assert second.returncode == 0, second.stderr.decode()[-2000:]
        assert first.count(REMINDER) == 1, first.decode()
        assert second.stdout.count(REMINDER) == 0, second.stdout.decode()
        assert reminder_state(db) == "sent"
        if landed >= 2:
            break
    assert landed, "no kill landed while the reminder was being sent; the test proved nothing"


DM = b"logoff to bob: \xe2\x8f\xb0 Reminder: Board games #1 starts"
DM_SETUP = b"""\
:as alice mod
!config set reminders 1h
!event create Board games when="in 3 hours"
:as bob
:react m2 \xe2\x9c\x85
!notify dm
:wait 2h30m
"""


def test_a_reminder_dm_printed_before_a_kill_is_not_printed_again_by_the_next_run(tmp_path: Path) -> None:
    landed = 0
    for attempt in range(5):  # until a kill lands between the DM and the job's `sent`
        db = tmp_path / f"try{attempt}.db"
        first = killed_at_the_reminder(db, DM_SETUP, DM)
        if reminder_state(db) != "sending":
            continue
        landed += 1
        second = subprocess.run(args(db), input=b":wait 3h\n", capture_output=True, timeout=60,
                                cwd=ROOT, env=ENV)
        assert second.returncode == 0, second.stderr.decode()[-2000:]
        assert first.count(DM) == 1, first.decode()
        assert second.stdout.count(b"to bob") == 0, second.stdout.decode()
        assert reminder_state(db) == "sent"
        if landed >= 2:
            break
    assert landed, "no kill landed while the reminder was being sent; the test proved nothing"
