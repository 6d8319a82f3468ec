"""What an event's number suggests while it is typed: this space's events still to come or
under way (not cancelled, not over), and those a linked channel shared into it (the commands
take them here too: `EventsCog.event_here`), soonest first, matched on the number or the
title, each labelled with its number, title and start in the space's zone; a shared one also
with the platform it comes from."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

from bot.context import Context
from bot.render import format_time
from bot.storage import Database
from bot.suggestions import MAX_SUGGESTIONS, READ_MAX, match_numbered, numbered_label

from .repo import _COLS, Event, _event
from .scope import Scope, shared_events

# A shared event still to come or under way: what the space's own ones are read with.
_LIVE = "state='active' AND ends_at > ?"


def _rows(space: str, now: float) -> tuple[str, tuple[object, ...]]:
    return (f"SELECT {_COLS} FROM events WHERE space=? AND {_LIVE} "
            "ORDER BY starts_at, id LIMIT ?", (space, now, READ_MAX))


async def events(db: Database, ctx: Context, typed: str, shared: Sequence[int] = (),
                 source: Callable[[str], str] = str) -> list[tuple[str, str]]:
    """`shared`: the ids of events linked channels shared into this space; `source(platform)`:
    how a shared event's platform is named in its label."""
    now = ctx.now.timestamp()
    sql, params = _rows(ctx.space.key, now)
    scope = Scope(ctx.space.key, tuple(shared))

    def unit(conn: sqlite3.Connection) -> list[Event]:
        own = [e for e in map(_event, conn.execute(sql, params).fetchall()) if e is not None]
        return own + shared_events(conn, scope, _LIVE, (now,))

    found = sorted(await db.read(unit), key=lambda e: (e.starts_at, e.id))[:READ_MAX]
    ranked = sorted((rank, i) for i, e in enumerate(found)
                    if (rank := match_numbered(e.id, e.title, typed)) is not None)
    tz = await ctx.timezone()

    def label(e: Event) -> str:
        origin = "" if e.space == ctx.space.key else f" (from {source(e.platform)})"
        return numbered_label(e.id, e.title, f" — {format_time(e.starts_at, tz)}{origin}")

    return [(label(e), str(e.id)) for e in (found[i] for _, i in ranked[:MAX_SUGGESTIONS])]
