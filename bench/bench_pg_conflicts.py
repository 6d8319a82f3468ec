"""Serialization conflicts among processes of a cluster creating events at once on one
PostgreSQL (PRODUCT.md "Running at scale"; write batches run SERIALIZABLE, bot/postgres.py).

    python bench/bench_pg_conflicts.py [--bots 3] [--events 100] [--concurrency 10] [--rounds 3]

Each round: a fresh database on one PostgreSQL server (tests/pg_harness.py, loopback), `--bots`
bots built as `logoff run` builds them (`build_bot`, each its own writer connection and pool, as
separate processes would have; here they share this process), each with a FakeAdapter, each
sent `--events` `!event create` commands, `--concurrency` at a time, all bots at once. Reported
per round: the creates, the batches PostgreSQL aborted as a serialization conflict and that the
writer ran again (`Database.conflicts`), the replies with ⚠️ (a batch out of retry time), the
wall time, and the statements the server logged as failing, grouped by their first words (read
from its log: the statement that hit the conflict, not necessarily the read that caused it; a
doomed batch logs one for each of its units run after the first).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import re
import time
from pathlib import Path
from typing import cast

from _common import header, load, median

from bot.app import Bot, build_bot  # noqa: E402
from bot.postgres import PostgresDatabase  # noqa: E402
from bot.testing import FakeAdapter  # noqa: E402
from tests.pg_harness import Postgres  # noqa: E402

_STATEMENT = re.compile(r"STATEMENT:\s+(.*)")


def failing_statements(log: Path, start: int) -> collections.Counter[str]:
    """The statements logged after `start` right after 'could not serialize', cut to their
    first clause."""
    with open(log, encoding="utf-8", errors="replace") as f:
        f.seek(start)
        lines = f.read().splitlines()
    seen: collections.Counter[str] = collections.Counter()
    for i, line in enumerate(lines):
        if "could not serialize access" not in line:
            continue
        for nxt in lines[i + 1:i + 4]:
            m = _STATEMENT.search(nxt)
            if m:
                seen[re.split(r"\s(?:VALUES|WHERE|SET)\b", m.group(1))[0][:70]] += 1
                break
    return seen


def conflicts_of(bot: Bot) -> int:
    """Batches its writer ran again after PostgreSQL aborted them as a conflict."""
    return cast(PostgresDatabase, bot.db).conflicts


async def one_round(pg: Postgres, args: argparse.Namespace, k: int) -> dict[str, object]:
    url = pg.fresh_url()
    bots = []
    for _ in range(args.bots):
        bot = await build_bot(url, rate_limit=False)
        bot.add_adapter(FakeAdapter())
        await bot.start()
        await bot.settle()
        bots.append(bot)
    log = pg.data_dir / "log"
    log_from = log.stat().st_size
    before = sum(conflicts_of(b) for b in bots)
    try:
        async def run(n: int, bot: Bot) -> list[str]:
            fake = cast(FakeAdapter, next(iter(bot.adapters.values())))
            gate = asyncio.Semaphore(args.concurrency)

            async def create(i: int) -> list[str]:
                async with gate:
                    out = await fake.invoke(f'!event create Picnic {k}-{n}-{i} when="tomorrow 18:00" capacity=5')
                    return [m.text for m in out]
            return [t for texts in await asyncio.gather(*(create(i) for i in range(args.events))) for t in texts]

        t0 = time.perf_counter()
        replies = await asyncio.gather(*(run(n, b) for n, b in enumerate(bots)))
        elapsed = time.perf_counter() - t0
        conflicts = sum(conflicts_of(b) for b in bots) - before
    finally:
        for b in bots:
            await b.stop()
    failing = failing_statements(log, log_from)
    return {"creates": args.bots * args.events, "conflicts": conflicts,
            "warnings": sum(1 for rs in replies for t in rs if "⚠️" in t), "elapsed_s": round(elapsed, 2),
            "failing": dict(failing.most_common(6))}


async def main(args: argparse.Namespace) -> None:
    pg = Postgres()
    pg.start()
    try:
        results = []
        for k in range(args.rounds):
            r = await one_round(pg, args, k)
            results.append(r)
            print(json.dumps(r, ensure_ascii=False), flush=True)
    finally:
        pg.cleanup()
    conflicts = [int(r["conflicts"]) for r in results]  # type: ignore[call-overload]
    print(f"conflicts per round: {conflicts} (median {median(conflicts)}) for "
          f"{args.bots * args.events} creates each; {load()}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bots", type=int, default=3)
    p.add_argument("--events", type=int, default=100)
    p.add_argument("--concurrency", type=int, default=10)
    p.add_argument("--rounds", type=int, default=3)
    a = p.parse_args()
    header("PostgreSQL serialization conflicts, bots creating events at once")
    asyncio.run(main(a))
