"""Which events a space has: its own, and those of linked channels shared into it (the same
notion for `event list`, the calendar feed and Upcoming page, and `stats`). A series of a
linked channel counts as a series of the space while the link lasts, because its later
occurrences are shared as they are posted; after an unlink only what was shared stays."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from .repo import _COLS, Event, _event

CHUNK = 500  # ids per statement: well under either engine's limit of bound values


@dataclass(frozen=True, slots=True)
class Scope:
    space: str  # the space's key
    shared: tuple[int, ...] = ()  # events of other spaces shared into it
    series: tuple[int, ...] = ()  # other spaces' series whose next occurrences will be shared into it


def _in_parts(ids: Sequence[int]) -> Iterator[tuple[str, Sequence[int]]]:
    """`(?,?,…)` placeholders and the ids they bind, a statement's worth at a time."""
    for i in range(0, len(ids), CHUNK):
        part = ids[i:i + CHUNK]
        yield ",".join("?" * len(part)), part


def shared_events(conn: sqlite3.Connection, scope: Scope, where: str = "1=1",
                  params: Sequence[object] = ()) -> list[Event]:
    """The events shared into the space from other spaces that also meet `where`."""
    out: list[Event] = []
    for marks, part in _in_parts(scope.shared):
        rows = conn.execute(
            f"SELECT {_COLS} FROM events WHERE id IN ({marks}) AND space != ? "
            f"AND {where}", (*part, scope.space, *params)).fetchall()
        out.extend(e for e in map(_event, rows) if e is not None)
    return out


def not_over(conn: sqlite3.Connection, scope: Scope, now: datetime) -> list[Event]:
    """The space's active events, its own and shared into it, that have not ended: their cards
    still show times and counts that a change of its settings may change."""
    ahead = "state='active' AND COALESCE(ends_at, starts_at) >= ?"
    rows = conn.execute(f"SELECT {_COLS} FROM events WHERE space=? AND {ahead}",
                        (scope.space, now.timestamp())).fetchall()
    return [e for e in map(_event, rows) if e is not None] + shared_events(conn, scope, ahead, (now.timestamp(),))


def series_of_shared(conn: sqlite3.Connection, scope: Scope) -> dict[int, tuple[str, str]]:
    """series id -> (platform, channel id) it is made in, for the occurrences shared into the space."""
    out: dict[int, tuple[str, str]] = {}
    for marks, part in _in_parts(scope.shared):
        rows = conn.execute(
            "SELECT DISTINCT s.id, s.platform, s.channel_id FROM events e JOIN event_series s "
            f"ON s.id = e.series_id WHERE e.id IN ({marks}) AND e.space != ?",
            (*part, scope.space)).fetchall()
        out.update({int(r[0]): (str(r[1]), str(r[2])) for r in rows})
    return out


def shared_version(conn: sqlite3.Connection, scope: Scope) -> tuple[object, ...]:
    """What the shared events are, in a few numbers (see feed.version)."""
    count = revisions = 0
    for marks, part in _in_parts(scope.shared):
        n, total = conn.execute(
            f"SELECT COUNT(*), COALESCE(SUM(revision), 0) FROM events WHERE id IN ({marks}) "
            "AND space != ?", (*part, scope.space)).fetchone()
        count, revisions = count + int(n), revisions + int(total)
    return count, revisions, scope.shared[-1] if scope.shared else 0, scope.series
