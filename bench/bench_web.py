"""The web part under load, on loopback: the calendar feed of a space with 500 events and 20
series, an event page, memory over a 10,000-request loop, and making the occurrences of 1,000
series after a restart.

    python bench/bench_web.py [--requests 10000]

The bot runs on a manual clock with the FakeAdapter; requests come from an aiohttp client in the
same process, one at a time (latency, not throughput).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import re
import time
from datetime import UTC, datetime, timedelta

import aiohttp
from _common import machine, percentile, proc_status_kib, tmpdir

from bot.app import build_bot
from bot.clock import ManualClock
from bot.testing import FakeAdapter
from bot.web import WebConfig

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def timed(http: aiohttp.ClientSession, url: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        async with http.get(url) as r:
            await r.read()
            assert r.status == 200, r.status
        out.append(time.perf_counter() - t0)
    return out


def ms(xs: list[float]) -> str:
    return f"p50 {percentile(xs, 50) * 1e3:.2f} ms, p99 {percentile(xs, 99) * 1e3:.2f} ms (n={len(xs)})"


async def pages(requests: int) -> None:
    d = tmpdir("bench-web")
    bot = await build_bot(str(d / "web.db"), clock=ManualClock(START), rate_limit=False)
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    await bot.web.start(WebConfig("127.0.0.1", 0, "http://127.0.0.1:0"))
    await fake.invoke("!config set timezone Europe/Berlin", "mod", mod=True)
    for i in range(500):
        await fake.invoke(f'!event create Meetup {i} when="{(START + timedelta(days=1 + i % 60)):%Y-%m-%d} '
                          f'18:00" where="Place {i}" capacity=20')
    for i in range(20):
        await fake.invoke(f'!event create Series {i} when="2026-12-0{1 + i % 7} 19:00" repeat=weekly')
    [card] = await fake.invoke('!event create Page test when="in 72 hours" capacity=30')
    for u in range(40):
        await fake.react(card, "✅", f"user{u}")
    page = re.search(r"🔗 (\S+)", card.text).group(1)  # type: ignore[union-attr]
    [reply] = await fake.invoke("!calendar")
    feed = re.search(r"Subscribe: (\S+)", reply.text).group(1)  # type: ignore[union-attr]
    async with aiohttp.ClientSession() as http:
        await timed(http, feed, 5)
        feed_t = await timed(http, feed, 200)
        page_t = await timed(http, page, 1000)
        async with http.get(feed) as r:
            size = len(await r.read())
        print(f"feed, 500 events + 20 series ({size // 1024} KiB), unchanged since the last "
              f"request (kept): {ms(feed_t)}")
        cold = []
        for i in range(30):  # after each change the feed is built again
            await fake.invoke(f"!event edit {1 + i} title=Renamed{i}", "mod", mod=True)
            cold += await timed(http, feed, 1)
        print(f"feed, first request after a change (built): {ms(cold)}")
        print(f"event page (40 going): {ms(page_t)}")
        gc.collect()
        before = proc_status_kib("VmRSS")
        for block in range(4):
            await timed(http, page, requests // 4)
            gc.collect()
            print(f"  after {(block + 1) * requests // 4} more page requests: RSS "
                  f"{proc_status_kib('VmRSS') - before:+d} KiB")
    await bot.web.stop()
    await bot.stop()


async def materialise(n: int) -> None:
    d = tmpdir("bench-series")
    path = str(d / "series.db")
    # Made a week ago on a manual clock, restarted now on the real one: the jobs due meanwhile
    # run as they would in production (all at once, their writes sharing commits).
    begin = datetime.now(UTC).replace(microsecond=0) - timedelta(days=7)
    bot = await build_bot(path, clock=ManualClock(begin), rate_limit=False)
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    # Only the making of occurrences is timed: no reminders fall due while it is down.
    await fake.invoke("!config set reminders off", "mod", mod=True)
    for i in range(n):
        first = begin + timedelta(days=1 + i % 5, hours=i % 10)
        await fake.invoke(f'!event create S{i} when="{first:%Y-%m-%d %H:%M}" repeat=weekly')
    made_before = (await bot.db.fetchone("SELECT COUNT(*) FROM events"))[0]
    await bot.stop()
    # Back a week later: each series has one more occurrence to make and post.
    again = await build_bot(path, rate_limit=False)
    fake2 = fake  # the same chat: the cards posted before are still there
    before = len(fake.log)
    again.add_adapter(fake2)
    logging.disable(logging.WARNING)  # the skipped reminders of the missed week
    t0 = time.perf_counter()
    await again.start()  # the jobs due while it was down are armed now and fire at once
    await asyncio.sleep(0.05)
    while again.scheduler._inflight:
        await asyncio.gather(*list(again.scheduler._inflight))
    took = time.perf_counter() - t0
    logging.disable(logging.NOTSET)
    made = (await again.db.fetchone("SELECT COUNT(*) FROM events"))[0] - made_before
    cards = sum(1 for s in fake2.log[before:] if "Going (" in s.text)
    print(f"restart with {n} weekly series a week on: start took {took:.2f} s, making {made} "
          f"occurrences and posting {cards} cards")
    await again.stop()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=10_000)
    ap.add_argument("--series", type=int, default=1000)
    args = ap.parse_args()
    print(machine())
    asyncio.run(pages(args.requests))
    asyncio.run(materialise(args.series))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
