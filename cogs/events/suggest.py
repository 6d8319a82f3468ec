"""What an event's number suggests while it is typed: this space's events still to come or
under way (not cancelled, not over), soonest first, matched on the number or the title, each
labelled with its number, title and start in the space's zone."""

from __future__ import annotations

import sqlite3

from bot.context import Context
from bot.render import format_time
from bot.storage import Database
from bot.suggestions import MAX_SUGGESTIONS, READ_MAX, match_numbered, numbered_label

from .repo import _COLS, Event, _event


def _rows(space: str, now: float) -> tuple[str, tuple[object, ...]]:
    return (f"SELECT {_COLS} FROM events WHERE space=? AND state='active' AND ends_at > ? "
            "ORDER BY starts_at, id LIMIT ?", (space, now, READ_MAX))


async def events(db: Database, ctx: Context, typed: str) -> list[tuple[str, str]]:
    sql, params = _rows(ctx.space.key, ctx.now.timestamp())

    def unit(conn: sqlite3.Connection) -> list[Event]:
        return [e for e in map(_event, conn.execute(sql, params).fetchall()) if e is not None]

    found = await db.read(unit)
    ranked = sorted((rank, i) for i, e in enumerate(found)
                    if (rank := match_numbered(e.id, e.title, typed)) is not None)
    tz = await ctx.timezone()
    return [(numbered_label(e.id, e.title, f" — {format_time(e.starts_at, tz)}"), str(e.id))
            for e in (found[i] for _, i in ranked[:MAX_SUGGESTIONS])]
