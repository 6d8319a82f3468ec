"""The proposed changes P1 (Scheduler.cancel by key range) and P2 (tracked messages indexed by
object), measured against the current code in the same run and the same process.

    python bench/bench_whatif.py [--events 100000] [--spaces 1]

A database with `--events` live events (tracked cards, two pending reminders each) in
`--spaces` spaces; the bot restarted on it. Measured twice on the same bot, before and after
applying the prototypes in bench/_whatif.py: `event create` latency (ISO time) and a closed
loop RSVP storm (batches of 100) on 20 new events.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from datetime import timedelta

from _common import header, load, percentile, summary_ms, tmpdir
from _populate import NoReconcileFake, populate
from _whatif import apply
from bench_rsvp_storm import DISCORD_LIKE, closed_loop, create_events, make_ops

from bot.app import Bot, build_bot
from bot.clock import Clock
from bot.model import ChannelRef


async def measure(
    bot: Bot, fake: NoReconcileFake, label: str, n: int, reactions: int, seed: int
) -> tuple[float, float]:
    when = (bot.clock.now() + timedelta(days=9)).strftime("%Y-%m-%d 18:00")
    lat = []
    for i in range(n):
        ch = ChannelRef(fake.platform, f"w{seed}-{i}", "s0")
        t = time.perf_counter()
        await fake.invoke(
            f'!event create Whatif {i} when="{when}"', user=f"w{seed}-{i}", channel=ch
        )
        lat.append(time.perf_counter() - t)
    cards = await create_events(bot, fake, 20, first_space=seed)
    ops = make_ops(cards, reactions, seed=seed)
    gc.collect()
    secs, storm = await closed_loop(bot, ops, 100)
    await bot.cards.idle()
    print(
        f"{label}: event create {summary_ms(lat)}; storm {len(ops) / secs:,.0f} reactions/s, "
        f"commit latency p50 {percentile(storm, 50) * 1e3:.1f} ms, p99 "
        f"{percentile(storm, 99) * 1e3:.1f} ms",
        flush=True,
    )
    return percentile(lat, 50), len(ops) / secs


async def run(events: int, spaces: int, n: int, reactions: int) -> None:
    path = str(tmpdir("whatif") / "whatif.db")
    bot = await build_bot(path, clock=Clock())
    await populate(bot, events=events, spaces=spaces, rsvps=events, now=bot.clock.now())
    await bot.db.close()
    bot = await build_bot(path, clock=Clock(), rate_limit=False)
    fake = NoReconcileFake(capabilities=DISCORD_LIKE)
    bot.add_adapter(fake)
    await bot.start()
    print(
        f"{events:,} stored events in {spaces:,} spaces, {len(bot._tracked):,} live cards tracked"
    )
    try:
        base = await measure(bot, fake, "current code", n, reactions, 1)
        applied = apply("P1,P2")
        new = await measure(bot, fake, f"with {'+'.join(applied)}", n, reactions, 2)
    finally:
        await bot.stop()
    print(
        f"event create p50: {base[0] / new[0]:.0f}x faster; storm: {new[1] / base[1]:.1f}x the "
        f"throughput"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=100_000)
    p.add_argument("--spaces", type=int, default=1)
    p.add_argument("--n", type=int, default=30, help="event creates per variant")
    p.add_argument("--reactions", type=int, default=2000)
    args = p.parse_args()
    header("proposals P1 + P2 against the current code (same run)")
    asyncio.run(run(args.events, args.spaces, args.n, args.reactions))
    print(f"# {load()} at the end")


if __name__ == "__main__":
    main()
