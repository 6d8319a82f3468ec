"""Benchmark 5: memory with 10,000 events and 100,000 RSVPs in the database, idle and in a storm.

    python bench/bench_memory.py [--events 10000] [--rsvps 100000] [--storm 20000]

The database is filled first (in this process, through the events repo). Then each variant
runs in a fresh child process: build_bot on that database + FakeAdapter + Bot.start, VmRSS
read from /proc/self/status when idle; then an RSVP storm on 20 events (closed loop,
batches of 100), VmRSS after it and VmHWM (peak). A second child also imports the Discord
and Matrix platform libraries and adapters (as `logoff run` with both configured would) to
show what they add while idle.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import subprocess
import sys
import time
from pathlib import Path

from _common import header, load, proc_status_kib, tmpdir
from _populate import NoReconcileFake, populate
from bench_rsvp_storm import DISCORD_LIKE

from bot.app import build_bot
from bot.clock import Clock

PLATFORM_MODULES = ("discord", "nio", "adapters.discord", "adapters.matrix")


async def fill(db: Path, events: int, rsvps: int) -> None:
    bot = await build_bot(str(db), clock=Clock())
    await populate(
        bot, events=events, spaces=max(1, events // 10), rsvps=rsvps, now=bot.clock.now()
    )
    await bot.db.close()


async def child(db: Path, storm: int, platforms: bool) -> dict[str, object]:
    loaded: list[str] = []
    if platforms:
        for name in PLATFORM_MODULES:
            try:
                importlib.import_module(name)
                loaded.append(name)
            except Exception as e:  # an adapter still being written must not hide the rest
                loaded.append(f"{name} (failed: {type(e).__name__})")
    start_rss = proc_status_kib("VmRSS")
    bot = await build_bot(str(db), clock=Clock(), rate_limit=False)
    fake = NoReconcileFake(capabilities=DISCORD_LIKE)
    bot.add_adapter(fake)
    await bot.start()
    await asyncio.sleep(0.5)
    out: dict[str, object] = {
        "loaded": loaded,
        "before_bot_kib": start_rss,
        "idle_kib": proc_status_kib("VmRSS"),
        "tracked": len(bot.tracker),
    }
    if storm:
        from bench_rsvp_storm import closed_loop, create_events, make_ops  # noqa: I001

        cards = await create_events(bot, fake, 20)
        ops = make_ops(cards, storm)
        t = time.perf_counter()
        await closed_loop(bot, ops, 100)
        out["storm_s"] = time.perf_counter() - t
        out["storm_kib"] = proc_status_kib("VmRSS")
        await bot.cards.idle()
    out["hwm_kib"] = proc_status_kib("VmHWM")
    await bot.stop()
    return out


def run_child(db: Path, storm: int, platforms: bool) -> dict[str, object]:
    cmd = [sys.executable, __file__, "--child", str(db), "--storm", str(storm)]
    if platforms:
        cmd.append("--platforms")
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def mib(kib: object) -> str:
    return f"{int(kib) / 1024:.1f} MiB"  # type: ignore[call-overload]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=10_000)
    p.add_argument("--rsvps", type=int, default=100_000)
    p.add_argument("--storm", type=int, default=20_000)
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--platforms", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(child(Path(args.child), args.storm, args.platforms))))
        return
    header("memory (benchmark 5)")
    db = tmpdir("mem") / "mem.db"
    t = time.perf_counter()
    asyncio.run(fill(db, args.events, args.rsvps))
    print(
        f"database: {args.events:,} events, {args.rsvps:,} RSVPs, "
        f"{db.stat().st_size / 2**20:.1f} MiB "
        f"on disk (filled in {time.perf_counter() - t:.1f} s)"
    )
    core = run_child(db, args.storm, platforms=False)
    print(
        f"core + FakeAdapter: interpreter+imports {mib(core['before_bot_kib'])}; idle VmRSS "
        f"{mib(core['idle_kib'])} ({core['tracked']:,} live cards tracked)"
    )
    print(
        f"during a storm of {args.storm:,} reactions ({core['storm_s']:.1f} s): VmRSS "
        f"{mib(core['storm_kib'])}, VmHWM {mib(core['hwm_kib'])}"
    )
    peak = int(core["hwm_kib"]) / 1024  # type: ignore[call-overload]
    print(
        f"target <= 150 MB: {'MET' if peak * 1.048576 <= 150 else 'NOT MET'} "
        f"(peak {peak * 1.048576:.0f} MB)"
    )
    both = run_child(db, 0, platforms=True)
    loaded: list[str] = list(both["loaded"])  # type: ignore[call-overload]
    print(
        f"with platform libraries and adapters imported ({', '.join(loaded)}): idle "
        f"VmRSS {mib(both['idle_kib'])}, VmHWM {mib(both['hwm_kib'])}"
    )
    print(f"# {load()} at the end")


if __name__ == "__main__":
    main()
