"""Rows of check-ins ("I'm here") and the questions turnout asks of events: who is here, who
was, and the numbers of past events for `stats` and `event export`.

A check-in keeps who, the name shown, how it came (a 📍 reaction, the person's own `checkin`,
or someone checked in by the creator or a moderator) and when. Only a check-in made by a
reaction is taken back when that reaction goes; the others stand. An event can have several
cards (`event show` posts another), so which cards carry each person's 📍 is kept too: the
check-in goes with the last of them, as an RSVP goes with the last ✅ (bot.marks).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from .repo import _COLS, DEFAULT_LENGTH, MAX_LENGTH, Attendee, Event, _event, in_users
from .scope import Scope, shared_events

MIGRATION = """
ALTER TABLE events ADD COLUMN goal INTEGER;
ALTER TABLE event_series ADD COLUMN goal INTEGER;
CREATE TABLE event_checkins (
    event_id INTEGER NOT NULL,
    user TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (event_id, user)
) WITHOUT ROWID;
"""

# Which cards carry a person's 📍 (a message's key; '' for a check-in by reaction made before
# cards were told apart: it stands for whichever card it was on).
CARDS_MIGRATION = """
CREATE TABLE event_checkin_cards (
    event_id INTEGER NOT NULL,
    user TEXT NOT NULL,
    card TEXT NOT NULL,
    PRIMARY KEY (event_id, user, card)
) WITHOUT ROWID;
INSERT INTO event_checkin_cards(event_id, user, card)
    SELECT event_id, user, '' FROM event_checkins WHERE source='reaction';
