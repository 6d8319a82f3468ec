"""`poll close` SIGKILLed after the close is committed and before its results reach the
platform (poll_kill_worker.py): the next start says them, once, and the one after says
nothing more."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from tests.reliability.file_platform import read_jsonl
from tests.reliability.reliability_kit import ROOT, worker_env

from .reliability_kit import wait_for_line

WORKER = Path(__file__).with_name("poll_kill_worker.py")


def worker(*args: str, log: Path) -> subprocess.Popen[str]:
    with open(log, "a", encoding="utf-8") as err:
        return subprocess.Popen([sys.executable, str(WORKER), *args], cwd=ROOT, env=worker_env(),
                                stdout=subprocess.PIPE, stderr=err, text=True)


def results(root: Path) -> list[str]:
    return [r["text"] for r in read_jsonl(root / "messages.jsonl")
            if r["created"] and "Results of poll #1" in r["text"]]


def test_poll_close_killed_before_its_results_says_them_once_after_the_restart(tmp_path: Path) -> None:
    root, db, log = tmp_path / "platform", str(tmp_path / "logoff.db"), tmp_path / "worker.log"
    proc = worker("close", str(root), db, log=log)
    try:
        wait_for_line(proc, "posting")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert results(root) == []
    for run in ("again", "once-more"):
        settled = worker(run, str(root), db, log=log)
        settled.communicate(timeout=120)
        assert settled.returncode == 0, log.read_text()[-3000:]
        shown = results(root)
        assert len(shown) == 1, shown
        assert "Result: Cafe with 2 votes" in shown[0], shown[0]
