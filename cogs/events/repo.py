"""Events and RSVPs.

RSVP marks (bot.marks) are what people did; `rsvps` holds the derived status of
each person plus `going_seq`, the moment they last *became* going. Capacity and
the waitlist are read off `going_seq` order, so someone who steps out and back in
queues again at the end instead of bumping a person already promoted.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.marks import Marks

marks = Marks("event_marks", by_card=True)
STATUSES = ("going", "maybe", "no")


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    space: str
    platform: str
    channel_id: str
    creator: str
    title: str
    starts_at: datetime
    location: str
    details: str
    capacity: int | None
    state: str
    revision: int
    ends_at: datetime
    series_id: int | None = None  # an occurrence of a recurring meetup (series.py)
    occurrence: str | None = None  # its local wall time as the series made it (ISO)
    goal: int | None = None  # a turnout goal: how many going would make it (turnout.py)

    @property
    def cancelled(self) -> bool:
        return self.state == "cancelled"

    def over(self, now: datetime) -> bool:
        """Ended: RSVPs, edits and cancelling are closed."""
        return self.ends_at <= now


@dataclass(frozen=True, slots=True)
class Attendee:
    user: str
    name: str


@dataclass(frozen=True, slots=True)
class Roster:
    going: tuple[Attendee, ...]  # in, in order
    waitlist: tuple[Attendee, ...]  # in order
    maybe: tuple[Attendee, ...]
    no: tuple[Attendee, ...]
    # How many there are in each list when the lists above are cut short (`card_roster`).
    sizes: tuple[int, int, int, int] | None = None

    def counts(self) -> tuple[int, int, int, int]:
        if self.sizes is not None:
            return self.sizes
        return len(self.going), len(self.waitlist), len(self.maybe), len(self.no)


@dataclass(frozen=True, slots=True)
class RsvpResult:
    old: str | None
    new: str | None
    promoted: tuple[Attendee, ...]  # moved from the waitlist to going by this change
    waitlisted_at: int | None  # 1-based place on the waitlist, if the user is on it


_COLS = ("id, space, platform, channel_id, creator, title, starts_at, location, details, capacity, state, "
         "revision, ends_at, series_id, occurrence, goal")
DEFAULT_LENGTH = timedelta(hours=2)
MAX_LENGTH = timedelta(days=14)  # the longest an event may last (`duration=`)


def _event(row: sqlite3.Row | tuple | None) -> Event | None:
    if row is None:
        return None
    starts = datetime.fromtimestamp(row[6], UTC)
    ends = datetime.fromtimestamp(row[12], UTC) if row[12] is not None else starts + DEFAULT_LENGTH
    return Event(row[0], row[1], row[2], row[3], row[4], row[5], starts, row[7], row[8], row[9],
                 row[10], row[11], ends, row[13], row[14], row[15])


def insert(conn: sqlite3.Connection, *, space: str, platform: str, channel_id: str, creator: str, title: str,
           starts_at: datetime, location: str, details: str, capacity: int | None, now: datetime,
           length: timedelta = DEFAULT_LENGTH, series_id: int | None = None,
           occurrence: str | None = None, goal: int | None = None) -> Event:
    row = conn.execute(
        f"INSERT INTO events(space, platform, channel_id, creator, title, starts_at, location, details,"
        f" capacity, created_at, ends_at, series_id, occurrence, goal) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
        f"RETURNING {_COLS}",
        (space, platform, channel_id, creator, title, starts_at.timestamp(), location, details, capacity,
         now.timestamp(), (starts_at.astimezone(UTC) + length).timestamp(), series_id, occurrence,
         goal)).fetchone()
    event = _event(row)
    assert event is not None
    return event


def get(conn: sqlite3.Connection, event_id: int) -> Event | None:
    return _event(conn.execute(f"SELECT {_COLS} FROM events WHERE id=?", (event_id,)).fetchone())


def assignments(fields: dict[str, object], allowed: set[str],
                stored: Callable[[object], object]) -> tuple[str, list[object]]:
    """`a=?, b=?` and its values for an UPDATE of known columns; `stored` turns a value into
    what the column holds."""
    assert set(fields) <= allowed, set(fields) - allowed
    return ", ".join(f"{k}=?" for k in fields), [stored(v) for v in fields.values()]


def update(conn: sqlite3.Connection, event_id: int, **fields: object) -> Event:
    sets, values = assignments(fields, {"title", "starts_at", "ends_at", "location", "details",
                                        "capacity", "state", "goal"},
                               lambda v: v.timestamp() if isinstance(v, datetime) else v)
    conn.execute(f"UPDATE events SET {sets}, revision=revision+1 WHERE id=?", (*values, event_id))
    event = get(conn, event_id)
    assert event is not None
    return event


def upcoming(conn: sqlite3.Connection, space: str, now: datetime, limit: int = 15) -> list[Event]:
    rows = conn.execute(
        f"SELECT {_COLS} FROM events WHERE space=? AND state='active' AND starts_at >= ? "
        f"ORDER BY starts_at LIMIT ?", (space, now.timestamp(), limit)).fetchall()
    return [e for e in map(_event, rows) if e is not None]


def count_upcoming(conn: sqlite3.Connection, space: str, now: datetime) -> int:
    n: int = conn.execute("SELECT COUNT(*) FROM events WHERE space=? AND state='active' AND starts_at >= ?",
                          (space, now.timestamp())).fetchone()[0]
    return n


def in_users(conn: sqlite3.Connection, event: Event) -> list[str]:
    """Users who are in (going, within capacity), in order."""
    sql = "SELECT user FROM rsvps WHERE event_id=? AND status='going' ORDER BY going_seq"
    if event.capacity is None:
        return [r[0] for r in conn.execute(sql, (event.id,))]
    return [r[0] for r in conn.execute(sql + " LIMIT ?", (event.id, event.capacity))]


def roster(conn: sqlite3.Connection, event: Event) -> Roster:
    rows = conn.execute("SELECT user, name, status FROM rsvps WHERE event_id=? ORDER BY going_seq, user",
                        (event.id,)).fetchall()
    going = [Attendee(r[0], r[1]) for r in rows if r[2] == "going"]
    cap = event.capacity if event.capacity is not None else len(going)
    return Roster(tuple(going[:cap]), tuple(going[cap:]),
                  tuple(Attendee(r[0], r[1]) for r in rows if r[2] == "maybe"),
                  tuple(Attendee(r[0], r[1]) for r in rows if r[2] == "no"))


def card_roster(conn: sqlite3.Connection, event: Event, limit: int) -> Roster:
    """The first `limit` people of each list and the size of each: what a live card
    shows. Re-rendered while a storm goes on, so it reads counts off the index
    instead of loading every attendee of a big event."""
    n = dict(conn.execute("SELECT status, COUNT(*) FROM rsvps WHERE event_id=? GROUP BY status",
                          (event.id,)).fetchall())
    going_n, cap = n.get("going", 0), event.capacity

    def first(status: str, count: int, offset: int = 0) -> tuple[Attendee, ...]:
        if count <= 0:
            return ()
        return tuple(Attendee(r[0], r[1]) for r in conn.execute(
            "SELECT user, name FROM rsvps WHERE event_id=? AND status=? ORDER BY going_seq, user "
            "LIMIT ? OFFSET ?", (event.id, status, count, offset)))

    in_n = going_n if cap is None else min(going_n, cap)
    wait_n = going_n - in_n
    return Roster(first("going", min(in_n, limit)), first("going", min(wait_n, limit), in_n),
                  first("maybe", limit), first("no", limit),
                  sizes=(in_n, wait_n, n.get("maybe", 0), n.get("no", 0)))


def apply_mark(conn: sqlite3.Connection, event_id: int, user: str, name: str, status: str, *, added: bool,
               source: str, now: datetime, card: str = "", live: Collection[str] = ()) -> tuple[bool, RsvpResult | None]:
    """Record an RSVP action (a reaction's on `card`, of the event's `live` ones: bot.marks) and
    re-derive the user's status: (False, None) if the event is gone, cancelled or over, (True, None) if nothing changed.
    This is the hot path of a reaction storm: four indexed statements when someone
    answers, only the two columns of the event it needs, and capacity costs nothing
    unless someone who was in steps out."""
    head = conn.execute("SELECT capacity, state, COALESCE(ends_at, starts_at + ?) FROM events WHERE id=?",
                        (DEFAULT_LENGTH.total_seconds(), event_id)).fetchone()
    if head is None or head[1] == "cancelled" or head[2] <= now.timestamp():
        return False, None
    if added:
        changed = marks.add(conn, event_id, user, status, source, name, card=card)
    else:
        changed = marks.remove(conn, event_id, user, status, source, card=card, live=live)
    if not changed:
        return True, None
    row = conn.execute("SELECT status, name, going_seq FROM rsvps WHERE event_id=? AND user=?",
                       (event_id, user)).fetchone()
    old = row[0] if row else None
    cap = head[0]
    was_in = cap is not None and old == "going" and _place(conn, event_id, row[2]) <= cap
    # A new mark has the highest sequence number of the object, so it is the latest.
    new = _store(conn, event_id, user, name, row, status if added else marks.latest(conn, event_id, user))
    if cap is None:
        return True, RsvpResult(old, new, (), None)
    promoted: tuple[Attendee, ...] = ()
    if was_in and new != "going":
        nxt = conn.execute("SELECT user, name FROM rsvps WHERE event_id=? AND status='going' "
                           "ORDER BY going_seq LIMIT 1 OFFSET ?", (event_id, cap - 1)).fetchone()
        promoted = (Attendee(nxt[0], nxt[1]),) if nxt else ()
    waitlisted_at = None
    if new == "going" and old != "going":
        total = conn.execute("SELECT COUNT(*) FROM rsvps WHERE event_id=? AND status='going'",
                             (event_id,)).fetchone()[0]
        waitlisted_at = total - cap if total > cap else None
    return True, RsvpResult(old, new, promoted, waitlisted_at)


def _place(conn: sqlite3.Connection, event_id: int, going_seq: int) -> int:
    """1-based place among those going (in, then the waitlist)."""
    n: int = conn.execute("SELECT COUNT(*) FROM rsvps WHERE event_id=? AND status='going' AND going_seq <= ?",
                          (event_id, going_seq)).fetchone()[0]
    return n


def waitlist_place(conn: sqlite3.Connection, event_id: int, user: str, capacity: int) -> int | None:
    """The user's 1-based place on the event's waitlist; None when they are in or not going."""
    place: int = conn.execute(
        "SELECT COUNT(*) FROM rsvps WHERE event_id=? AND status='going' AND going_seq <= "
        "(SELECT going_seq FROM rsvps WHERE event_id=? AND user=? AND status='going')",
        (event_id, event_id, user)).fetchone()[0]
    return place - capacity if place > capacity else None


def _store(conn: sqlite3.Connection, event_id: int, user: str, name: str,
           row: sqlite3.Row | tuple | None, new: str | None) -> str | None:
    """Write the user's status `new` (what their marks now say); return it."""
    old = row[0] if row else None
    name = name or (row[1] if row else "")
    if new is None:
        conn.execute("DELETE FROM rsvps WHERE event_id=? AND user=?", (event_id, user))
    elif new == "going" and old != "going":  # joins the end of the going queue
        # Only the going are ordered by going_seq, so the next number is one past theirs
        # (one seek in rsvps_order); a stale number left on someone now "maybe" is never
        # compared, since becoming going again draws a new one.
        conn.execute("INSERT INTO rsvps(event_id, user, name, status, going_seq) VALUES(?,?,?,?,"
                     "(SELECT COALESCE(MAX(going_seq), 0) + 1 FROM rsvps WHERE event_id=? AND status='going')) "
                     "ON CONFLICT(event_id, user) DO UPDATE SET name=excluded.name, status=excluded.status, "
                     "going_seq=excluded.going_seq",
                     (event_id, user, name, new, event_id))
    elif new != old or (row and name != row[1]):
        conn.execute("INSERT INTO rsvps(event_id, user, name, status, going_seq) VALUES(?,?,?,?,0) "
                     "ON CONFLICT(event_id, user) DO UPDATE SET status=excluded.status, "
                     "name=excluded.name", (event_id, user, name, new))
    return new


