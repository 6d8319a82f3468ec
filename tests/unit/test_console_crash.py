"""`logoff try --db PATH` killed with SIGKILL: after it printed a reminder and before the
reminder's job was marked done, the next run re-sends the job with its key, and the console,
like a platform with a message nonce, prints nothing again; halfway through a `:wait`, the next
run's clock is no earlier than what was printed; while the bot handles a person's line, the
next run does not hand out that line's id again."""

from __future__ import annotations

import os
import re
import select
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess  # starts processes of its own

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
REMINDER = b"Reminder: Board games #1 starts"
CREATE = b"""\
:as alice mod
!config set reminders 1h
!event create Board games when="in 3 hours"
"""
GOING_BOB = re.compile(rb"^\[m\d+\] logoff \(edited\): \xf0\x9f\x93\x85 Board games #1\n(.*\n)*?"
                       rb" +Going \(1\)\n +bob\n", re.MULTILINE)
CARD = re.compile(rb"^\[(m\d+)\] logoff: \xf0\x9f\x93\x85 Board games #1$", re.MULTILINE)  # 📅


def args(db: Path) -> list[str]:
    return [sys.executable, "-m", "bot.cli", "try", "--db", str(db)]


class Console:
    """`logoff try --db` on a pipe that stays open, so the run never ends by itself: lines
    are typed as the test goes, and it ends only by SIGKILL."""

    def __init__(self, db: Path) -> None:
        self.proc = subprocess.Popen(args(db), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, cwd=ROOT, env=ENV)
        self.seen = b""

    def type(self, lines: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(lines)
        self.proc.stdin.flush()

    def until(self, pattern: bytes | re.Pattern[bytes]) -> bytes:
        """Everything printed so far, once `pattern` is among it."""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + 60
        found = (lambda: pattern in self.seen) if isinstance(pattern, bytes) else (
            lambda: pattern.search(self.seen) is not None)
        while not found():
            left = deadline - time.monotonic()
            assert left > 0, f"no {pattern!r} in {self.seen[-2000:]!r}"
            if select.select([fd], [], [], left)[0]:
                chunk = os.read(fd, 65536)
                assert chunk, f"the console ended before {pattern!r}: {self.seen[-2000:]!r}"
                self.seen += chunk
        return self.seen

    def kill(self) -> bytes:
        """SIGKILL at once; everything it printed before the kill landed."""
        assert self.proc.stdout is not None and self.proc.stdin is not None
        try:
            self.proc.send_signal(signal.SIGKILL)
        finally:
            self.proc.kill()
            self.proc.wait()
            self.seen += self.proc.stdout.read()
            self.proc.stdout.close()
            self.proc.stdin.close()
        return self.seen


def killed_at_the_reminder(db: Path, after_rsvp: bytes = b":wait 2h30m\n",
                           reminder: bytes = REMINDER) -> bytes:
    """Create the event, RSVP as bob by reacting to its card (by the id the card was printed
    with), type `after_rsvp`, and SIGKILL as soon as `reminder` is printed; what it printed."""
    console = Console(db)
    try:
        console.type(CREATE)
        found = CARD.search(console.until(CARD))
        assert found is not None
        console.type(b":as bob\n:react " + found[1] + b" \xe2\x9c\x85\n")
        console.until(GOING_BOB)  # bob's reaction was an RSVP: the card shows him going
        console.type(after_rsvp)
        console.until(reminder)
    finally:
        printed = console.kill()
    return printed


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
DM_AFTER_RSVP = b"!notify dm\n:wait 2h30m\n"


def test_a_reminder_dm_printed_before_a_kill_is_not_printed_again_by_the_next_run(tmp_path: Path) -> None:
    landed = 0
    for attempt in range(5):  # until a kill lands between the DM and the job's `sent`
        db = tmp_path / f"try{attempt}.db"
        first = killed_at_the_reminder(db, DM_AFTER_RSVP, DM)
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


START = re.compile(rb"Reminder: Board games #1 starts in 1 hour, (\w{3} \d\d \w{3} \d{4} \d\d:\d\d) UTC")
NOW = re.compile(rb"^\* it is now (\w{3} \d\d \w{3} \d{4} \d\d:\d\d) UTC$", re.MULTILINE)


def shown(text: bytes) -> datetime:
    return datetime.strptime(text.decode(), "%a %d %b %Y %H:%M")


def test_a_kill_in_the_middle_of_a_wait_does_not_take_the_next_runs_clock_back(tmp_path: Path) -> None:
    landed = 0
    for attempt in range(5):  # until a kill lands before the wait is over
        db = tmp_path / f"try{attempt}.db"
        # an hour on (the clock is kept), then a day: the reminder falls due an hour into it,
        # and the follow-ups after the event keep the wait going after the kill is sent
        first = killed_at_the_reminder(db, b":wait 1h\n:wait 1d\n")
        if len(NOW.findall(first)) != 1:
            continue  # the day was over before the kill landed
        landed += 1
        found = START.search(first)
        assert found is not None, first.decode()
        reminded_at = shown(found[1]) - timedelta(hours=1)
        second = subprocess.run(args(db), input=b":wait 1m\n", capture_output=True, timeout=60,
                                cwd=ROOT, env=ENV)
        assert second.returncode == 0, second.stderr.decode()[-2000:]
        # the time goes on from no earlier than the printed reminder, which is not printed again
        now = NOW.findall(second.stdout)
        assert len(now) == 1 and shown(now[0]) >= reminded_at + timedelta(minutes=1), (
            first.decode(), second.stdout.decode())
        assert REMINDER not in second.stdout, second.stdout.decode()
        if landed >= 2:
            break
    assert landed, "no kill landed before the wait was over; the test proved nothing"


SAID = re.compile(rb"^\[u(\d+)\] you: hello$", re.MULTILINE)
AGAIN = re.compile(rb"^\[u(\d+)\] you: again$", re.MULTILINE)


def test_a_line_printed_before_a_kill_keeps_its_id_from_the_next_runs_lines(tmp_path: Path) -> None:
    for attempt in range(2):  # the kill lands while the bot still handles the line, or after
        db = tmp_path / f"try{attempt}.db"
        console = Console(db)
        try:
            console.type(b"hello\n")
            console.until(SAID)
        finally:
            first = console.kill()
        said = SAID.search(first)
        assert said is not None
        second = subprocess.run(args(db), input=b"again\n", capture_output=True, timeout=60,
                                cwd=ROOT, env=ENV)
        assert second.returncode == 0, second.stderr.decode()[-2000:]
        again = AGAIN.search(second.stdout)
        assert again is not None and int(again[1]) > int(said[1]), (first.decode(), second.stdout.decode())
