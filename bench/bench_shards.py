"""Start of one `logoff run` process holding many guilds on several shards, from the fake
Discord gateway: time from launch to "running" (every shard READY and every guild loaded) and
the process' peak RSS.

    python bench/bench_shards.py [--guilds 2500] [--shards 4]

The fake runs in this process, the bot in a child process of its own (so its RSS is the bot's
alone). Discord lets a bot IDENTIFY once per 5 s per concurrency bucket; discord.py waits so
between shards, and so does this run (the fake's /gateway/bot says max_concurrency 1).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, machine

from tests.discord_fake.server import FakeDiscord


def peak_rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def run(guilds: int, shards: int) -> dict[str, float]:
    fake = FakeDiscord(token="bench-token")
    fake.shard_count = shards
    await fake.start()
    for i in range(guilds):
        gid = fake.add_guild(f"guild {i}")
        fake.add_channel(gid, "general")
        fake.add_member(gid, "member")
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text(f'[bot]\ndatabase = "{tmp}/bench.db"\n\n[discord]\n'
                          f'token_env = "BENCH_DISCORD_TOKEN"\napi_base = "{fake.api_base}"\n'
                          f'gateway_url = "{fake.gateway_url}"\nshard_count = {shards}\n')
        env = {**os.environ, "BENCH_DISCORD_TOKEN": fake.token, "PYTHONPATH": str(ROOT)}
        t0 = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", "--config", str(config), env=env,
            stderr=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL)
        assert proc.stderr is not None
        ready = float("nan")
        try:
            while True:
                line = await asyncio.wait_for(proc.stderr.readline(), 120)
                if not line:
                    raise RuntimeError("logoff run exited before it was running")
                if b"logoff is running" in line:
                    ready = time.perf_counter() - t0
                    break
            rss = peak_rss_mib(proc.pid)
        finally:
            proc.terminate()
            await proc.wait()
    await fake.stop()
    return {"guilds": guilds, "shards": shards, "identifies": len(fake.identifies),
            "ready_s": round(ready, 2), "peak_rss_mib": round(rss, 1)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--guilds", type=int, default=2500)
    ap.add_argument("--shards", type=int, default=4)
    args = ap.parse_args()
    print(machine())
    print(asyncio.run(run(args.guilds, args.shards)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
