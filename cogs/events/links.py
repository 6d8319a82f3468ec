"""Unguessable addresses of the web part, and nothing else.

* An event page is `/e/<id>-<mac>`: the mac is an HMAC-SHA256 of the event id under this
  installation's secret (256 random bits made once and kept in the database), so no table of
  tokens is needed and a guess fails in constant time.
* A space's calendar is `/cal/<token>`: 192 random bits per space, looked up by its SHA-256
  and replaced by `calendar reset` (the old address stops working at once).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import sqlite3

MIGRATION = """
CREATE TABLE web_secret (id INTEGER PRIMARY KEY CHECK (id = 1), secret BLOB NOT NULL);
CREATE TABLE calendar_tokens (
    space TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE
) WITHOUT ROWID;
"""
_MAC_CHARS = 32  # 192 bits of the HMAC, base64url


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def secret(conn: sqlite3.Connection) -> bytes:
    """Inside a write unit: the installation's secret, made on first use."""
    conn.execute("INSERT OR IGNORE INTO web_secret(id, secret) VALUES (1, ?)", (secrets.token_bytes(32),))
    return bytes(conn.execute("SELECT secret FROM web_secret WHERE id=1").fetchone()[0])


def event_token(key: bytes, event_id: int) -> str:
    mac = hmac.new(key, f"event:{event_id}".encode(), hashlib.sha256).digest()
    return f"{event_id}-{_b64(mac)[:_MAC_CHARS]}"


def event_from_token(key: bytes, token: str) -> int | None:
    head, _, _ = token.partition("-")
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    if not (head.isascii() and head.isdigit()) or len(head) > 12:
        return None
    expected = event_token(key, int(head))
    return int(head) if hmac.compare_digest(expected.encode(), token.encode()) else None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_token(conn: sqlite3.Connection, space: str, *, new: bool = False) -> str:
    """Inside a write unit: the space's token, made if there is none or `new` is asked for."""
    have = conn.execute("SELECT token FROM calendar_tokens WHERE space=?", (space,)).fetchone()
    if have and not new:
        return str(have[0])
    token = secrets.token_urlsafe(24)
    conn.execute("INSERT INTO calendar_tokens(space, token, token_hash) VALUES (?, ?, ?) "
                 "ON CONFLICT(space) DO UPDATE SET token=excluded.token, token_hash=excluded.token_hash",
                 (space, token, _hash(token)))
    return token


def space_of_calendar(conn: sqlite3.Connection, token: str) -> str | None:
    if not 20 <= len(token) <= 64:
        return None
    digest = _hash(token)
    row = conn.execute("SELECT space, token_hash FROM calendar_tokens WHERE token_hash=?",
                       (digest,)).fetchone()
    if row is None or not hmac.compare_digest(row[1], digest):
        return None
    return str(row[0])
