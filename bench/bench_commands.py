"""Benchmark 2: command latency inside the core (FakeAdapter.invoke -> reply), p50/p99.

    python bench/bench_commands.py [--n 300] [--spaces 1] [--filler-events 0]

Commands: `event create` with an ISO time, `event create` with natural phrases (dateparser),
`poll create` (with and without a `closes=` deadline), `rsvp <id> going`. Each invocation is
timed from the call to FakeAdapter.invoke until it returns (the reply sent and any live-card
edit it caused flushed). Every invocation is by a fresh user so the per-user flood limiter
never delays one. The first natural-phrase parse (dateparser's import and language load) is
reported on its own as the cold cost.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import time
from collections.abc import Callable
from datetime import timedelta

from _common import header, percentile, summary_ms, tmpdir
from _populate import NoReconcileFake, populate

from bot.app import Bot, build_bot
from bot.clock import Clock
from bot.model import ChannelRef
from bot.testing import FakeAdapter

PHRASES = (
    "saturday 10am",
    "tomorrow 7pm",
    "next friday 18:30",
    "sunday at noon",
    "in 3 days at 7pm",
    "dec 20 7pm",
)


async def timed_invoke(
    fake: FakeAdapter, line: str, user: str, channel: ChannelRef
) -> tuple[float, str]:
    t0 = time.perf_counter()
    replies = await fake.invoke(line, user=user, channel=channel)
    dt = time.perf_counter() - t0
    text = replies[-1].text if replies else ""
    if not replies or text.startswith("⚠️"):
        raise RuntimeError(f"{line!r} was refused: {text}")
    return dt, text


async def measure(
    bot: Bot, fake: FakeAdapter, *, n: int, spaces: int, seed: int = 3
) -> dict[str, list[float]]:
    rng = random.Random(seed)
    iso = (bot.clock.now() + timedelta(days=10)).strftime("%Y-%m-%d 18:30")
    counter = iter(range(10**9))

    def channel() -> ChannelRef:
        s = rng.randrange(spaces)
        return ChannelRef(fake.platform, f"c{s}", f"s{s}")

    def user() -> str:
        return f"cmd{next(counter)}"

    event_ids: list[tuple[int, ChannelRef]] = []

    async def create_iso() -> float:
        ch = channel()
        dt, text = await timed_invoke(
            fake, f'!event create Picnic when="{iso}" where="the park"', user(), ch
        )
        event_ids.append((int(text.split("#", 1)[1].split()[0].strip("):")), ch))
        return dt

    async def create_natural() -> float:
        phrase = rng.choice(PHRASES)
        return (
            await timed_invoke(fake, f'!event create Games when="{phrase}"', user(), channel())
        )[0]

    async def poll() -> float:
        return (
            await timed_invoke(
                fake, "!poll create Where next? pub | park | cafe", user(), channel()
            )
        )[0]

    async def poll_deadline() -> float:
        return (
            await timed_invoke(fake, "!poll create When? fri | sat closes=2h", user(), channel())
        )[0]

    async def rsvp() -> float:
        event_id, ch = rng.choice(event_ids)
        return (await timed_invoke(fake, f"!rsvp {event_id} going", user(), ch))[0]

    kinds: dict[str, Callable[[], object]] = {
        "event create (ISO time)": create_iso,
        "event create (natural phrase, dateparser)": create_natural,
        "poll create": poll,
        "poll create closes=2h": poll_deadline,
        "rsvp <id> going": rsvp,
    }
    # cold: the first natural phrase pays for importing dateparser and loading English
    t0 = time.perf_counter()
    await create_natural()
    cold = time.perf_counter() - t0
    for fn in kinds.values():  # warm every path once
        await fn()  # type: ignore[misc]
    out: dict[str, list[float]] = {k: [] for k in kinds}
    out["cold first natural phrase"] = [cold]
    order = [k for k in kinds for _ in range(n)]
    rng.shuffle(order)  # interleave so no kind benefits from a warm streak
    gc.collect()
    for k in order:
        out[k].append(await kinds[k]())  # type: ignore[misc]
    return out


def report(results: dict[str, list[float]], target_ms: float = 5.0) -> None:
    for k, v in results.items():
        if k.startswith("cold"):
            print(f"{k}: {v[0] * 1e3:.0f} ms")
            continue
        p99 = percentile(v, 99) * 1e3
        verdict = "MET" if p99 <= target_ms else "NOT MET"
        print(f"{k}: {summary_ms(v)}  [target p99 <= {target_ms:g} ms: {verdict}]")


async def run(
    n: int, spaces: int, filler_events: int, filler_rsvps: int, filler_spaces: int
) -> dict[str, list[float]]:
    d = tmpdir("cmd")
    bot = await build_bot(str(d / "cmd.db"), clock=Clock())
    if filler_events:
        await populate(
            bot, events=filler_events, spaces=filler_spaces, rsvps=filler_rsvps, now=bot.clock.now()
        )
        await bot.db.close()
        bot = await build_bot(str(d / "cmd.db"), clock=Clock())  # restart on the filled database
    fake = NoReconcileFake()
    bot.add_adapter(fake)
    await bot.start()
    try:
        return await measure(bot, fake, n=n, spaces=spaces)
    finally:
        await bot.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=300, help="invocations per command kind")
    p.add_argument("--spaces", type=int, default=1, help="spaces the commands are spread over")
    p.add_argument("--filler-events", type=int, default=0, help="stored events before measuring")
    p.add_argument("--filler-rsvps", type=int, default=0)
    p.add_argument("--filler-spaces", type=int, default=1)
    args = p.parse_args()
    header("command latency inside the core (benchmark 2)")
    report(
        asyncio.run(
            run(args.n, args.spaces, args.filler_events, args.filler_rsvps, args.filler_spaces)
        )
    )


if __name__ == "__main__":
    main()
