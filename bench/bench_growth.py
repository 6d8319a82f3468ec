"""Benchmark 8: how the RSVP storm (1) and command latency (2) change with the number of
spaces and of stored events.

    python bench/bench_growth.py [--configs 1:10 1000:10000 1:100000 10000:100000]

Each config `spaces:events` gets a fresh database filled with that many live events (each
with a tracked card, two pending reminders and one RSVP) spread over that many spaces, and a
bot restarted on it (as after a deploy). Then, in the same run: a closed-loop RSVP storm on 20
new events (batches of 100) and the command mix of bench_commands spread over all spaces.
The query plans behind these paths: bench/bench_query_plans.py.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time

from _common import header, load, percentile, tmpdir
from _populate import NoReconcileFake, populate
from bench_commands import measure
from bench_rsvp_storm import DISCORD_LIKE, closed_loop, create_events, make_ops

from bot.app import build_bot
from bot.clock import Clock
from bot.testing import FakeAdapter


async def one(spaces: int, events: int, reactions: int, n_cmd: int) -> str:
    d = tmpdir("growth")
    path = str(d / "growth.db")
    bot = await build_bot(path, clock=Clock())
    t = time.perf_counter()
    await populate(bot, events=events, spaces=spaces, rsvps=events, now=bot.clock.now())
    fill_s = time.perf_counter() - t
    await bot.db.close()
    bot = await build_bot(path, clock=Clock(), rate_limit=False)
    fake = NoReconcileFake(capabilities=DISCORD_LIKE)
    bot.add_adapter(fake)
    await bot.start()
    try:
        cards = await create_events(bot, fake, 20, spaces=min(spaces, 20))
        await closed_loop(bot, make_ops(cards, 500, seed=99), 100)  # warm-up
        ops = make_ops(cards, reactions)
        gc.collect()
        secs, lat = await closed_loop(bot, ops, 100)
        await bot.cards.idle()
        # commands as in bench_commands: FakeAdapter without edit pacing, so `rsvp` (which
        # waits in FakeAdapter.invoke for its card edit) is not timed waiting for a slot
        fake.capabilities = FakeAdapter().capabilities
        cmd = await measure(bot, fake, n=n_cmd, spaces=spaces)
    finally:
        await bot.stop()
    cmd_txt = "; ".join(
        f"{k.split(' (')[0] if 'ISO' in k else k}: p50 {percentile(v, 50) * 1e3:.2f} / "
        f"p99 {percentile(v, 99) * 1e3:.2f} ms"
        for k, v in cmd.items()
        if k in ("event create (ISO time)", "poll create", "rsvp <id> going")
    )
    return (
        f"{spaces:>6,} spaces, {events:>7,} stored events (filled in {fill_s:.0f} s): storm "
        f"{len(ops) / secs:>7,.0f} reactions/s, commit latency p50 {percentile(lat, 50) * 1e3:.1f} "
        f"ms, p99 {percentile(lat, 99) * 1e3:.1f} ms | {cmd_txt}"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--configs", nargs="*", default=["1:10", "1000:10000", "1:100000", "10000:100000"]
    )
    p.add_argument("--reactions", type=int, default=1000)
    p.add_argument("--n", type=int, default=30, help="invocations per command kind")
    args = p.parse_args()
    header("growth: spaces and stored events (benchmark 8)")
    for cfg in args.configs:
        spaces, events = (int(x) for x in cfg.split(":"))
        print(asyncio.run(one(spaces, events, args.reactions, args.n)), flush=True)
    print(f"# {load()} at the end")


if __name__ == "__main__":
    main()
