"""Poll rows and votes. Votes are marks (bot.marks): reactions and `poll vote`."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.marks import Marks

marks = Marks("poll_marks")


@dataclass(frozen=True, slots=True)
class Poll:
    id: int
    space: str
    platform: str
    channel_id: str
    creator: str
    question: str
    options: tuple[str, ...]
    multi: bool
    closes_at: datetime | None
    closed_at: datetime | None
    # The moment an option names, fixed when the poll was made ("tomorrow 7pm" stays the
    # day it meant then); None for an option that is not a time.
    option_times: tuple[datetime | None, ...] = ()

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    def time_of(self, i: int) -> datetime | None:
        return self.option_times[i] if i < len(self.option_times) else None


@dataclass(frozen=True, slots=True)
class Tally:
    counts: tuple[int, ...]
    voters: int

    def leaders(self) -> list[int]:
        top = max(self.counts, default=0)
        return [i for i, c in enumerate(self.counts) if c == top] if top > 0 else []


def _ts(v: float | None) -> datetime | None:
    return datetime.fromtimestamp(v, UTC) if v is not None else None


_COLS = ("id, space, platform, channel_id, creator, question, options, multi, closes_at, closed_at, "
         "option_times")


def _poll(row: sqlite3.Row | None) -> Poll | None:
    if row is None:
        return None
    times = tuple(_ts(t) for t in json.loads(row[10])) if row[10] else ()
    return Poll(row[0], row[1], row[2], row[3], row[4], row[5], tuple(json.loads(row[6])), bool(row[7]),
                _ts(row[8]), _ts(row[9]), times)


def insert(conn: sqlite3.Connection, *, space: str, platform: str, channel_id: str, creator: str,
           question: str, options: list[str], multi: bool, closes_at: datetime | None,
           now: datetime, option_times: list[datetime | None] | None = None,
           made_for: str | None = None) -> Poll:
    times = None
    if option_times and any(option_times):
        times = json.dumps([t.timestamp() if t else None for t in option_times])
    row = conn.execute(
        f"INSERT INTO polls(space, platform, channel_id, creator, question, options, multi, closes_at,"
        f" created_at, option_times, made_for) VALUES(?,?,?,?,?,?,?,?,?,?,?) RETURNING {_COLS}",
        (space, platform, channel_id, creator, question, json.dumps(options), int(multi),
         closes_at.timestamp() if closes_at else None, now.timestamp(), times, made_for)).fetchone()
    poll = _poll(row)
    assert poll is not None
    return poll


def get(conn: sqlite3.Connection, poll_id: int) -> Poll | None:
    return _poll(conn.execute(f"SELECT {_COLS} FROM polls WHERE id=?", (poll_id,)).fetchone())


def made_for(conn: sqlite3.Connection, key: str) -> Poll | None:
    """The poll made for a key (another feature's job), if one was."""
    return _poll(conn.execute(f"SELECT {_COLS} FROM polls WHERE made_for=?", (key,)).fetchone())


def discard(conn: sqlite3.Connection, poll_id: int, now: datetime) -> None:
    """Closed, and no longer the one made for its key: asking again with the key makes a new one."""
    conn.execute("UPDATE polls SET closed_at=COALESCE(closed_at, ?), made_for=NULL WHERE id=?",
                 (now.timestamp(), poll_id))


def close(conn: sqlite3.Connection, poll_id: int, now: datetime) -> bool:
    return conn.execute("UPDATE polls SET closed_at=? WHERE id=? AND closed_at IS NULL",
                        (now.timestamp(), poll_id)).rowcount > 0


def tally(conn: sqlite3.Connection, poll: Poll) -> Tally:
    counts = [0] * len(poll.options)
    if poll.multi:
        rows = conn.execute(
            "SELECT value, COUNT(DISTINCT user) FROM poll_marks WHERE object_id=? GROUP BY value",
            (poll.id,)).fetchall()
        voters = conn.execute("SELECT COUNT(DISTINCT user) FROM poll_marks WHERE object_id=?",
                              (poll.id,)).fetchone()[0]
    else:  # single choice: each user's latest mark still present
        rows = conn.execute(
            "SELECT value, COUNT(*) FROM poll_marks m WHERE object_id=? AND seq = "
            "(SELECT MAX(seq) FROM poll_marks WHERE object_id=m.object_id AND user=m.user) GROUP BY value",
            (poll.id,)).fetchall()
        voters = sum(r[1] for r in rows)
    for value, n in rows:
        i = int(value)
        if 0 <= i < len(counts):
            counts[i] = n
    return Tally(tuple(counts), voters)


def open_ids(conn: sqlite3.Connection, space: str, shared: Sequence[int]) -> list[int]:
    """The open polls of a space and, of `shared` (other spaces' polls shared into it), those open."""
    ids = [int(r[0]) for r in conn.execute("SELECT id FROM polls WHERE space=? AND closed_at IS NULL",
                                           (space,)).fetchall()]
    for i in range(0, len(shared), 500):  # well under either engine's limit of bound values
        part = shared[i:i + 500]
        ids += [int(r[0]) for r in conn.execute(
            f"SELECT id FROM polls WHERE id IN ({','.join('?' * len(part))}) AND closed_at IS NULL",
            tuple(part)).fetchall()]
    return ids