def rederive(conn: sqlite3.Connection, event: Event, users: list[tuple[str, str]]) -> RsvpResult:
    """Re-derive the status of several users at once (reconciliation); report promotions:
    those on the waitlist before who are in now. Someone who answered while the bot was away
    and found a free place was never waiting, and someone waiting is told even when their
    own reactions changed too."""
    going = [r[0] for r in conn.execute(
        "SELECT user FROM rsvps WHERE event_id=? AND status='going' ORDER BY going_seq", (event.id,))]
    waiting = set(going[event.capacity:]) if event.capacity is not None else set()
    old = new = None
    for user, name in users:
        row = conn.execute("SELECT status, name FROM rsvps WHERE event_id=? AND user=?",
                           (event.id, user)).fetchone()
        old = row[0] if row else None
        new = _store(conn, event.id, user, name, row, marks.latest(conn, event.id, user))
    if event.capacity is None:
        return RsvpResult(old, new, (), None)
    promoted_users = [u for u in in_users(conn, event) if u in waiting]
    names = dict(conn.execute(
        f"SELECT user, name FROM rsvps WHERE event_id=? AND user IN ({','.join('?' * len(promoted_users))})",
        (event.id, *promoted_users)).fetchall()) if promoted_users else {}
    last = users[-1][0] if users else ""
    waitlisted_at = waitlist_place(conn, event.id, last, event.capacity) if new == "going" else None
    return RsvpResult(old, new, tuple(Attendee(u, names.get(u, "")) for u in promoted_users), waitlisted_at)


def set_capacity(conn: sqlite3.Connection, event: Event,
                 capacity: int | None) -> tuple[Event, list[Attendee], list[Attendee]]:
    """The event with its new capacity, who moved in from the waitlist and who moved out
    to it (a lower capacity: the last ones in go first)."""
    before = in_users(conn, event)
    updated = update(conn, event.id, capacity=capacity)
    after = in_users(conn, updated)
    names = dict(conn.execute("SELECT user, name FROM rsvps WHERE event_id=?", (event.id,)).fetchall())
    moved_in = [Attendee(u, names.get(u, "")) for u in after if u not in before]
    kept = set(after)
    moved_out = [Attendee(u, names.get(u, "")) for u in before if u not in kept]
    return updated, moved_in, moved_out
