"""Opening the SQLite file: the writer's pragmas and the read-only check, the small reader,
and errors explained to the person running the bot."""

from __future__ import annotations

import logging
import sqlite3

from .checkpoints import CHECKPOINT_WAL_BYTES

log = logging.getLogger(__name__)


def open_writer(path: str, synchronous: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA busy_timeout=5000")
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints run off the loop (bot/checkpoints.py)
        conn.execute(f"PRAGMA journal_size_limit={CHECKPOINT_WAL_BYTES}")
        # The writer re-reads the same index pages all through a storm; SQLite's default
        # 2 MiB cache made each batch fetch them again from the OS.
        conn.execute("PRAGMA cache_size=-32768")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
        )
        # A read-only file opens and reads fine; find out now, not at the first RSVP
        # (rewriting the header's user_version with its own value is a real write).
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()
            conn.execute(f"PRAGMA user_version={int(version[0]) if version else 0}")
        finally:
            conn.execute("ROLLBACK")
    except BaseException:
        conn.close()
        raise
    if mode and mode[0] != "wal":
        log.warning("database %s is not in WAL mode (%s)", path, mode[0])
    conn.row_factory = sqlite3.Row
    return conn

def open_small_reader(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA busy_timeout=5000")
        conn.execute("PRAGMA query_only=ON")
    except BaseException:
        conn.close()
        raise
    conn.row_factory = sqlite3.Row
    return conn

def explain(path: str, e: sqlite3.Error) -> str:
    """What went wrong with the database file, and what to do about it."""
    msg = str(e).lower()
    if "readonly" in msg or "read-only" in msg:
        return f"the database {path} is read-only; give the bot write access to it and its folder"
    if "not a database" in msg or "malformed" in msg or "corrupt" in msg:
        return (
            f"the database {path} is damaged ({e}); restore it from a backup, "
            "or move it away to start empty"
        )
    if "unable to open" in msg:
        return f"cannot open the database {path}; check the path and its permissions"
    return f"the database {path} cannot be used: {e}"
