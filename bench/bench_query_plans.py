"""Benchmark 8 (part): EXPLAIN QUERY PLAN for every statement the hot paths actually run.

    python bench/bench_query_plans.py [--markdown]

Drives the real paths on a small filled database (a few spaces, events, polls, RSVPs) with
an SQLite trace callback on the bot's connection: an RSVP reaction added and taken back, on
an event with and without capacity, a poll vote by reaction, `event create`, `poll create`,
`rsvp`, the scheduler's top-up and a reminder firing, the bot's start-up load. Each distinct
statement is attributed to the function in bot/ or cogs/ that issued it and explained.
Plans with a full `SCAN` of a table are flagged; so are aggregates (MAX/COUNT) whose plan
walks every row of one event or poll (`SEARCH ... (object_id=?)` without the aggregated
column in the index): those are O(rows per event), not O(log n).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sqlite3
import traceback
from datetime import timedelta

from _common import ROOT, header, tmpdir
from _populate import populate

from bot.app import build_bot
from bot.clock import Clock
from bot.model import ReactionChanged
from bot.scheduler import Scheduler
from bot.testing import FakeAdapter

LITERAL = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")


def shape(sql: str) -> str:
    return " ".join(LITERAL.sub("?", sql).split())


async def collect() -> tuple[dict[str, tuple[str, str, str]], str]:
    d = tmpdir("plans")
    clock = Clock()
    bot = await build_bot(str(d / "plans.db"), clock=clock, rate_limit=False)
    await populate(bot, events=2000, spaces=50, rsvps=20_000, now=clock.now())
    await bot.db.close()
    bot = await build_bot(str(d / "plans.db"), clock=clock, rate_limit=False)
    fake = FakeAdapter()
    bot.add_adapter(fake)
    seen: dict[str, tuple[str, str, str]] = {}  # shape -> (phase, caller, expanded sql)
    phase = ["setup"]

    def trace(sql: str) -> None:
        if sql.split(None, 1)[0].upper() in (
            "BEGIN",
            "COMMIT",
            "SAVEPOINT",
            "RELEASE",
            "ROLLBACK",
            "PRAGMA",
        ):
            return
        caller = "bot/storage.py fetchall/fetchone (called from the event loop)"
        for fr in reversed(traceback.extract_stack()[:-1]):
            f = fr.filename
            if ("/bot/" in f or "/cogs/" in f) and not f.endswith("storage.py"):
                caller = f"{f.split(str(ROOT) + '/')[-1]}:{fr.lineno} {fr.name}"
                break
        seen.setdefault(shape(sql), (phase[0], caller, sql))

    raw: sqlite3.Connection = bot.db.conn._conn  # the readers' connection (aiosqlite's thread)
    await bot.db.read(lambda c: c.set_trace_callback(trace))
    bot.db.writer.set_trace_callback(trace)  # writes and small reads, on the loop's thread
    assert raw is not None
    phase[0] = "start (recover, top-up)"
    await bot.start()
    when = (clock.now() + timedelta(days=2)).strftime("%Y-%m-%d 18:00")
    phase[0] = "event create"
    [card] = await fake.invoke(f'!event create Picnic when="{when}" where=park')
    [capped] = await fake.invoke(f'!event create Dinner when="{when}" capacity=2', user="bob")
    phase[0] = "RSVP reaction"
    for i in range(4):
        for c in (card, capped):
            await bot.reaction_changed(ReactionChanged(c.ref, fake.user(f"u{i}"), "✅", True))
    await bot.reaction_changed(ReactionChanged(capped.ref, fake.user("u0"), "✅", False))
    await bot.reaction_changed(ReactionChanged(card.ref, fake.user("u1"), "🤔", True))
    phase[0] = "card render"
    await bot.cards.idle()
    phase[0] = "rsvp command"
    await fake.invoke(f"!rsvp {card.text.split('#')[1].split()[0]} maybe", user="carol")
    phase[0] = "poll create"
    [poll] = await fake.invoke("!poll create Where? pub | park | cafe closes=2h")
    phase[0] = "poll vote reaction"
    await bot.reaction_changed(ReactionChanged(poll.ref, fake.user("u7"), "1️⃣", True))
    await bot.reaction_changed(ReactionChanged(poll.ref, fake.user("u8"), "2️⃣", True))
    await bot.cards.idle()
    phase[0] = "scheduler top-up"
    await bot.scheduler.top_up()
    phase[0] = "reminder fires"
    event_id = int(card.text.split("#")[1].split()[0])
    job_id, _ = await bot.db.write(
        lambda c: Scheduler.put(
            c,
            "event.reminder",
            f"event:{event_id}:reminder:bench",
            clock.now(),
            {"event_id": event_id},
            card.ref.channel.space.key,
        )
    )
    await bot.scheduler._fire(job_id)
    await bot.stop()
    conn = sqlite3.connect(d / "plans.db")
    report = []
    for sh, (ph, caller, sql) in seen.items():
        try:
            plan = conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
        except sqlite3.Error as e:
            plan = [(0, 0, 0, f"(cannot explain: {e})")]
        lines = [r[3] for r in plan]
        report.append((ph, caller, sh, lines, verdict(sql, lines, conn)))
    conn.close()
    return {s: v for s, v in seen.items()}, render(report)


USING = re.compile(r"USING (?:COVERING )?INDEX (\w+) \(([^)]*)\)")


def verdict(sql: str, plan: list[str], conn: sqlite3.Connection) -> str:
    """FULL SCAN; O(log n) by index; or O(rows of one object) for aggregates the index
    cannot answer from one end (SQLite's min/max optimisation needs the aggregated column
    right after the equality columns)."""
    if any(p.startswith("SCAN") and "CONSTANT ROW" not in p for p in plan):
        return "FULL SCAN"
    agg = re.search(r"\b(MAX|MIN)\(\s*(?:m\.)?(\w+)\s*\)", sql, re.IGNORECASE)
    count = re.search(r"\bCOUNT\(", sql, re.IGNORECASE)
    first = next((USING.search(p) for p in plan if USING.search(p)), None)
    if agg and first:
        cols = [r[2] for r in conn.execute(f"PRAGMA index_info({first.group(1)})")]
        n_eq = (
            first.group(2).count("=?") - first.group(2).count("<=?") - first.group(2).count(">=?")
        )
        if n_eq < len(cols) and cols[n_eq] == agg.group(2):
            if not count:
                return "ok (index; MAX/MIN read from one end)"
        else:
            return "O(rows of one object): aggregate walks the index range"
    if count:
        return "O(rows of one object): COUNT walks the matching range"
    if (
        first
        and re.fullmatch(r"(state|live|status)=\?", first.group(2).strip())
        and re.search(r"\bkey\s*[<>]=?", sql)
    ):
        return (
            "WALKS EVERY ROW IN THAT STATE: the planner took the low-selectivity "
            f"{first.group(1)} index instead of the key range"
        )
    return "ok (index)"


def render(report: list[tuple[str, str, str, list[str], str]]) -> str:
    out = []
    for ph, caller, sql, plan, why in report:
        out.append(
            f"[{ph}] {caller}  -> {why}\n    {sql}\n" + "\n".join(f"      {p}" for p in plan)
        )
    return "\n".join(out)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.parse_args()
    header("query plans of the hot paths (benchmark 8)")
    _, text = asyncio.run(collect())
    print(text)


if __name__ == "__main__":
    main()
