"""Benchmark 6: start-up time, as wall time of fresh subprocesses (median of `--runs`).

    python bench/bench_startup.py [--runs 10]

1. `logoff try` with ":quit" piped to stdin (in-memory database): process start to exit.
2. build_bot + FakeAdapter + Bot.start to ready on a fresh database file (all migrations),
   then exit: process start to exit, and the in-process time from before `import bot.app`
   to ready (printed by the child).
3. The same on an existing database holding 10,000 events and 100,000 RSVPs (`--filled`).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import ROOT, header, load, tmpdir

CHILD = r"""
import sys, time, asyncio
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
from bot.app import build_bot
from bot.clock import Clock
from bot.testing import FakeAdapter
async def main():
    bot = await build_bot({db!r}, clock=Clock())
    bot.add_adapter(FakeAdapter())
    await bot.start()
    ready = time.perf_counter() - t0
    await bot.stop()
    print(ready)
asyncio.run(main())
"""


def timed(cmd: list[str], stdin: str | None = None) -> tuple[float, str]:
    t = time.perf_counter()
    res = subprocess.run(cmd, input=stdin, capture_output=True, text=True, check=True, cwd=ROOT)
    return time.perf_counter() - t, res.stdout


def logoff_cmd() -> list[str]:
    exe = shutil.which("logoff")
    return [exe, "try"] if exe else [sys.executable, "-m", "bot.cli", "try"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--filled", action=argparse.BooleanOptionalAction, default=True)
    args = p.parse_args()
    header("start-up (benchmark 6)")
    d = tmpdir("start")
    timed([sys.executable, "-c", "pass"])  # warm the page cache for the interpreter

    walls = [timed(logoff_cmd(), ":quit\n")[0] for _ in range(args.runs)]
    m = statistics.median(walls)
    print(
        f"`{' '.join(Path(c).name for c in logoff_cmd())}` < ':quit': median {m:.3f} s, "
        f"min {min(walls):.3f} s, max {max(walls):.3f} s ({args.runs} runs)  "
        f"[target <= 1.5 s: {'MET' if m <= 1.5 else 'NOT MET'}]"
    )
    python_only = statistics.median([timed([sys.executable, "-c", "pass"])[0] for _ in range(5)])
    print(f"  (a bare `python -c pass` takes {python_only:.3f} s here)")

    variants: list[tuple[str, Path]] = [("fresh database (migrations run)", d / "fresh.db")]
    if args.filled:
        filled = d / "filled.db"
        sys.path.insert(0, str(ROOT / "bench"))
        from bench_memory import fill

        asyncio.run(fill(filled, 10_000, 100_000))
        variants.append(("existing database, 10,000 events / 100,000 RSVPs", filled))
    for label, db in variants:
        walls, readies = [], []
        for _ in range(args.runs):
            if label.startswith("fresh"):
                db.unlink(missing_ok=True)
                run_db = db
            else:
                # A copy each time: a start marks the cards the fake platform does not know as
                # gone, so re-using the file measured 10,000 live cards once and none after.
                run_db = db.with_name("run.db")
                shutil.copyfile(db, run_db)
            wall, out = timed([sys.executable, "-c", CHILD.format(root=str(ROOT), db=str(run_db))])
            walls.append(wall)
            readies.append(float(out.strip().splitlines()[-1]))
        m = statistics.median(walls)
        print(
            f"build_bot + start, {label}: process median {m:.3f} s (min {min(walls):.3f}, "
            f"max {max(walls):.3f}); in-process import -> ready median "
            f"{statistics.median(readies):.3f} s  "
            f"[target <= 1.5 s: {'MET' if m <= 1.5 else 'NOT MET'}]"
        )
    print(f"# {load()} at the end")


if __name__ == "__main__":
    main()
