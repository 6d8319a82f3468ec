"""What an event's number suggests while it is typed: this space's events still to come or
under way (not cancelled, not over), soonest first, matched on the number or the title, each
labelled with its number, title and start in the space's zone."""

from __future__ import annotations

import sqlite3

from bot.context import Context
from bot.render import defuse_mentions, format_time, truncate
from bot.storage import Database

from .repo import _COLS, Event, _event

# Read at most this many (soonest first) to match against: a bound on the work per keystroke.
READ_MAX = 300
SHOWN = 25
LABEL_MAX = 100


def _rows(space: str, now: float) -> tuple[str, tuple[object, ...]]:
    return (f"SELECT {_COLS} FROM events WHERE space=? AND state='active' AND ends_at > ? "
            "ORDER BY starts_at, id LIMIT ?", (space, now, READ_MAX))


def matches(event: Event, typed: str) -> int | None:
    """0: the number starts with what was typed; 1: the title holds it; None: neither."""
    if not typed:
        return 1
    number = typed.lstrip("#")
    if number and number.isdigit() and str(event.id).startswith(number):
        return 0
    return 1 if typed.casefold() in " ".join(event.title.split()).casefold() else None


def label(event: Event, when: str) -> str:
    """"#12 Board games — Sat 12 Dec 2026 18:30 CET", the title shortened to fit."""
    head, tail = f"#{event.id} ", f" — {when}"
    title = defuse_mentions(" ".join(event.title.split()))
    return head + truncate(title, LABEL_MAX - len(head) - len(tail)) + tail


async def events(db: Database, ctx: Context, typed: str) -> list[tuple[str, str]]:
    sql, params = _rows(ctx.space.key, ctx.now.timestamp())

    def unit(conn: sqlite3.Connection) -> list[Event]:
        return [e for e in map(_event, conn.execute(sql, params).fetchall()) if e is not None]

    found = await db.read(unit)
    typed = typed.strip()
    ranked = sorted((rank, i) for i, e in enumerate(found) if (rank := matches(e, typed)) is not None)
    tz = await ctx.timezone()
    return [(label(found[i], format_time(found[i].starts_at, tz)), str(found[i].id)) for _, i in ranked[:SHOWN]]
