"""`logoff try --db PATH` twice on the same database: the second run goes on where the
first stopped (message ids, reactions on its cards, the clock)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess  # starts processes of its own

ROOT = Path(__file__).resolve().parents[2]


def run(db: Path | None, lines: str) -> str:
    args = [sys.executable, "-m", "bot.cli", "try"] + (["--db", str(db)] if db else [])
    r = subprocess.run(args, input=lines, capture_output=True, text=True, timeout=60, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr, r.stderr
    return r.stdout


def ids(out: str) -> list[str]:
    return re.findall(r"^\[(m\d+)\] logoff", out, re.MULTILINE)


FIRST = """\
:as alice mod
!event create Board games when="in 3 hours" capacity=1
!poll create "Where?" Park | Cafe
:as bob
:react m1 ✅
"""


def test_a_second_run_reacts_to_the_first_runs_cards_by_their_ids(tmp_path: Path) -> None:
    db = tmp_path / "try.db"
    first = run(db, FIRST)
    assert re.search(r"^\[m1\] logoff: 📅 Board games #1", first, re.MULTILINE), first
    assert re.search(r"^\[m2\] logoff: 📊 Where\? #1", first, re.MULTILINE), first
    assert "Going (1/1)" in first

    second = run(db, """\
:as carol
:react m1 ✅
:react m2 2
:as bob
:unreact m1 ✅
:react m99 ✅
""")
    # bob's going from the first run still counts: carol, reacting to that card by its
    # first-run id, is waitlisted behind him, then promoted when he takes it back
    assert re.search(r"@carol Board games #1 is full: you're number 1 on the waitlist", second), second
    assert re.search(r"@carol a spot opened up: you're in for Board games #1", second), second
    # the cards' edits are printed under the ids the first run gave them
    assert re.search(r"^\[m1\] logoff \(edited\): 📅 Board games #1(\n +.*)*\n +Waitlist \(1\)\n +carol",
                     second, re.MULTILINE), second
    assert re.search(r"^\[m2\] logoff \(edited\): 📊 Where\? #1\n +1️⃣ Park — 0.*\n +2️⃣ Cafe — 1",
                     second, re.MULTILINE), second
    # new messages go on after the first run's ids, never reusing one
    new = [i for i in ids(second) if i not in ("m1", "m2")]
    assert new and all(int(i[1:]) > int(ids(first)[-1][1:]) for i in new), (first, second)
    assert "⚠️ there is no message m99" in second

    # a third run: bob's un-react and carol's vote are the platform's truth now
    third = run(db, ":as dave\n:react m1 ✅\n:react m2 1\n")
    assert re.search(r"@dave Board games #1 is full: you're number 1 on the waitlist", third), third
    assert re.search(r"^\[m2\] logoff \(edited\): 📊 Where\? #1\n +1️⃣ Park — 1.*\n +2️⃣ Cafe — 1",
                     third, re.MULTILINE), third


def test_a_reminder_and_a_poll_deadline_from_an_earlier_run_fall_due_once_in_a_later_one(
        tmp_path: Path) -> None:
    db = tmp_path / "try.db"
    first = run(db, """\
:as alice mod
!config set reminders 1h
!event create Board games when="in 3 hours"
!poll create "Where?" Park | Cafe closes=2h
:as bob
:react m2 ✅
:react m3 1
:wait 30m
""")
    assert "Reminder" not in first and "Results of poll" not in first
    # the clock goes on from where the first run left it: the reminder (an hour before the
    # start) and the poll's deadline are due 1h30m on, not 2h
    # `last` is the latest bot message, the first run's poll
    second = run(db, ":as carol\n:react last 2\n:wait 1h29m\n:wait 2m\n:wait 1h\n")
    assert re.search(r"^\[m3\] logoff \(edited\): 📊 Where\? #1\n +1️⃣ Park — 1.*\n +2️⃣ Cafe — 1", second,
                     re.MULTILINE), second
    waits = second.split("* it is now")
    assert "Reminder" not in waits[0] and "Results of poll" not in waits[0], second
    assert "Reminder" in waits[1] and "Results of poll" in waits[1], second
    reminders = re.findall(r"^\[(m\d+)\] logoff: ⏰ Reminder: Board games #1 starts in 1 hour\b.*\n +Going: @bob",
                           second, re.MULTILINE)
    assert len(reminders) == 1 and second.count("Reminder") == 1, second
    assert second.count("Results of poll #1: Where? (closed)") == 1
    assert re.search(r"^\[m3\] logoff \(edited\): 📊 Where\? \(closed\) #1\n +1️⃣ Park — 1.*\n +2️⃣ Cafe — 1", second,
                     re.MULTILINE), second
    assert int(reminders[0][1:]) > max(int(i[1:]) for i in ids(first))


def test_without_a_database_each_run_starts_afresh() -> None:
    first = run(None, ":as alice\n!poll create \"Where?\" Park | Cafe\n")
    assert ids(first) == ["m1"]
    second = run(None, ":react m1 1\n!poll create \"When?\" Sat | Sun\n")
    assert "⚠️ there is no message m1" in second and ids(second) == ["m1"]
