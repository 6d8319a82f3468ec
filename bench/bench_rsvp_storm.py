"""Benchmark 1: an RSVP storm through the whole core, group commit vs one commit per reaction.

    python bench/bench_rsvp_storm.py [--reactions 50000] [--events 20] [--batch 100] [--rounds 3]

Path: Bot.reaction_changed(ReactionChanged) -> EventsCog._apply -> Database.write (durable)
-> LiveCards.refresh (coalesced card edit on a FakeAdapter with Discord-like pacing,
edits_per_window=5 per 5 s). Latency is the time from calling reaction_changed to its return,
which is after the write unit's COMMIT.

Drivers, all in the same run and on the same machine:
- closed loop: asyncio.gather over batches of `--batch` concurrent reactions, events
  interleaved. `--rounds` rounds, each running group commit and then `group_commit=False`
  (one commit per reaction, same path otherwise); the ratio is taken within each round and
  the medians are reported. Each line also gives the CPU time per reaction (process time,
  all threads) and the hypervisor's steal during the run: on a shared VM wall-clock rates
  move by up to 2x between rounds, CPU time much less.
- what durability costs: the same two drivers with `synchronous=NORMAL` (commits that do
  not wait for the disk; the store uses FULL).
- for reference, the conventional aiosqlite pattern: every write its own transaction on
  aiosqlite's thread (what the store did before it ran batches on the loop's thread).
- open loop: reactions arrive at a fixed rate (`--rate`, default 10,000/s) whatever the bot
  does; latency is measured from each reaction's scheduled arrival (no coordinated omission).

`--postgres` runs the same drivers on PostgreSQL (bot.postgres.PostgresDatabase through
asyncpg): a throwaway server on loopback (tests/pg_harness.py, default durability:
synchronous_commit=on, fsync=on), a fresh database for every storm, removed at the end even
on error. Each line then also gives the server's CPU time per reaction (the postmaster and
its children, from /proc: the bot's process time leaves it out), and a short extra storm
counts the round trips one reaction costs (statements on the writer connection, BEGIN and
COMMIT, reads and any connection resets on the read connections); storm lines say how
much of the time the writer connection was busy (a batch's units and its COMMIT run one
statement at a time on it, so near 100% it is what bounds the rate). The SQLite-only runs
(synchronous=NORMAL, the aiosqlite reference) are skipped there.

    python bench/bench_rsvp_storm.py --postgres --reactions 20000 --no-reference --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import sqlite3
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from _common import Steal, header, median, percentile, summary_ms, tmpdir
from _postgres import PgServer

from bot.adapter import Capabilities
from bot.app import Bot, build_bot
from bot.clock import Clock
from bot.model import ChannelRef, MessageRef, ReactionChanged, UserRef
from bot.storage import Database, Unit
from bot.testing import FakeAdapter

DISCORD_LIKE = Capabilities(
    buttons=True, ephemeral=True, edits_per_window=5, edit_window_s=5.0
)
EMOJIS = ("✅", "✅", "✅", "✅", "🤔", "❌")


@dataclass
class StormResult:
    label: str
    reactions: int
    seconds: float
    latencies: list[float]
    commits: int
    units: int
    edits: int
    settle_s: float
    cpu_s: float = float("nan")
    steal_pct: float = float("nan")
    wal_mb: float = float("nan")  # the WAL file and the database file right after the storm
    db_mb: float = float("nan")
    server_cpu_s: float | None = None  # PostgreSQL only: the server's processes
    writer_busy_s: float = 0.0  # PostgreSQL only: time the writer connection spent in batches

    @property
    def server_cpu_us(self) -> float:
        return (self.server_cpu_s or 0.0) / self.reactions * 1e6

    @property
    def per_s(self) -> float:
        return self.reactions / self.seconds

    def line(self) -> str:
        head = (
            f"{self.label}: {self.reactions} reactions in {self.seconds:.2f} s = "
            f"{self.per_s:,.0f}/s; latency {summary_ms(self.latencies)}; "
            f"{self.commits} commits for {self.units} write units "
            f"({self.units / max(1, self.commits):.1f} per commit); {self.edits} card edits; "
            f"cards settled {self.settle_s:.2f} s after the last reaction; "
        )
        if self.server_cpu_s is not None:
            return head + (
                f"CPU {self.cpu_us:.0f} µs per reaction in the bot + {self.server_cpu_us:.0f} µs "
                f"in PostgreSQL; writer connection busy {self.writer_busy_s / self.seconds:.0%} of "
                f"the time ({self.writer_busy_s / self.reactions * 1e6:.0f} µs per reaction); "
                f"steal {self.steal_pct:.0f}%; database {self.db_mb:.1f} MB"
            )
        return head + (
            f"CPU {self.cpu_us:.0f} µs per reaction; steal {self.steal_pct:.0f}%; "
            f"WAL {self.wal_mb:.1f} MB, database {self.db_mb:.1f} MB"
        )

    @property
    def cpu_us(self) -> float:
        return self.cpu_s / self.reactions * 1e6

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 99)


async def make_bot(path: Path | str, *, group_commit: bool, synchronous: str = "FULL") -> tuple[Bot, FakeAdapter]:
    bot = await build_bot(str(path), clock=Clock(), group_commit=group_commit, rate_limit=False,
                          synchronous=synchronous)
    fake = FakeAdapter(capabilities=DISCORD_LIKE)
    bot.add_adapter(fake)
    await bot.start()
    return bot, fake


async def create_events(
    bot: Bot,
    fake: FakeAdapter,
    n: int,
    *,
    spaces: int = 1,
    capacity: int | None = None,
    first_space: int = 0,
) -> list[MessageRef]:
    """`n` events through the real `event create` command, spread over `spaces` spaces."""
    when = (bot.clock.now() + timedelta(days=7)).strftime("%Y-%m-%d 18:30")
    cards: list[MessageRef] = []
    for i in range(n):
        s = first_space + i % spaces
        channel = ChannelRef(fake.platform, f"c{i}", f"s{s}")  # one card per channel
        cap = f" capacity={capacity}" if capacity else ""
        replies = await fake.invoke(
            f'!event create Meetup {i} when="{when}"{cap}', user=f"host{i}", channel=channel
        )
        card = replies[-1]
        assert "Meetup" in card.text, card.text
        cards.append(card.ref)
    return cards


def make_ops(
    cards: list[MessageRef], total: int, *, seed: int = 1, platform: str = "fake"
) -> list[ReactionChanged]:
    """Reactions interleaved over the events: mostly first reactions by new users, some
    people changing their answer (a second emoji) or taking a reaction back."""
    rng = random.Random(seed)
    ops: list[ReactionChanged] = []
    present: list[list[tuple[UserRef, str]]] = [[] for _ in cards]
    for r in range(total):
        e = r % len(cards)
        roll = rng.random()
        if roll < 0.08 and present[e]:  # take a reaction back
            k = rng.randrange(len(present[e]))
            user, emoji = present[e].pop(k)
            ops.append(ReactionChanged(cards[e], user, emoji, False))
            continue
        if roll < 0.15 and present[e]:  # change my mind: add another emoji
            user, old = present[e][rng.randrange(len(present[e]))]
            emoji = rng.choice([x for x in ("✅", "🤔", "❌") if x != old])
        else:
            user = UserRef(platform, f"u{r}", f"user {r}")
            emoji = rng.choice(EMOJIS)
        present[e].append((user, emoji))
        ops.append(ReactionChanged(cards[e], user, emoji, True))
    return ops


async def _timed(bot: Bot, op: ReactionChanged, out: list[float]) -> None:
    t0 = time.perf_counter()
    await bot.reaction_changed(op)
    out.append(time.perf_counter() - t0)


async def closed_loop(
    bot: Bot, ops: list[ReactionChanged], batch: int
) -> tuple[float, list[float]]:
    lat: list[float] = []
    t0 = time.perf_counter()
    for i in range(0, len(ops), batch):
        await asyncio.gather(*(_timed(bot, op, lat) for op in ops[i : i + batch]))
    return time.perf_counter() - t0, lat


async def open_loop(bot: Bot, ops: list[ReactionChanged], rate: float) -> tuple[float, list[float]]:
    """Arrivals at `rate`/s; latency from each arrival's scheduled time to its commit."""
    lat: list[float] = []
    # Only the reactions in flight are held: gathering all 50,000 tasks at the end took
    # ~100 ms of the loop and delayed the last reactions (the driver's cost, not the bot's).
    in_flight: set[asyncio.Task[None]] = set()
    start = time.perf_counter()

    async def one(op: ReactionChanged, due: float) -> None:
        await bot.reaction_changed(op)
        lat.append(time.perf_counter() - due)

    i = 0
    while i < len(ops):
        now = time.perf_counter()
        upto = min(len(ops), int((now - start) * rate) + 1)
        while i < upto:
            task = asyncio.create_task(one(ops[i], start + i / rate))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            i += 1
        await asyncio.sleep(0.0005)
    while in_flight:
        await asyncio.gather(*in_flight)
    return time.perf_counter() - start, lat


