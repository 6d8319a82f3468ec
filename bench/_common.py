"""Helpers shared by the benchmark scripts: percentiles, machine facts, RSS, temp dirs.

Nothing here measures anything by itself; every figure is computed by the script that
prints it, in the same run.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of `values`; nan when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def summary_ms(values_s: Sequence[float]) -> str:
    """'p50 x ms, p99 y ms, max z ms (n)' for durations given in seconds."""
    if not values_s:
        return "no samples"
    return (
        f"p50 {percentile(values_s, 50) * 1e3:.2f} ms, "
        f"p99 {percentile(values_s, 99) * 1e3:.2f} ms, "
        f"max {max(values_s) * 1e3:.2f} ms (n={len(values_s)})"
    )


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine() -> str:
    mem_kb = 0
    try:
        with open("/proc/meminfo") as f:
            for ln in f:
                if ln.startswith("MemTotal:"):
                    mem_kb = int(ln.split()[1])
    except OSError:
        pass
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.startswith("model name"):
                    cpu = ln.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import sqlite3

    return (
        f"{os.cpu_count()} cores ({cpu or platform.machine()}), "
        f"{mem_kb / 1024 / 1024:.1f} GiB RAM, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{platform.system()} {platform.release()}"
    )


def header(title: str) -> None:
    print(f"# {title}")
    print(f"# machine: {machine()}")
    print(f"# date: {_dt.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"# command: python {' '.join(sys.argv)}")
    print(f"# {load()}", flush=True)


def load() -> str:
    """The load average: other work on the machine makes tail latencies noisy."""
    try:
        with open("/proc/loadavg") as f:
            one, five, fifteen = f.read().split()[:3]
        return f"load average {one} {five} {fifteen} on {os.cpu_count()} cores"
    except OSError:
        return "load average unknown"


class Steal:
    """Share of CPU time the hypervisor gave to other machines while a block ran (the
    `st` column of vmstat). On a shared VM it moves wall-clock figures by 2x between
    runs of the same code, so storm figures are printed next to it."""

    def __enter__(self) -> Steal:
        self._t0 = self._read()
        return self

    def __exit__(self, *exc: object) -> None:
        t1 = self._read()
        total = sum(t1) - sum(self._t0)
        self.percent = 100.0 * (t1[7] - self._t0[7]) / total if total > 0 else float("nan")

    @staticmethod
    def _read() -> list[int]:
        try:
            with open("/proc/stat") as f:
                return [int(x) for x in f.readline().split()[1:9]]
        except (OSError, ValueError, IndexError):
            return [0] * 8


def proc_status_kib(field: str) -> int:
    """A field of /proc/self/status in KiB (VmRSS, VmHWM)."""
    with open("/proc/self/status") as f:
        for ln in f:
            if ln.startswith(field + ":"):
                return int(ln.split()[1])
    return -1


def tmpdir(prefix: str) -> Path:
    """A fresh directory on a real disk (not /dev/shm): the targets are for SQLite on disk."""
    return Path(tempfile.mkdtemp(prefix=f"logoff-bench-{prefix}-", dir=os.environ.get("BENCH_TMP")))