"""

# A 📍 that was on a card before the event's check-in opened (made too early, or for the time
# the event had before it moved): it stays on the card until its person takes it off, and it
# counts for nothing meanwhile, on a reading at start as live. Once taken off, a new 📍 counts.
# Like the cards above, '' stands for a card not told apart (any of the event's cards).
STALE_MIGRATION = """
CREATE TABLE event_checkin_stale (
    event_id INTEGER NOT NULL,
    user TEXT NOT NULL,
    card TEXT NOT NULL,
    PRIMARY KEY (event_id, user, card)
) WITHOUT ROWID;
"""

REACTION, SELF = "reaction", "command"  # a check-in of someone else: "by <their key>"


def check_in(conn: sqlite3.Connection, event_id: int, user: str, name: str, source: str,
             now: datetime) -> bool:
    """Check `user` in; False if they already were (the first check-in stands, but one said
    in words is not taken back with a 📍 reaction that made it first)."""
    if conn.execute(
            "INSERT INTO event_checkins(event_id, user, name, source, at) VALUES(?,?,?,?,?) "
            "ON CONFLICT(event_id, user) DO NOTHING",
            (event_id, user, name, source, now.timestamp())).rowcount > 0:
        return True
    if source != REACTION:
        conn.execute("UPDATE event_checkins SET source=? WHERE event_id=? AND user=? AND source=?",
                     (source, event_id, user, REACTION))
    return False


def pin(conn: sqlite3.Connection, event_id: int, user: str, name: str, card: str, now: datetime) -> bool:
    """A 📍 on `card`: noted, and a check-in if the person was not checked in yet."""
    conn.execute("INSERT INTO event_checkin_cards(event_id, user, card) VALUES(?,?,?) "
                 "ON CONFLICT(event_id, user, card) DO NOTHING", (event_id, user, card))
    return check_in(conn, event_id, user, name, REACTION, now)


def unpin(conn: sqlite3.Connection, event_id: int, user: str, card: str, live: Collection[str]) -> bool:
    """The person took their 📍 off `card`, and so off any card no longer among `live` (the
    event's cards now): a check-in that reaction made goes when no live card carries one."""
    others = sorted(set(live) - {card})
    keep = f" AND card NOT IN ({', '.join('?' * len(others))})" if others else ""
    conn.execute(f"DELETE FROM event_checkin_cards WHERE event_id=? AND user=?{keep}", (event_id, user, *others))
    return _withdraw_unpinned(conn, event_id, user)


def _withdraw_unpinned(conn: sqlite3.Connection, event_id: int, user: str) -> bool:
    if conn.execute("SELECT 1 FROM event_checkin_cards WHERE event_id=? AND user=? LIMIT 1",
                    (event_id, user)).fetchone() is not None:
        return False
    return conn.execute("DELETE FROM event_checkins WHERE event_id=? AND user=? AND source=?",
                        (event_id, user, REACTION)).rowcount > 0


def reconcile(conn: sqlite3.Connection, event_id: int, platform: str,
              readings: Mapping[str, list[tuple[str, str]]], now: datetime, *,
              take_back: bool, complete: bool) -> bool:
    """The 📍 reactions on each card read ({card: [(user, name)]}) are the truth for which of
    its platform's people it carries; a check-in by reaction goes with the last card carrying
    it; a 📍 from before check-in opened (`stale`) counts for nothing until it is seen gone.
    Without `take_back` (a card that could not be read) they only add. When `complete`
    (every live card of the event on that platform read), the check-ins by reaction from
    before cards were told apart are only as good as a card showing them."""
    changed = False
    for card, present in readings.items():
        for user, name in present:
            if not is_stale(conn, event_id, user, card):
                changed |= pin(conn, event_id, user, name, card, now)
    if not take_back:
        return changed
    gone: set[str] = set()
    for card, present in readings.items():
        keys = {user for user, _ in present}
        changed |= _fresh_unless(conn, event_id, card, keys)
        for (user,) in conn.execute("SELECT user FROM event_checkin_cards WHERE event_id=? AND card=?",
                                    (event_id, card)).fetchall():
            if user not in keys:
                conn.execute("DELETE FROM event_checkin_cards WHERE event_id=? AND user=? AND card=?",
                             (event_id, user, card))
                gone.add(user)
    everywhere = {user for present in readings.values() for user, _ in present}
    for (user,) in conn.execute("SELECT user FROM event_checkin_stale WHERE event_id=? AND card=''",
                                (event_id,)).fetchall() if complete else ():
        if user.partition(":")[0] == platform and user not in everywhere:
            conn.execute("DELETE FROM event_checkin_stale WHERE event_id=? AND user=? AND card=''", (event_id, user))
            changed = True
    for (user,) in conn.execute("SELECT user FROM event_checkin_cards WHERE event_id=? AND card=''",
                                (event_id,)).fetchall() if complete else ():
        if user.partition(":")[0] == platform:
            conn.execute("DELETE FROM event_checkin_cards WHERE event_id=? AND user=? AND card=''", (event_id, user))
            gone.add(user)
    for user in sorted(gone):
        changed |= _withdraw_unpinned(conn, event_id, user)
    return changed


def stale(conn: sqlite3.Connection, event_id: int, user: str, card: str) -> None:
    """`user`'s 📍 on `card` was there before check-in opened: it does not count."""
    conn.execute("INSERT INTO event_checkin_stale(event_id, user, card) VALUES(?,?,?) "
                 "ON CONFLICT(event_id, user, card) DO NOTHING", (event_id, user, card))


def fresh(conn: sqlite3.Connection, event_id: int, user: str, card: str) -> None:
    """`user` took their 📍 off `card` (or put a new one on, which means they had): a 📍 there
    counts again."""
    conn.execute("DELETE FROM event_checkin_stale WHERE event_id=? AND user=? AND card IN (?, '')",
                 (event_id, user, card))


def is_stale(conn: sqlite3.Connection, event_id: int, user: str, card: str) -> bool:
    return conn.execute("SELECT 1 FROM event_checkin_stale WHERE event_id=? AND user=? AND card IN (?, '')",
                        (event_id, user, card)).fetchone() is not None


def stale_count(conn: sqlite3.Connection, event_id: int, platform: str) -> int:
    """How many of `platform`'s people have a 📍 on the event's cards that does not count: a
    card can only show its own platform's reactions, and someone checked in since (by command,
    or by the creator or a moderator) has nothing left to do about theirs."""
    early = {user for (user,) in conn.execute("SELECT user FROM event_checkin_stale WHERE event_id=?",
                                              (event_id,)).fetchall() if user.partition(":")[0] == platform}
    checked = {user for (user,) in conn.execute("SELECT user FROM event_checkins WHERE event_id=?",
                                                (event_id,)).fetchall()}
    return len(early - checked)


def read_early(conn: sqlite3.Connection, event_id: int, readings: Mapping[str, list[tuple[str, str]]], *,
               take_back: bool) -> None:
    """Cards read before check-in opened: every 📍 on them is too early to count (and, where
    the card was read whole, one no longer there may be put on again)."""
    for card, present in readings.items():
        keys = {user for user, _ in present}
        for user in keys:
            stale(conn, event_id, user, card)
        if take_back:
            _fresh_unless(conn, event_id, card, keys)


def _fresh_unless(conn: sqlite3.Connection, event_id: int, card: str, present: Collection[str]) -> bool:
    """The 📍 noted on `card` from before check-in opened that are no longer there: whether any."""
    gone = [user for (user,) in conn.execute("SELECT user FROM event_checkin_stale WHERE event_id=? AND card=?",
                                             (event_id, card)).fetchall() if user not in present]
    for user in gone:
        fresh(conn, event_id, user, card)
    return bool(gone)


def clear(conn: sqlite3.Connection, event_id: int) -> None:
    """Nobody is checked in at the event (it moved to a time whose check-in has not opened); the
    📍 reactions that made check-ins stay on their cards, not counting for the new time."""
    conn.execute("INSERT INTO event_checkin_stale(event_id, user, card) SELECT event_id, user, card "
                 "FROM event_checkin_cards WHERE event_id=? ON CONFLICT(event_id, user, card) DO NOTHING",
                 (event_id,))
    conn.execute("DELETE FROM event_checkin_cards WHERE event_id=?", (event_id,))
    conn.execute("DELETE FROM event_checkins WHERE event_id=?", (event_id,))


def here(conn: sqlite3.Connection, event_id: int, limit: int | None = None) -> tuple[tuple[Attendee, ...], int]:
    """Who checked in (first `limit` of them, in order) and how many did."""
    sql = "SELECT user, name FROM event_checkins WHERE event_id=? ORDER BY at, user"
    rows = (conn.execute(sql, (event_id,)) if limit is None
            else conn.execute(sql + " LIMIT ?", (event_id, limit)))
    people = tuple(Attendee(r[0], r[1]) for r in rows)
    n: int = conn.execute("SELECT COUNT(*) FROM event_checkins WHERE event_id=?", (event_id,)).fetchone()[0]
    return people, n


def is_here(conn: sqlite3.Connection, event_id: int, user: str) -> bool:
    return conn.execute("SELECT 1 FROM event_checkins WHERE event_id=? AND user=?",
                        (event_id, user)).fetchone() is not None


@dataclass(frozen=True, slots=True)
class Turnout:
    """An event that was held, in numbers only."""

    event: Event
    going: int  # in (within capacity) when it ended
    here: int  # checked in, whether they had said yes or not
    came: int  # of those going, how many checked in

    @property
    def rate(self) -> Fraction | None:
        """Show-up rate: of those going, the share who checked in (nobody checking in is 0, a
        count like any other); None only where nobody was going, so there is no share to take.
        Exact, so a percentage of it rounds as people expect (1 of 8 is 13%, not a float's 12%)."""
        if not self.going:
            return None
        return Fraction(self.came, self.going)


def held(conn: sqlite3.Connection, scope: Scope, since: datetime, until: datetime) -> list[Turnout]:
    """Events of the space (its own and those shared into it, scope.py) that ended between
    `since` and `until`, not cancelled, oldest first: all of them, as `stats` totals them."""
    # Read off events_upcoming (space, state, starts_at): an event lasts at most MAX_LENGTH, and
    # one made before `duration=` existed has no end stored (two hours).
    ends = f"COALESCE(ends_at, starts_at + {DEFAULT_LENGTH.total_seconds()})"
    where = f"state='active' AND starts_at > ? AND starts_at <= ? AND {ends} > ? AND {ends} <= ?"
    params = ((since - MAX_LENGTH).timestamp(), until.timestamp(), since.timestamp(), until.timestamp())
    rows = conn.execute(f"SELECT {_COLS} FROM events WHERE space=? AND {where}",
                        (scope.space, *params)).fetchall()
    events = [e for e in map(_event, rows) if e is not None] + shared_events(conn, scope, where, params)
    out = []
    for event in sorted(events, key=lambda e: (e.ends_at, e.id)):
        going = in_users(conn, event)
        checked = {r[0] for r in conn.execute("SELECT user FROM event_checkins WHERE event_id=?",
                                              (event.id,))}
        out.append(Turnout(event, len(going), len(checked), len(checked.intersection(going))))
    return out


@dataclass(frozen=True, slots=True)
class ExportRow:
    name: str
    user: str  # "<platform>:<id>"
    status: str  # going, waitlist, maybe, no, or "" (checked in without an answer)
    waitlist: int | None  # 1-based place on the waitlist
    here: bool


def export_rows(conn: sqlite3.Connection, event: Event) -> list[ExportRow]:
    """Everyone who answered or checked in, in the order of the card's lists."""
    rows = conn.execute("SELECT user, name, status FROM rsvps WHERE event_id=? ORDER BY going_seq, user",
                        (event.id,)).fetchall()
    checked = dict(conn.execute("SELECT user, name FROM event_checkins WHERE event_id=? ORDER BY at, user",
                                (event.id,)).fetchall())
    going = [r for r in rows if r[2] == "going"]
    cap = event.capacity if event.capacity is not None else len(going)
    out = [ExportRow(r[1], r[0], "going" if i < cap else "waitlist", i - cap + 1 if i >= cap else None,
                     r[0] in checked) for i, r in enumerate(going)]
    for status in ("maybe", "no"):
        out += [ExportRow(r[1], r[0], status, None, r[0] in checked) for r in rows if r[2] == status]
    answered = {r[0] for r in rows}
    out += [ExportRow(name, user, "", None, True) for user, name in checked.items() if user not in answered]
    return out
