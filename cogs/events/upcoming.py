"""What a space has coming up, for `event list` and the Upcoming page: its events in time
order, each series once with its next occurrence, whether that one is posted (an event with
an id and RSVPs) or still to be posted `series.ahead` before it starts."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from . import repo
from . import series_repo as srepo
from .repo import Event, Roster
from .scope import Scope, shared_events

SCAN = 500  # own events read at most; beyond, only counted


@dataclass(frozen=True, slots=True)
class Next:
    """A series whose next occurrence is not posted yet: no id to RSVP to so far."""

    series: srepo.Series
    starts_at: datetime


Entry = tuple[Event, Roster] | Next


def _at(item: Event | Next) -> datetime:
    return item.starts_at


def coming(conn: sqlite3.Connection, scope: Scope, now: datetime, shown: int) -> tuple[list[Entry], int]:
    """The first `shown` entries and how many there are in all."""
    own = repo.upcoming(conn, scope.space, now, limit=SCAN)
    more = 0 if len(own) < SCAN else repo.count_upcoming(conn, scope.space, now) - len(own)
    shared = shared_events(conn, scope, "state='active' AND starts_at >= ?", (now.timestamp(),))
    items: list[Event | Next] = []
    seen: set[int] = set()
    for e in sorted(own + shared, key=_at):
        if e.series_id is None or e.series_id not in seen:
            items.append(e)
            if e.series_id is not None:
                seen.add(e.series_id)
    for sid in [*srepo.live_in(conn, scope.space), *scope.series]:
        s = srepo.get(conn, sid)
        if sid in seen or s is None:
            continue
        nxt = srepo.next_unmade(conn, s, now)
        if nxt is not None:
            items.append(Next(s, nxt[1]))
    items.sort(key=_at)
    out: list[Entry] = [i if isinstance(i, Next) else (i, repo.roster(conn, i)) for i in items[:shown]]
    return out, len(items) + more
