"""The README's own example, as written, runs through `logoff try` to its reminder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess  # starts processes of its own

ROOT = Path(__file__).resolve().parents[2]


def readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"A whole meetup, poll to reminder.*?```text\n(.*?)```", text, re.S)
    assert m, "the README lost its example"
    return m.group(1)


def test_the_readme_example_reaches_its_reminder() -> None:
    r = subprocess.run([sys.executable, "-m", "bot.cli", "try"], input=readme_example(),
                       capture_output=True, text=True, timeout=120, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "⚠️" not in out, out
    assert re.search(r"\[m3\] logoff: 📅 Board games #1", out), out
    assert "📍 Blue Cafe" in out
    assert re.search(r"⏰ Reminder: Board games #1 starts in 1 hour, \w{3} \d\d \w{3} \d{4} 18:30 UTC", out), out
    assert "Going (1/2)" in out and "bob" in out
