"""Exactly-once reminders across SIGKILL: our table + claim + idempotency key."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess  # starts processes of its own

WORKER = Path(__file__).with_name("scheduler_worker.py")


def run_worker(db: Path, log: Path, n: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.Popen([sys.executable, str(WORKER), str(db), str(log), str(n)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_reminders_are_delivered_exactly_once_across_kill_9(tmp_path: Path) -> None:
    n, kills = 1000, 15
    db, log = tmp_path / "jobs.db", tmp_path / "platform.log"
    rnd = random.Random(7)
    killed = 0
    for _ in range(kills):
        proc = run_worker(db, log, n)
        time.sleep(rnd.uniform(0.3, 1.2))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait()
    final = run_worker(db, log, n)
    _, err = final.communicate(timeout=120)
    assert final.returncode == 0, err.decode()[-2000:]

    records = [json.loads(ln) for ln in log.read_text().splitlines() if ln.strip()]
    created = Counter(r["body"] for r in records if r["created"])
    assert len(created) == n, f"lost {n - len(created)} reminders"
    assert set(created.values()) == {1}, "a reminder was posted twice"
    assert killed >= 3, "the kills did not land while firing; the test proved nothing"
    # Re-sends after a crash in 'sending' happen and are absorbed by the key.
    attempts = Counter(r["body"] for r in records)
    print(f"kills={killed} re-sends absorbed={sum(attempts.values()) - n}")
