"""The whole online-to-offline story, piped into `logoff try`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import PIPED_BANNER

pytestmark = pytest.mark.subprocess  # starts processes of its own

ROOT = Path(__file__).resolve().parents[2]

STORY = """\
:as alice
!poll create "Where should we meet?" Riverside Park | Blue Cafe | Library
!poll create "When?" "saturday 6:30pm" | "sunday 11am"
:react m1 2️⃣
:react m2 1️⃣
:as bob
:react m1 2️⃣
:react m1 1️⃣
:as carol
:react m1 2️⃣
:as alice
!event create Board games when=poll:2 where=poll:1 capacity=2
:as bob
:react m3 ✅
:as carol
:react m3 ✅
:as dave
:react m3 ✅
:as carol
:unreact m3 ✅
:as alice mod
!config set reminders 2h,1h
!event edit 1 when="in 3 hours"
:wait 1h30m
:wait 1h
:wait 2h
!config show
:quit
!help
"""


def test_poll_to_event_to_rsvp_to_reminder() -> None:
    r = subprocess.run([sys.executable, "-m", "bot.cli", "try"], input=STORY, capture_output=True, text=True,
                       timeout=60, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    out = r.stdout
    assert r.returncode == 0, r.stderr
    assert r.stderr == PIPED_BANNER + "\n"
    # the polls decided place and time; the event took them and closed the polls
    card = re.search(r"\[(m\d+)\] logoff: 📅 Board games #1", out)
    assert card and card.group(1) == "m3", out
    assert "📍 Blue Cafe" in out and re.search(r"🕒 Sat \d\d \w+ \d{4} 18:30 UTC", out)
    assert "Where should we meet? (closed) #1" in out and "When? (closed) #2" in out
    # capacity 2: dave waitlisted, promoted when carol leaves
    assert "Going (2/2)" in out and "Waitlist (1)" in out
    assert re.search(r"@dave a spot opened up: you're in for Board games #1", out)
    # two reminders, each exactly once, at 2h and 1h before
    reminders = re.findall(r"⏰ Reminder: Board games #1 starts in (\d+ \w+)", out)
    assert reminders == ["2 hours", "1 hour"], out
    assert out.count("Going: @bob @dave") == 2
    # :quit stops reading; !help after it never ran
    assert "logoff commands" not in out


SERIES = """\
:as alice mod
!config set timezone Europe/Berlin
!event create Pub quiz when="2030-03-05 19:00" repeat=weekly count=6
:as bob
:react m2 ✅
:wait 1300d
!event list
:quit
"""


def test_a_weekly_meetup_runs_for_months_across_dst() -> None:
    r = subprocess.run([sys.executable, "-m", "bot.cli", "try"], input=SERIES, capture_output=True,
                       text=True, timeout=60, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    out = r.stdout
    assert r.returncode == 0, r.stderr
    # Six occurrences, each its own event, all at 19:00 Berlin time; summer time from 31 March.
    # (a card shows again when it is edited, e.g. by bob's RSVP: first showing of each)
    first_showing: dict[str, str] = {}
    for i, t in re.findall(r"📅 Pub quiz #(\d+)\n\s+🕒 (\w+ \d\d \w+ 2030 19:00 \w+)", out):
        first_showing.setdefault(i, t)
    starts = list(first_showing.items())
    assert [int(i) for i, _ in starts] == [1, 2, 3, 4, 5, 6], out
    assert [t.split()[-1] for _, t in starts] == ["CET"] * 4 + ["CEST"] * 2
    # Two reminders per occurrence, each once, and bob's RSVP only on the one he answered.
    reminders = re.findall(r"⏰ Reminder: Pub quiz #(\d) starts in (24 hours|1 hour)", out)
    assert reminders == [(str(i), w) for i in range(1, 7) for w in ("24 hours", "1 hour")]
    assert out.count("Going: @bob") == 2
    assert "No upcoming events here" in out
