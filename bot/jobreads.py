"""Reads of the `jobs` table (bot/jobs.py): what is due, what is pending or claimed, which
keys have a job. Each runs on the connection given, so a write unit sees its own writes."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

from .jobs import COLS, Job

# When a pending job may run: its due time, or later while it backs off after a failure.
_AT = "CASE WHEN due_at > not_before THEN due_at ELSE not_before END"


def exists(conn: sqlite3.Connection, keys: Sequence[str]) -> set[str]:
    """Those of `keys` that have a job, in any state (one that ran, or was cancelled, too)."""
    if not keys:
        return set()
    return {str(r[0]) for r in conn.execute(
        f"SELECT key FROM jobs WHERE key IN ({', '.join('?' * len(keys))})", tuple(keys)).fetchall()}


def claimed(conn: sqlite3.Connection, key: str) -> bool:
    """Whether the job with this key is claimed (`sending`): its handler runs, or will run again."""
    return conn.execute("SELECT 1 FROM jobs WHERE key=? AND state='sending'", (key,)).fetchone() is not None


def sending(conn: sqlite3.Connection) -> list[Job]:
    """Every claimed job, earliest due first."""
    return [Job.from_row(r) for r in conn.execute(
        f"SELECT {COLS} FROM jobs WHERE state='sending' ORDER BY due_at").fetchall()]


def overdue(conn: sqlite3.Connection, now: datetime) -> list[Job]:
    """Every pending job due by `now`, earliest first."""
    return [Job.from_row(r) for r in conn.execute(
        f"SELECT {COLS} FROM jobs WHERE state='pending' AND due_at <= ? ORDER BY due_at",
        (now.timestamp(),)).fetchall()]


def due_by(conn: sqlite3.Connection, until: datetime) -> list[tuple[int, datetime, str]]:
    """(id, when it may run, space) of every pending job due by `until`, earliest due first."""
    return [(int(r[0]), datetime.fromtimestamp(r[1], UTC), str(r[2])) for r in conn.execute(
        f"SELECT id, {_AT}, space FROM jobs WHERE state='pending' AND due_at <= ? ORDER BY due_at",
        (until.timestamp(),)).fetchall()]


def next_due(conn: sqlite3.Connection, until: datetime,
             skip: Sequence[int]) -> tuple[int, datetime, str] | None:
    """(id, when it may run, space) of the pending job that may run first by `until`, but
    those in `skip` (which must not be empty)."""
    row = conn.execute(
        f"SELECT id, {_AT} AS at, space FROM jobs WHERE state='pending' AND due_at <= ? AND "
        f"not_before <= ? AND id NOT IN ({', '.join('?' * len(skip))}) ORDER BY at, id LIMIT 1",
        (until.timestamp(), until.timestamp(), *skip)).fetchone()
    return None if row is None else (int(row[0]), datetime.fromtimestamp(row[1], UTC), str(row[2]))


def pending(conn: sqlite3.Connection, key_prefix: str, *, running: bool) -> list[Job]:
    """The pending jobs whose key starts with `key_prefix` (running: those claimed as well),
    earliest due first."""
    return [Job.from_row(r) for r in conn.execute(
        # "+state": stay on the key index (a few rows), not the state one (every pending job).
        f"SELECT {COLS} FROM jobs WHERE +state IN ('pending', ?) AND key >= ? AND key < ? ORDER BY due_at",
        ("sending" if running else "pending", key_prefix, key_prefix + "\uffff")).fetchall()]
