"""Run every benchmark one after another (never in parallel: they would measure each other)
and tee their output to bench/results/<name>.txt.

    python bench/run_all.py [--only rsvp_storm commands ...] [--skip matrix_e2e matrix_peer]

One command per benchmark, as listed in BENCHMARKS.md:

    python bench/bench_rsvp_storm.py      # 1 RSVP storm, group commit vs one commit each
    python bench/bench_commands.py        # 2 command latency inside the core
    python bench/bench_scheduler.py       # 3 100k pending reminders; 1,000 due in one second
    python bench/bench_live_cards.py      # 4 5,000 reactions on one card, Discord-like pacing
    python bench/bench_memory.py          # 5 RSS with 10k events / 100k RSVPs, idle and storm
    python bench/bench_startup.py         # 6 `logoff try` and build_bot+start to ready
    python bench/bench_matrix_e2e.py      # 7 Matrix command -> reply via a local Synapse
    python bench/bench_discord_e2e.py     # 7 Discord slash command -> interaction callback (fake)
    python bench/bench_growth.py          # 8 growth over spaces and stored events
    python bench/bench_query_plans.py     # 8 EXPLAIN QUERY PLAN of the hot-path statements
    python bench/bench_matrix_peer.py     # 9 vs matrix-reminder-bot 0.4.0 (needs its venv)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = [
    "rsvp_storm",
    "commands",
    "scheduler",
    "live_cards",
    "memory",
    "startup",
    "query_plans",
    "growth",
    "discord_e2e",
    "matrix_e2e",
    "matrix_peer",
]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="*", choices=ORDER)
    p.add_argument("--skip", nargs="*", default=[], choices=ORDER)
    args = p.parse_args()
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    failed = []
    for name in args.only or ORDER:
        if name in args.skip:
            continue
        script = HERE / f"bench_{name}.py"
        print(f"=== {script.name}", flush=True)
        t = time.perf_counter()
        with open(out_dir / f"{name}.txt", "w") as f:
            proc = subprocess.Popen(
                [sys.executable, str(script)],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                cwd=HERE.parent,
            )
            assert proc.stdout is not None
            for line in proc.stdout:
                sys.stdout.write(line)
                f.write(line)
            rc = proc.wait()
        print(f"=== {script.name}: exit {rc} after {time.perf_counter() - t:.0f} s\n", flush=True)
        if rc:
            failed.append(name)
    if failed:
        print("failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