async def run_storm(
    label: str,
    *,
    group_commit: bool,
    reactions: int,
    events: int,
    batch: int,
    rate: float | None = None,
    spaces: int = 1,
    capacity: int | None = None,
    warmup: int = 1000,
    seed: int = 1,
    thread_per_write: bool = False,
    synchronous: str = "FULL",
    pg: PgServer | None = None,
) -> StormResult:
    if pg is not None:
        assert not thread_per_write and synchronous == "FULL", "SQLite-only variants"
        url = await asyncio.to_thread(pg.fresh_url)
        bot, fake = await make_bot(url, group_commit=group_commit)
    else:
        d = tmpdir("storm")
        bot, fake = await make_bot(d / "storm.db", group_commit=group_commit, synchronous=synchronous)
    if thread_per_write:
        await write_on_aiosqlite_thread(bot.db)
    try:
        cards = await create_events(bot, fake, events, spaces=spaces, capacity=capacity)
        warm = make_ops(cards, warmup, seed=seed + 1000, platform=fake.platform)
        await closed_loop(bot, warm, batch)
        await bot.cards.idle()
        ops = make_ops(cards, reactions, seed=seed, platform=fake.platform)
        gc.collect()
        c0, u0, e0 = bot.db.commits, bot.db.units, bot.cards.edits
        busy = [0.0]
        if pg is not None:  # how long each batch held the writer, BEGIN to COMMIT
            watcher = bot.db.on_commit

            def on_commit(seconds: float, units: int) -> None:
                busy[0] += seconds
                if watcher is not None:
                    watcher(seconds, units)

            bot.db.on_commit = on_commit
        server0 = pg.cpu_s() if pg is not None else 0.0
        cpu0 = time.process_time()
        with Steal() as steal:
            if rate is None:
                seconds, lat = await closed_loop(bot, ops, batch)
            else:
                seconds, lat = await open_loop(bot, ops, rate)
        cpu = time.process_time() - cpu0
        server_cpu = pg.cpu_s() - server0 if pg is not None else None
        writer_busy = busy[0]
        c1, u1 = bot.db.commits, bot.db.units
        if pg is not None:
            wal_mb = float("nan")
            size = await bot.db.fetchone("SELECT pg_database_size(current_database())")
            db_mb = size[0] / 1e6
        else:
            wal_mb, db_mb = (_mb(bot.db.path + "-wal"), _mb(bot.db.path))
        t = time.perf_counter()
        await bot.cards.idle()
        settle = time.perf_counter() - t
        return StormResult(
            label, len(ops), seconds, lat, c1 - c0, u1 - u0, bot.cards.edits - e0, settle,
            cpu, steal.percent, wal_mb, db_mb, server_cpu, writer_busy,
        )
    finally:
        await bot.stop()


