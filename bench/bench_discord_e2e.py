"""Benchmark 7 (Discord): slash command -> interaction callback through the protocol-level
fake Discord server (tests/discord_fake), p50/p99. Target p99 <= 50 ms.

    python bench/bench_discord_e2e.py [--n 200]

The real discord.py client and DiscordAdapter log in to the fake over loopback HTTP and
a gateway websocket. Each sample: the fake sends INTERACTION_CREATE on the gateway and the
clock stops when the bot's interaction callback (the reply, POST
/interactions/{id}/{token}/callback) has reached the fake. Bot and fake share one event
loop, as in the tests, so the fake's own work is inside every figure. For scale, the same
run measures the fake's own floor: a bare REST round trip (GET /users/@me) from an aiohttp
client. Sequential samples, each by its own member (the per-user flood limiter never
applies), kinds interleaved.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import time
from datetime import UTC, datetime, timedelta

import aiohttp
from _common import header, load, percentile, summary_ms, tmpdir

from adapters.discord import (
    DiscordAdapter,  # noqa: E402
    DiscordConfig,  # noqa: E402
)
from bot.app import build_bot  # noqa: E402
from bot.clock import Clock  # noqa: E402
from tests.discord_fake import FakeDiscord  # noqa: E402

TOKEN_ENV = "LOGOFF_BENCH_DISCORD_TOKEN"


async def run(n: int) -> None:
    fake = FakeDiscord(token="bench-token")
    os.environ[TOKEN_ENV] = fake.token
    await fake.start()
    guild = fake.add_guild("Bench")
    channel = fake.add_channel(guild, "general")
    members = [fake.add_member(guild, f"member{i}") for i in range(4 * n + 10)]
    who = iter(members)
    bot = await build_bot(str(tmpdir("discord-e2e") / "logoff.db"), clock=Clock())
    adapter = DiscordAdapter(
        DiscordConfig(token_env=TOKEN_ENV, api_base=fake.api_base, gateway_url=fake.gateway_url),
        guild_ready_timeout=0.05,
        ready_timeout=10,
    )
    bot.add_adapter(adapter)
    try:
        await bot.start()
        when = (datetime.now(UTC) + timedelta(days=9)).strftime("%Y-%m-%d 18:30")

        async def slash(command: str, options: dict[str, object]) -> float:
            t0 = time.perf_counter()
            result = await fake.send_interaction(
                command, options, user=next(who), channel=channel, settle=0
            )
            dt = time.perf_counter() - t0
            if result.response_type is None or result.text.startswith("⚠️"):
                raise RuntimeError(f"/{command} {options} was not answered: {result.text!r}")
            return dt

        first = await fake.send_interaction(
            "event create", {"title": "Warm-up", "when": when}, user=next(who), channel=channel
        )
        cards = [m for m in first.public if m.get("embeds")]
        found = re.search(r"#(\d+)", cards[0]["embeds"][0]["title"]) if cards else None
        if found is None:
            raise RuntimeError(f"no event card in the reply to /event create: {first.text!r}")
        event_id = int(found.group(1))
        await fake.quiet(0.2)
        kinds = {
            "rsvp <id> going": lambda: slash("rsvp", {"id": event_id, "status": "going"}),
            "event create": lambda: slash("event create", {"title": "Picnic", "when": when}),
            "poll create": lambda: slash(
                "poll create", {"question": "Where?", "options": "Park | Cafe | Library"}
            ),
        }
        samples: dict[str, list[float]] = {k: [] for k in kinds}
        for _ in range(3):  # warm-up of each kind
            for f in kinds.values():
                await f()
        await fake.quiet(0.2)

        floor: list[float] = []
        async with aiohttp.ClientSession() as http:
            headers = {"Authorization": f"Bot {fake.token}"}
            for _ in range(n):
                for k, f in kinds.items():
                    samples[k].append(await f())
                    # let the card's reaction seeding and edits finish: one command at a time
                    await fake.quiet(0.02)
                t0 = time.perf_counter()
                async with http.get(f"{fake.api_base}/users/@me", headers=headers) as r:
                    await r.read()
                floor.append(time.perf_counter() - t0)
        for k, v in samples.items():
            ok = percentile(v, 99) <= 0.050
            print(f"/{k}: {summary_ms(v)}  [target p99 <= 50 ms: {'MET' if ok else 'NOT MET'}]")
        print(f"fake's own REST round trip (GET /users/@me): {summary_ms(floor)}")
        print(f"# {load()}")
    finally:
        await bot.stop()
        await fake.stop()
    if fake.unhandled:
        print(f"the fake got requests it does not handle: {fake.unhandled}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=200, help="samples of each command")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    header("Discord slash command -> interaction callback (benchmark 7)")
    asyncio.run(run(args.n))


if __name__ == "__main__":
    main()
