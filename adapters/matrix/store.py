"""The adapter's own tables (migration component "matrix").

- `matrix_session`: the access token and device a password login produced, so the bot keeps
  one device (and its txn_id scope) across restarts instead of piling up devices.
- `matrix_sync`, `matrix_inbox`, `matrix_room_state`: the sync `next_batch`, the events its
  rooms' lanes have still to handle, and each room's state as its lane reached it
  (inbox_store.py).
- `matrix_reactions`: reaction event id -> (room, target, sender, key). A redaction names
  only the reaction's event id, so this is what makes an un-react understood, also after a
  restart.
- `matrix_commands`: command event ids already run, so a sync replayed after a crash
  (token not yet stored) does not run a command twice.
- `matrix_polls` / `matrix_poll_votes`: the native poll started beside a poll card, and each
  person's latest response to it as counted. A counted answer is also a row of
  `matrix_reactions` on the card (event id "<response>#<n>", which no real event id can be),
  so an answer and the same number reaction are one choice, present while either is.
- `matrix_dm_rooms` / `matrix_dm_opening`: each person's direct-message room, and the alias
  one is being opened under until it is saved, so a crash in between does not open two.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence

from bot.storage import Database, Migration

from .inbox_store import InboxTables
from .poll_store import PollTables
from .rows import NativePoll, NativeVote, StoredReaction, VoteTaken, answers_text, vote_event_id

__all__ = ["MatrixStore", "NativePoll", "NativeVote", "StoredReaction", "VoteTaken", "vote_event_id"]

COMPONENT = "matrix"

MIGRATIONS: list[Migration] = [
    """
    CREATE TABLE matrix_session (
        user_id TEXT PRIMARY KEY,
        device_id TEXT NOT NULL,
        access_token TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE matrix_sync (
        user_id TEXT PRIMARY KEY,
        next_batch TEXT NOT NULL,
        saved_at REAL NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE matrix_reactions (
        event_id TEXT PRIMARY KEY,
        room_id TEXT NOT NULL,
        target TEXT NOT NULL,
        sender TEXT NOT NULL,
        key TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX matrix_reactions_target ON matrix_reactions(target);
    CREATE TABLE matrix_commands (
        event_id TEXT PRIMARY KEY,
        at REAL NOT NULL
    ) WITHOUT ROWID;
    """,
    # A person's reactions on one event are looked up on every reaction and redaction: two
    # spellings of one emoji are one choice, present while either is.
    """
    DROP INDEX matrix_reactions_target;
    CREATE INDEX matrix_reactions_target ON matrix_reactions(target, sender, key);
    """,
    # The direct-message room the bot opened with each person, reused for every DM.
    """
    CREATE TABLE matrix_dm_rooms (
        user_id TEXT PRIMARY KEY,
        room_id TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
    # 4: native polls beside poll cards (state: open, ended, or gone when its start was
    # redacted; since, ending until its end lands and unsent when that was refused: poll_ends.py), and the latest response of each person (answers: "1,3"; "" votes for none).
    """
    CREATE TABLE matrix_polls (
        start_id TEXT PRIMARY KEY,
        room_id TEXT NOT NULL,
        card_id TEXT NOT NULL,
        answers INTEGER NOT NULL,
        max_selections INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'open'
    ) WITHOUT ROWID;
    CREATE INDEX matrix_polls_card ON matrix_polls(card_id);
    CREATE TABLE matrix_poll_votes (
        start_id TEXT NOT NULL,
        sender TEXT NOT NULL,
        response_id TEXT NOT NULL,
        ts REAL NOT NULL,
        answers TEXT NOT NULL,
        PRIMARY KEY (start_id, sender)
    ) WITHOUT ROWID;
    CREATE INDEX matrix_poll_votes_response ON matrix_poll_votes(response_id);
    """,
    # 5: a direct-message room opened because the person left the one before (opened once;
    # leaving this one too closes their DMs).
    """
    ALTER TABLE matrix_dm_rooms ADD COLUMN reopened INTEGER NOT NULL DEFAULT 0;
    """,
    # 6: the card's "#id" beside its native poll, to close the card when someone else ends it.
    """
    ALTER TABLE matrix_polls ADD COLUMN ref TEXT NOT NULL DEFAULT '';
    """,
    # 7: events a sync delivered that their room's lane has not handled yet (lanes.py).
    """
    CREATE TABLE matrix_inbox (
        room_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        source TEXT NOT NULL,
        PRIMARY KEY (room_id, seq)
    ) WITHOUT ROWID;
    """,
    # 8: the alias a direct-message room is being opened under, until the room is saved (dms.py).
    """
    CREATE TABLE matrix_dm_opening (
        user_id TEXT PRIMARY KEY,
        alias TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
    # 9: each room's power levels and creators as its lane reached them (inbox_store.py).
    """
    CREATE TABLE matrix_room_state (
        room_id TEXT PRIMARY KEY,
        power_levels TEXT NOT NULL,
        creation TEXT
    ) WITHOUT ROWID;
    """,
    # 10: since when a poll's end has been tried (an end not landed for days is given up:
    # poll_ends.py); the polls whose end is still to be sent (state 'ending') are looked up at
    # each start and on each retry, among every native poll ever started.
    """
    ALTER TABLE matrix_polls ADD COLUMN ending_since REAL;
    CREATE INDEX matrix_polls_state ON matrix_polls(state);
    """,
    # 11: the card's `closes=` deadline (epoch seconds), known when the native poll started:
    # responses the homeserver stamped after it count for nothing (polls.py).
    """
    ALTER TABLE matrix_polls ADD COLUMN closes_at REAL;
    """,
]

COMMAND_MEMORY_S = 14 * 24 * 3600


class MatrixStore(PollTables, InboxTables):
    def __init__(self, db: Database) -> None:
        self.db = db

    async def migrate(self) -> None:
        await self.db.migrate(COMPONENT, MIGRATIONS)
        cutoff = time.time() - COMMAND_MEMORY_S
        await self.db.write(lambda c: c.execute("DELETE FROM matrix_commands WHERE at < ?", (cutoff,)))

    # --- direct-message rooms --------------------------------------------------------------

    async def dm_room(self, user_id: str) -> tuple[str, bool] | None:
        """The person's direct-message room, and whether it was opened again after they left."""
        row = await self.db.fetchone("SELECT room_id, reopened FROM matrix_dm_rooms WHERE user_id=?",
                                     (user_id,))
        return (str(row[0]), bool(row[1])) if row else None

    async def save_dm_room(self, user_id: str, room_id: str | None, *, reopened: bool = False) -> None:
        """The room, and the end of its opening (one unit: the alias is not needed after)."""
        def unit(c: sqlite3.Connection) -> None:
            c.execute("DELETE FROM matrix_dm_opening WHERE user_id=?", (user_id,))
            if room_id is None:
                c.execute("DELETE FROM matrix_dm_rooms WHERE user_id=?", (user_id,))
                return
            c.execute(
                "INSERT INTO matrix_dm_rooms(user_id, room_id, reopened) VALUES (?, ?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET room_id=excluded.room_id, reopened=excluded.reopened",
                (user_id, room_id, int(reopened)))

        await self.db.write(unit)

    async def dm_opening(self, user_id: str) -> str | None:
        row = await self.db.fetchone("SELECT alias FROM matrix_dm_opening WHERE user_id=?", (user_id,))
        return str(row[0]) if row else None

    async def save_dm_opening(self, user_id: str, alias: str | None) -> None:
        if alias is None:
            await self.db.write(lambda c: c.execute("DELETE FROM matrix_dm_opening WHERE user_id=?",
                                                    (user_id,)))
            return
        await self.db.write(lambda c: c.execute(
            "INSERT INTO matrix_dm_opening(user_id, alias) VALUES (?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET alias=excluded.alias", (user_id, alias)))

    # --- session -------------------------------------------------------------------------

    async def session(self, user_id: str) -> tuple[str, str] | None:
        row = await self.db.fetchone(
            "SELECT device_id, access_token FROM matrix_session WHERE user_id=?", (user_id,))
        return (row[0], row[1]) if row else None

    async def save_session(self, user_id: str, device_id: str, access_token: str) -> None:
        await self.db.write(lambda c: c.execute(
            "INSERT INTO matrix_session(user_id, device_id, access_token) VALUES(?,?,?) ON CONFLICT(user_id)"
            " DO UPDATE SET device_id=excluded.device_id, access_token=excluded.access_token",
            (user_id, device_id, access_token)))

    async def forget_session(self, user_id: str) -> None:
        await self.db.write(lambda c: c.execute(
            "DELETE FROM matrix_session WHERE user_id=?", (user_id,)))

    # --- sync token ----------------------------------------------------------------------

    async def sync_token(self, user_id: str) -> str | None:
        row = await self.db.fetchone("SELECT next_batch FROM matrix_sync WHERE user_id=?", (user_id,))
        return row[0] if row else None

    # --- reactions -----------------------------------------------------------------------

    async def add_reaction(self, r: StoredReaction) -> bool:
        """Store a reaction (its key canonical). True if it is new to a person: not stored
        before (a replayed event) and the sender had no reaction with that key there yet."""

        def unit(c: sqlite3.Connection) -> bool:
            had = _has(c, r.target, r.sender, r.key)
            added = c.execute(
                "INSERT OR IGNORE INTO matrix_reactions(event_id, room_id, target, sender, key)"
                " VALUES(?,?,?,?,?)", (r.event_id, r.room_id, r.target, r.sender, r.key)).rowcount
            return bool(added) and not had

        return await self.db.write(unit)

    async def pop_reaction(self, event_id: str) -> StoredReaction | None:
        """Forget a redacted reaction. Returns it if that takes the sender's key away; None
        if it was unknown or the sender still has that key there in another spelling."""

        def unit(c: sqlite3.Connection) -> StoredReaction | None:
            row = c.execute(
                "DELETE FROM matrix_reactions WHERE event_id=?"
                " RETURNING event_id, room_id, target, sender, key", (event_id,)).fetchone()
            if row is None:
                return None
            r = StoredReaction(*row)
            return None if _has(c, r.target, r.sender, r.key) else r

        return await self.db.write(unit)

    async def replace_reactions(self, target: str, present: Iterable[StoredReaction],
                                votes: Mapping[str, Sequence[NativeVote]] | None = None) -> None:
        """After reading /relations: the stored reactions of `target` become exactly these
        (native answers included), and the votes of each native poll in `votes` these."""
        rows = [(r.event_id, r.room_id, r.target, r.sender, r.key) for r in present]

        def unit(c: sqlite3.Connection) -> None:
            c.execute("DELETE FROM matrix_reactions WHERE target=?", (target,))
            c.executemany(
                "INSERT INTO matrix_reactions(event_id, room_id, target, sender, key) VALUES(?,?,?,?,?)"
                " ON CONFLICT(event_id) DO UPDATE SET room_id=excluded.room_id, target=excluded.target,"
                " sender=excluded.sender, key=excluded.key", rows)
            for start_id, latest in (votes or {}).items():
                c.execute("DELETE FROM matrix_poll_votes WHERE start_id=?", (start_id,))
                c.executemany(
                    "INSERT INTO matrix_poll_votes(start_id, sender, response_id, ts, answers)"
                    " VALUES(?,?,?,?,?)",
                    [(start_id, v.sender, v.response_id, v.ts, answers_text(v.answers)) for v in latest])

        await self.db.write(unit)

    # --- commands ------------------------------------------------------------------------

    async def claim_command(self, event_id: str) -> bool:
        """True the first time a command event is seen."""
        return bool(await self.db.write(lambda c: c.execute(
            "INSERT OR IGNORE INTO matrix_commands(event_id, at) VALUES(?, ?)",
            (event_id, time.time())).rowcount))


def _has(c: sqlite3.Connection, target: str, sender: str, key: str) -> bool:
    return c.execute("SELECT 1 FROM matrix_reactions WHERE target=? AND sender=? AND key=? LIMIT 1",
                     (target, sender, key)).fetchone() is not None