def _mb(path: str) -> float:
    try:
        return os.stat(path).st_size / 1e6
    except OSError:
        return 0.0


async def write_on_aiosqlite_thread(db: Database) -> None:
    """Reference only: the conventional aiosqlite pattern, each write its own transaction
    on aiosqlite's thread (two thread hops and a commit per reaction)."""
    await db.conn.execute("PRAGMA query_only=OFF")

    async def write(unit: Unit[object]) -> object:
        def one(conn: sqlite3.Connection) -> object:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = unit(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result

        db.commits += 1
        db.units += 1
        return await db.conn._execute(one, db.conn._conn)

    db.write = write  # type: ignore[method-assign]


async def count_round_trips(pg: PgServer, *, events: int, reactions: int, batch: int) -> None:
    """PostgreSQL: what one reaction costs in round trips to the server, on a short storm of
    its own (the counting wraps asyncpg's calls, so the timed storms run without it)."""
    import asyncpg

    url = await asyncio.to_thread(pg.fresh_url)
    bot, fake = await make_bot(url, group_commit=True)
    counts: dict[str, int] = {}
    patched: dict[str, Any] = {}
    try:
        cards = await create_events(bot, fake, events)
        await closed_loop(bot, make_ops(cards, 1000, seed=1001, platform=fake.platform), batch)
        await bot.cards.idle()
        ops = make_ops(cards, reactions, platform=fake.platform)
        writer = getattr(bot.db, "_writer_conn", None)

        def wrap(name: str) -> None:
            original = getattr(asyncpg.Connection, name)
            patched[name] = original

            def counted(self: asyncpg.Connection, query: str, *a: Any, **k: Any) -> Any:
                on = "writer" if self is writer else "read"
                word = query.split(None, 1)[0].upper() if query.strip() else "?"
                what = word if word in ("BEGIN", "COMMIT", "ROLLBACK") else (
                    "reset" if "RESET ALL" in query else "statement")
                key = f"{on} {what}"
                counts[key] = counts.get(key, 0) + 1
                return original(self, query, *a, **k)

            setattr(asyncpg.Connection, name, counted)

        for name in ("execute", "executemany", "fetch", "fetchrow", "fetchval", "prepare"):
            wrap(name)
        c0, u0 = bot.db.commits, bot.db.units
        await closed_loop(bot, ops, batch)
        commits, units = bot.db.commits - c0, bot.db.units - u0
        for name, original in patched.items():
            setattr(asyncpg.Connection, name, original)
        patched.clear()
        total = sum(counts.values())
        parts = ", ".join(f"{k} {v / len(ops):.2f}" for k, v in sorted(counts.items()))
        print(
            f"round trips to PostgreSQL per reaction (group commit, {len(ops)} reactions, "
            f"{units / max(1, commits):.0f} units per commit): {total / len(ops):.2f} in all; {parts}",
            flush=True,
        )
        await bot.cards.idle()
    finally:
        for name, original in patched.items():
            setattr(asyncpg.Connection, name, original)
        await bot.stop()


async def main_async(args: argparse.Namespace, pg: PgServer | None = None) -> list[StormResult]:
    results: list[StormResult] = []

    async def storm(label: str, *, group_commit: bool = True, reactions: int | None = None,
                    batch: int | None = None, **kw: Any) -> StormResult:
        if pg is not None:
            kw["pg"] = pg
        r = await run_storm(label, group_commit=group_commit, events=args.events,
                            reactions=reactions or args.reactions, batch=batch or args.batch, **kw)
        print(r.line(), flush=True)
        results.append(r)
        return r

    if pg is not None:
        print(f"# PostgreSQL {pg.version()} on 127.0.0.1:{pg.pg.port} (throwaway, default "
              "durability: fsync=on, synchronous_commit=on); a fresh database per storm", flush=True)
        await count_round_trips(pg, events=args.events, reactions=min(2000, args.reactions),
                                batch=args.batch)

    rounds: list[tuple[StormResult, StormResult]] = []
    for n in range(1, args.rounds + 1):
        g = await storm(f"round {n}: group commit, closed loop, batches of {args.batch}")
        one = await storm(
            f"round {n}: one commit per reaction, closed loop, batches of {args.batch}",
            group_commit=False,
            reactions=args.single_reactions,
        )
        print(
            f"round {n}: group / one commit per reaction: {g.per_s / one.per_s:.1f}x by wall "
            f"clock, {one.cpu_us / g.cpu_us:.1f}x by CPU time per reaction",
            flush=True,
        )
        if pg is not None:
            print(
                f"round {n}: CPU per reaction, bot + PostgreSQL: group commit "
                f"{g.cpu_us:.0f} + {g.server_cpu_us:.0f} µs, one commit per reaction "
                f"{one.cpu_us:.0f} + {one.server_cpu_us:.0f} µs",
                flush=True,
            )
        rounds.append((g, one))
    groups = [g for g, _ in rounds]
    rate, p99 = median([g.per_s for g in groups]), median([g.p99 for g in groups])
    print(
        f"median of {args.rounds} rounds (group commit): {rate:,.0f}/s, p99 {p99 * 1e3:.1f} ms, "
        f"CPU {median([g.cpu_us for g in groups]):.0f} µs per reaction; best round "
        f"{max(g.per_s for g in groups):,.0f}/s; ratio to one commit per reaction "
        f"{median([g.per_s / o.per_s for g, o in rounds]):.1f}x wall, "
        f"{median([o.cpu_us / g.cpu_us for g, o in rounds]):.1f}x CPU (target >= 3x)"
    )
    if pg is not None:
        print(f"median PostgreSQL server CPU (group commit): {median([g.server_cpu_us for g in groups]):.0f} "
              "µs per reaction")
    ok = rate >= 10_000 and p99 <= 0.020
    print(f"target >= 10,000/s and p99 <= 20 ms (closed loop, median): {'MET' if ok else 'NOT MET'}")
    if pg is not None and (args.normal or args.reference):
        print("(synchronous=NORMAL and the aiosqlite reference are SQLite-only: skipped on PostgreSQL)")
    elif args.normal:
        for gc_on in (True, False):
            await storm(
                f"synchronous=NORMAL (no fsync per commit), "
                f"{'group commit' if gc_on else 'one commit per reaction'}",
                group_commit=gc_on,
                reactions=args.reactions if gc_on else args.single_reactions,
                synchronous="NORMAL",
            )
    if args.reference and pg is None:
        ref = await storm(
            "reference: each write its own transaction on aiosqlite's thread",
            group_commit=False,
            reactions=args.single_reactions,
            thread_per_write=True,
        )
        print(f"group commit (median) / aiosqlite one transaction per write: {rate / ref.per_s:.1f}x")
    if args.rate:
        ol = await storm(f"group commit, open loop at {args.rate:,.0f}/s offered", rate=args.rate)
        ok = ol.per_s >= 0.98 * args.rate and ol.p99 <= 0.020
        print(
            f"open loop kept up with {args.rate:,.0f}/s at p99 <= 20 ms: "
            f"{'MET' if ok else 'NOT MET'}"
        )
    for b in args.sweep:
        await storm(f"group commit, closed loop, batches of {b}", reactions=args.reactions // 2, batch=b)
    if args.capacity:
        await storm(
            f"group commit, events with capacity={args.capacity} (waitlist path)",
            reactions=args.reactions // 2,
            capacity=args.capacity,
        )
    return results


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reactions", type=int, default=50_000)
    p.add_argument(
        "--single-reactions",
        type=int,
        default=10_000,
        help="reactions for the one-commit-per-reaction run (it is slower)",
    )
    p.add_argument("--events", type=int, default=20)
    p.add_argument("--batch", type=int, default=100, help="concurrent reactions per gather")
    p.add_argument("--rounds", type=int, default=3, help="rounds of group vs one commit per reaction")
    p.add_argument(
        "--no-reference",
        dest="reference",
        action="store_false",
        help="skip the aiosqlite one-transaction-per-write reference run",
    )
    p.add_argument(
        "--no-normal",
        dest="normal",
        action="store_false",
        help="skip the synchronous=NORMAL runs (what durability across a power cut costs)",
    )
    p.add_argument("--rate", type=float, default=10_000, help="open-loop offered rate; 0 to skip")
    p.add_argument(
        "--sweep",
        type=int,
        nargs="*",
        default=[20, 500],
        help="extra batch sizes to show the throughput/latency trade-off",
    )
    p.add_argument(
        "--capacity",
        type=int,
        default=100,
        help="also run events with this capacity (waitlist path); 0 to skip",
    )
    p.add_argument(
        "--postgres",
        action="store_true",
        help="run on a throwaway PostgreSQL server (tests/pg_harness.py) instead of SQLite",
    )
    args = p.parse_args()
    if not args.postgres:
        header("RSVP storm (benchmark 1)")
        asyncio.run(main_async(args))
        return
    header("RSVP storm (benchmark 1) on PostgreSQL")
    with PgServer() as pg:  # stopped and its folder removed on the way out, error or not
        asyncio.run(main_async(args, pg))


if __name__ == "__main__":
    main()
