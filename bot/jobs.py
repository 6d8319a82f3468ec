"""The `jobs` table: its schema, the Job row, and the statements that write and claim jobs
(what reads it: bot/jobreads.py; keeping a running job's lease: bot/lease.py).

A claim is a conditional update (`state='pending'` then `'sending'`): of two processes
claiming the same job, the second's update waits for the first's commit and then finds it
no longer pending, so a job is claimed once. A claim carries a lease: when it runs out
(its process died while sending), or when a job is a lease overdue with nobody claiming
it (its process is gone), another process may claim it; the job's idempotency key keeps
a send that did reach the platform from being repeated there. Where the database shows
which processes are there (PostgreSQL's sessions), the claim of a process that had none at
two sweeps in a row is taken then, without waiting out its lease: a restarted process
re-sends what it left mid-send at its second sweep.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .bulk import ServerSide
from .process import NAME_MARK

LEASE = timedelta(seconds=30)

MIGRATIONS: list[str | ServerSide] = [
    """
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        key TEXT NOT NULL UNIQUE,
        space TEXT NOT NULL DEFAULT '',
        due_at REAL NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        payload TEXT NOT NULL DEFAULT '{}',
        attempts INTEGER NOT NULL DEFAULT 0,
        updated_at REAL NOT NULL DEFAULT 0
    );
    CREATE INDEX jobs_due ON jobs(state, due_at);
    """,
    # A failed send waits before its next try; the due time itself never moves.
    "ALTER TABLE jobs ADD COLUMN not_before REAL NOT NULL DEFAULT 0;",
    """
    ALTER TABLE jobs ADD COLUMN lease_until REAL NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
    """,
    # What recognises a job's keyed send on a platform that holds keys only a while (bot/resend.py).
    """
    CREATE TABLE job_sends (
        job INTEGER NOT NULL,
        key TEXT NOT NULL,
        mark TEXT NOT NULL,
        PRIMARY KEY (job, key)
    );
    """,
    # The message a keyed send made (its channel and id), once known: found again however it
    # was edited since. Marks may now hold several of a send's renders, a line each.
    "ALTER TABLE job_sends ADD COLUMN message TEXT NOT NULL DEFAULT '';",
    # A key prefix is a range: code point order (SQLite's), not a language's ("…:Bea:" in "…:bea:").
    ServerSide('ALTER TABLE jobs ALTER COLUMN key TYPE TEXT COLLATE "C";'),
]
_CLAIM = "state='sending', attempts=attempts+1, updated_at=?, lease_until=?, claimed_by=?"


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: str
    key: str
    space: str
    due_at: datetime
    state: str
    payload: dict[str, Any]
    attempts: int
    # Taken over from a claim that never ended (its process died mid-send): what it sent may be out.
    resumed: bool = False

    @property
    def idempotency_key(self) -> str:
        """<= 25 characters (the shortest nonce a platform takes), stable for this job at this due time,
        so a re-run after a crash dedupes and a job moved to a new time does not."""
        digest = hashlib.sha256(f"{self.id}:{self.key}:{self.due_at.timestamp():.0f}".encode()).digest()
        return "lo" + base64.b32encode(digest).decode()[:22].lower()

    @staticmethod
    def from_row(row: sqlite3.Row | tuple[Any, ...]) -> Job:
        return Job(
            id=row[0], kind=row[1], key=row[2], space=row[3],
            due_at=datetime.fromtimestamp(row[4], UTC), state=row[5],
            payload=json.loads(row[6]), attempts=row[7],
        )


COLS = "id, kind, key, space, due_at, state, payload, attempts"


class Handle(tuple[int, datetime]):
    """A job just written: its (id, due), and its space, by which a process arms only the
    jobs of the spaces it serves (another's would fail here, and win every claim)."""

    space: str

    def __new__(cls, job_id: int, due: datetime, space: str = "") -> Handle:
        handle = super().__new__(cls, (job_id, due))
        handle.space = space
        return handle


def put(conn: sqlite3.Connection, kind: str, key: str, due_at: datetime,
        payload: dict[str, Any] | None = None, space: str = "") -> Handle:
    """Create or move the job with this key; a moved job is pending again."""
    row = conn.execute(
        "INSERT INTO jobs(kind, key, space, due_at, state, payload, attempts, updated_at) "
        "VALUES(?, ?, ?, ?, 'pending', ?, 0, ?) "
        "ON CONFLICT(key) DO UPDATE SET due_at=excluded.due_at, state='pending', "
        "payload=excluded.payload, attempts=0, not_before=0, updated_at=excluded.updated_at "
        "RETURNING id",
        (kind, key, space, due_at.timestamp(), json.dumps(payload or {}), due_at.timestamp()),
    ).fetchone()
    forget(conn, int(row[0]))  # marks of sends at its earlier time
    return Handle(int(row[0]), due_at, space)


def hasten(conn: sqlite3.Connection, kind: str, key: str, due_at: datetime,
           payload: dict[str, Any] | None = None, space: str = "") -> Handle | None:
    """Have the job with this key run by `due_at` without forgetting what it sent: put where
    it has never run (or ran to its end); where a try of it failed and it waits to retry, only
    made due no later, its tries and the marks of its sends kept, so its re-run recognises a send
    that reached the platform before it failed; left alone (None) while it is claimed, its run
    being the one that goes on. Each step is conditional on the row as it is when written, so a
    claim by another process in between is not undone."""
    row = conn.execute(
        "INSERT INTO jobs(kind, key, space, due_at, state, payload, attempts, updated_at) "
        "VALUES(?, ?, ?, ?, 'pending', ?, 0, ?) "
        "ON CONFLICT(key) DO UPDATE SET due_at=excluded.due_at, state='pending', "
        "payload=excluded.payload, attempts=0, not_before=0, updated_at=excluded.updated_at "
        "WHERE jobs.attempts = 0 OR jobs.state NOT IN ('pending', 'sending') RETURNING id",
        (kind, key, space, due_at.timestamp(), json.dumps(payload or {}), due_at.timestamp()),
    ).fetchone()
    if row is not None:
        forget(conn, int(row[0]))  # a finished run's, should any be left
        return Handle(int(row[0]), due_at, space)
    at = due_at.timestamp()
    row = conn.execute(
        "UPDATE jobs SET due_at = CASE WHEN due_at > ? THEN ? ELSE due_at END, "
        "not_before = CASE WHEN not_before > ? THEN ? ELSE not_before END "
        "WHERE key=? AND state='pending' RETURNING id, due_at, not_before",
        (at, at, at, at, key)).fetchone()
    if row is None:
        return None
    return Handle(int(row[0]), datetime.fromtimestamp(max(float(row[1]), float(row[2])), UTC), space)


def forget(conn: sqlite3.Connection, job_id: int) -> None:
    """The job is done or moved: its sends' marks are no longer needed."""
    conn.execute("DELETE FROM job_sends WHERE job=?", (job_id,))


def finish(conn: sqlite3.Connection, job_id: int, state: str, at: datetime, *, forget_marks: bool) -> None:
    conn.execute("UPDATE jobs SET state=?, updated_at=? WHERE id=?", (state, at.timestamp(), job_id))
    if forget_marks:
        forget(conn, job_id)


def sweep_marks(conn: sqlite3.Connection) -> None:
    """Marks whose job will not run again (ended by a path that kept them, or an older
    version's): a job `pending` or `sending` may still need its own."""
    conn.execute("DELETE FROM job_sends WHERE job NOT IN "
                 "(SELECT id FROM jobs WHERE state IN ('pending', 'sending'))")


def cancel(conn: sqlite3.Connection, key_prefix: str) -> int:
    """Cancel pending jobs whose key starts with `key_prefix`, and forget their marks (a
    failed try that is pending again has some)."""
    ids = [int(r[0]) for r in conn.execute(
        # "+state": SQLite stays on the key index (a few rows), not the state one (every pending job).
        "UPDATE jobs SET state='cancelled' WHERE +state='pending' AND key >= ? AND key < ? RETURNING id",
        (key_prefix, key_prefix + "\uffff"),
    ).fetchall()]
    if ids:
        conn.execute(f"DELETE FROM job_sends WHERE job IN ({', '.join('?' * len(ids))})", ids)
    return len(ids)


def retry_after(conn: sqlite3.Connection, job_id: int, at: datetime) -> None:
    """A failed try: pending again, not run before `at` (its due time stays)."""
    conn.execute("UPDATE jobs SET state='pending', not_before=? WHERE id=? AND state='sending'",
                 (at.timestamp(), job_id))


def claim_due(conn: sqlite3.Connection, job_id: int, now: datetime, process: str) -> Job | None:
    """Claim a pending job that is due (not backing off)."""
    row = conn.execute(
        f"UPDATE jobs SET {_CLAIM} "
        f"WHERE id=? AND state='pending' AND due_at <= ? AND not_before <= ? RETURNING {COLS}",
        (*_claim_args(now, process), job_id, now.timestamp() + 0.001, now.timestamp() + 0.001)).fetchone()
    return Job.from_row(row) if row else None


LAPSED_PAGE = 1000


def lapsed(conn: sqlite3.Connection, now: datetime, after: tuple[float, int] = (-1.0, 0),
           gone: Gone | None = None) -> list[tuple[int, str, float]]:
    """(id, space, due) of jobs any process may take over now, most overdue first: a page
    of them, after the (due, id) given. With `gone`, the claims of processes that are gone
    are taken without waiting for their lease to run out."""
    extra, args = _gone(gone)
    rows = conn.execute(
        f"SELECT id, space, due_at FROM jobs WHERE ({_LAPSED}{extra}) "
        "AND (due_at > ? OR (due_at = ? AND id > ?)) ORDER BY due_at, id LIMIT ?",
        (*_lapsed_args(now), *args, after[0], after[0], after[1], LAPSED_PAGE)).fetchall()
    return [(int(r[0]), str(r[1]), float(r[2])) for r in rows]


def claim_lapsed(conn: sqlite3.Connection, job_id: int, now: datetime, process: str,
                 gone: Gone | None = None) -> Job | None:
    extra, args = _gone(gone)
    was = conn.execute("SELECT state FROM jobs WHERE id=?", (job_id,)).fetchone()
    row = conn.execute(
        f"UPDATE jobs SET {_CLAIM} WHERE id=? AND ({_LAPSED}{extra}) RETURNING {COLS}",
        (*_claim_args(now, process), job_id, *_lapsed_args(now), *args)).fetchone()
    return dataclasses.replace(Job.from_row(row), resumed=was[0] == "sending") if row else None


# A claim whose lease ran out, or a pending job a lease overdue that nobody claimed.
_LAPSED = ("(state='sending' AND lease_until < ?) "
           "OR (state='pending' AND due_at < ? AND not_before < ?)")


def _lapsed_args(now: datetime) -> tuple[float, float, float]:
    cut = (now - LEASE).timestamp()
    return now.timestamp(), cut, cut


@dataclass(frozen=True, slots=True)
class Gone:
    """Who is still there: the processes with a session at either of the last two sweeps, the
    earlier one at `since`. A claim by a process of the current naming that was at neither,
    made before `since`, is its process's last: that process is gone. Two looks apart keep a
    process that is only reconnecting (and small clock differences) from being taken for gone."""

    live: frozenset[str]
    since: datetime


class Looks:
    """This process's looks at who is there, one per sweep, giving `Gone` from the last two
    that are at least `apart` apart."""

    def __init__(self, apart: timedelta) -> None:
        self.apart = apart
        self._last: tuple[datetime, frozenset[str]] | None = None

    def look(self, now: datetime, live: frozenset[str] | None, me: str) -> Gone | None:
        """None when it cannot be told: no earlier look far enough back, or this process
        cannot see itself (its sessions are reconnecting, or its name did not come back)."""
        if live is None or me not in live:
            self._last = None
            return None
        last = self._last
        if last is None:
            self._last = (now, live)
            return None
        if now - last[0] < self.apart:
            return None
        self._last = (now, live)
        return Gone(live | last[1], last[0])


def _gone(gone: Gone | None) -> tuple[str, tuple[Any, ...]]:
    if gone is None or not gone.live:
        return "", ()
    marks = ", ".join("?" * len(gone.live))
    return (" OR (state='sending' AND updated_at < ? AND claimed_by LIKE ? "
            f"AND claimed_by NOT IN ({marks}))",
            (gone.since.timestamp(), f"%{NAME_MARK}%", *sorted(gone.live)))


def _claim_args(now: datetime, process: str) -> tuple[float, float, str]:
    return now.timestamp(), (now + LEASE).timestamp(), process
