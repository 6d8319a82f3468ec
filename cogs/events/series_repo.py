"""Rows of recurring meetups (`event_series`) and the questions asked of them."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .recurrence import occurrences, skipped_note
from .repo import _COLS, Event, _event, assignments


@dataclass(frozen=True, slots=True)
class Series:
    id: int
    space: str
    platform: str
    channel_id: str
    creator: str
    title: str
    location: str
    details: str
    capacity: int | None
    rule: str
    words: str
    first_local: datetime  # naive: the wall time in `tz`
    tz: ZoneInfo
    length: timedelta
    until: date | None
    count: int | None
    ends_before: datetime | None  # naive local: no occurrence at or after it (series ended)
    goal: int | None = None  # each occurrence's turnout goal
    revision: int = 0  # one more with every change: the SEQUENCE of the series' VEVENT

    def words_in(self, tz: ZoneInfo) -> str:
        """The rule as a space in `tz` reads it. A series repeats at its time in the zone it was
        made in; where that is not the reader's zone (the space's zone changed since, or a
        linked space's is another), its days are that zone's days, so the rule says its time
        and zone: read as the reader's, a weekday could be another day and a DST change there
        would shift it unexplained."""
        return self.words if self.tz.key == tz.key else f"{self.words} at {self.first_local:%H:%M} {self.tz.key}"

    def times(self, *, after: datetime | None = None,
              before: datetime | None = None) -> list[tuple[datetime, datetime]]:
        """(local, aware) occurrences, within the bounds given, ended ones left out."""
        out = []
        for local, aware in occurrences(self.rule, self.first_local, self.tz, until=self.until,
                                        count=self.count, after=after, before=before):
            if self.ends_before is not None and local >= self.ends_before:
                break
            out.append((local, aware))
        return out

    def next_after(self, at: datetime) -> tuple[datetime, datetime] | None:
        for local, aware in occurrences(self.rule, self.first_local, self.tz, until=self.until,
                                        count=self.count, after=at):
            if self.ends_before is not None and local >= self.ends_before:
                return None
            return local, aware
        return None


_SCOLS = ("id, space, platform, channel_id, creator, title, location, details, capacity, rule, words, "
          "first_local, tz, length, until_date, count, ends_before, goal, revision")


def _series(row: sqlite3.Row | tuple | None) -> Series | None:
    if row is None:
        return None
    return Series(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9], row[10],
                  datetime.fromisoformat(row[11]), ZoneInfo(row[12]), timedelta(seconds=row[13]),
                  date.fromisoformat(row[14]) if row[14] else None, row[15],
                  datetime.fromisoformat(row[16]) if row[16] else None, row[17], row[18])


def insert(conn: sqlite3.Connection, *, space: str, platform: str, channel_id: str, creator: str,
           title: str, location: str, details: str, capacity: int | None, rule: str, words: str,
           first_local: datetime, tz: ZoneInfo, length: timedelta, until: date | None,
           count: int | None, now: datetime, goal: int | None = None,
           ends_before: datetime | None = None) -> Series:
    row = conn.execute(
        f"INSERT INTO event_series(space, platform, channel_id, creator, title, location, details, "
        f"capacity, rule, words, first_local, tz, length, until_date, count, created_at, goal, ends_before) "
        f"VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING {_SCOLS}",
        (space, platform, channel_id, creator, title, location, details, capacity, rule, words,
         first_local.isoformat(), tz.key, length.total_seconds(),
         until.isoformat() if until else None, count, now.timestamp(), goal,
         ends_before.isoformat() if ends_before else None)).fetchone()
    series = _series(row)
    assert series is not None
    return series


def get(conn: sqlite3.Connection, series_id: int) -> Series | None:
    return _series(conn.execute(f"SELECT {_SCOLS} FROM event_series WHERE id=?", (series_id,)).fetchone())


def repeats_of(conn: sqlite3.Connection, event: Event, tz: ZoneInfo) -> str | None:
    """The card's `Repeats` line of an occurrence as a space in `tz` reads it: its rule, and
    whether the clocks moved this one (None for a one-off)."""
    s = get(conn, event.series_id) if event.series_id is not None else None
    return s.words_in(tz) + skipped_note(event.occurrence, event.starts_at, s.tz) if s else None


def update(conn: sqlite3.Connection, series_id: int, **fields: object) -> None:
    """Any change is a new revision, also with no fields: one of its occurrences was cancelled
    (the series' VEVENT gains an EXDATE)."""
    sets, values = assignments(fields, {"title", "location", "details", "capacity", "length", "ends_before",
                                        "goal"},
                               lambda v: v.total_seconds() if isinstance(v, timedelta) else
                               v.isoformat() if isinstance(v, datetime) else v)
    conn.execute(f"UPDATE event_series SET {sets + ', ' if sets else ''}revision=revision+1 WHERE id=?",
                 (*values, series_id))


def goes_on(conn: sqlite3.Connection, old: int, new: int) -> None:
    """Series `new` is `old` from a new time of day on (a split)."""
    conn.execute("UPDATE event_series SET follows=? WHERE id=?", (old, new))


def chain(conn: sqlite3.Connection, series_id: int) -> list[int]:
    """The series and every series it went on as (moved to a new time of day), in the order
    they were made: each split starts one that `follows` the one it split, and a split from an
    earlier occurrence starts a second that follows the same one."""
    out, todo = [], [series_id]
    while todo:
        sid = todo.pop(0)
        if sid in out:
            continue
        out.append(sid)
        todo.extend(int(r[0]) for r in conn.execute("SELECT id FROM event_series WHERE follows=? ORDER BY id",
                                                     (sid,)))
    return out


def live_from(conn: sqlite3.Connection, series_id: int, since: str, now: datetime) -> Event | int:
    """The first occurrence made from local time `since` on, neither cancelled nor over, also in
    the series it went on as; else the id of the one of those series that still makes more (the
    last made, if none does)."""
    ids = chain(conn, series_id)
    live = [e for sid in ids for e in occurrence_events(conn, sid, from_local=since if sid == series_id else "")
            if not e.cancelled and not e.over(now)]
    if live:
        return min(live, key=lambda e: e.starts_at)
    going = [sid for sid in ids if (s := get(conn, sid)) is not None and s.ends_before is None]
    return going[-1] if going else ids[-1]


def occurrence_events(conn: sqlite3.Connection, series_id: int, *, from_local: str = "") -> list[Event]:
    """Made occurrences of a series, from a local time on (ISO strings sort as times)."""
    rows = conn.execute(f"SELECT {_COLS} FROM events WHERE series_id=? AND occurrence >= ? "
                        f"ORDER BY occurrence", (series_id, from_local)).fetchall()
    return [e for e in map(_event, rows) if e is not None]


# `card_posted`: 0 not posted, 1 posted; above 1, claimed for posting until that time (seconds).
def unposted(conn: sqlite3.Connection, series_id: int) -> list[Event]:
    rows = conn.execute(f"SELECT {_COLS} FROM events WHERE series_id=? AND card_posted<>1 "
                        f"ORDER BY occurrence", (series_id,)).fetchall()
    return [e for e in map(_event, rows) if e is not None]


def claim_card(conn: sqlite3.Connection, *, event_id: int, now: datetime, lease: timedelta) -> bool:
    """Whether this caller posts the card: nobody has, and any claim on it has lapsed."""
    cur = conn.execute("UPDATE events SET card_posted=? WHERE id=? AND (card_posted=0 "
                       "OR (card_posted>1 AND card_posted<?))",
                       (int((now + lease).timestamp()), event_id, now.timestamp()))
    return cur.rowcount > 0


def release_old_claims(conn: sqlite3.Connection, *, platform: str, before: datetime,
                       lease: timedelta) -> list[int]:
    """Card claims on the platform made over a second before `before` (a claim keeps only its
    expiry, in whole seconds), released so they are posted again: the series they are of."""
    cut = int(before.timestamp()) - 1 + int(lease.total_seconds())
    rows = conn.execute("UPDATE events SET card_posted=0 WHERE card_posted>1 AND card_posted<? "
                        "AND platform=? AND series_id IS NOT NULL RETURNING series_id",
                        (cut, platform)).fetchall()
    return sorted({int(r[0]) for r in rows})


def card_done(conn: sqlite3.Connection, *, event_id: int, posted: bool) -> None:
    """Posted; or the send failed, so a later try posts it."""
    conn.execute("UPDATE events SET card_posted=? WHERE id=?", (1 if posted else 0, event_id))


def made(conn: sqlite3.Connection, series_id: int) -> set[str]:
    return {r[0] for r in conn.execute("SELECT occurrence FROM events WHERE series_id=?", (series_id,))}


def active_ids(conn: sqlite3.Connection) -> list[int]:
    return [r[0] for r in conn.execute("SELECT id FROM event_series WHERE ends_before IS NULL")]


def live_in(conn: sqlite3.Connection, space: str) -> list[int]:
    return [r[0] for r in conn.execute("SELECT id FROM event_series WHERE space=? AND ends_before IS NULL",
                                       (space,))]


def next_unmade(conn: sqlite3.Connection, s: Series, now: datetime) -> tuple[datetime, datetime] | None:
    """The series' first (local, aware) time after `now` that has no event yet (one made is an
    event of its own: upcoming, or cancelled on its own)."""
    have = made(conn, s.id)
    for local, aware in occurrences(s.rule, s.first_local, s.tz, until=s.until, count=s.count, after=now):
        if s.ends_before is not None and local >= s.ends_before:
            return None
        if local.isoformat() not in have:
            return local, aware
    return None


def to_come(conn: sqlite3.Connection, s: Series, at: datetime) -> bool:
    """Whether the series' rule has a time after `at` with no event yet, which will be made. One
    made is an event of its own, asked about as that: it may be cancelled, or moved."""
    have = made(conn, s.id)
    for local, _ in occurrences(s.rule, s.first_local, s.tz, until=s.until, count=s.count, after=at):
        if s.ends_before is not None and local >= s.ends_before:
            return False
        if local.isoformat() not in have:
            return True
    return False


def cancelled_times(conn: sqlite3.Connection, series_id: int) -> set[datetime]:
    """When the cancelled occurrences of a series, and of the series it went on as, were to start."""
    return {e.starts_at for sid in chain(conn, series_id) for e in occurrence_events(conn, sid) if e.cancelled}
