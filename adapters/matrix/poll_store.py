"""The native polls' tables (matrix_polls, matrix_poll_votes; migration 4 in store.py): a
part of MatrixStore."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from bot.storage import Database

from .rows import (
    POLL_COLS,
    NativePoll,
    NativeVote,
    StoredReaction,
    VoteTaken,
    answers_of,
    answers_text,
    keys_of,
    vote_event_id,
)


class PollTables:
    db: Database

    # --- native polls ----------------------------------------------------------------------

    async def save_poll(self, poll: NativePoll) -> None:
        # Ignored when there: a start re-sent with its txn id after a crash is the same event.
        await self.db.write(lambda c: c.execute(
            "INSERT OR IGNORE INTO matrix_polls(start_id, room_id, card_id, answers, max_selections,"
            " state, ref, closes_at) VALUES(?,?,?,?,?,?,?,?)", (
                poll.start_id, poll.room_id, poll.card_id, poll.answers, poll.max_selections,
                poll.state, poll.ref, poll.closes)))

    async def poll(self, start_id: str) -> NativePoll | None:
        row = await self.db.fetchone(f"SELECT {POLL_COLS} FROM matrix_polls WHERE start_id=?", (start_id,))
        return NativePoll(*row) if row else None

    async def polls_of(self, card_id: str) -> list[NativePoll]:
        rows = await self.db.fetchall(f"SELECT {POLL_COLS} FROM matrix_polls WHERE card_id=?", (card_id,))
        return [NativePoll(*r) for r in rows]

    async def polls_in(self, state: str) -> list[NativePoll]:
        rows = await self.db.fetchall(f"SELECT {POLL_COLS} FROM matrix_polls WHERE state=?", (state,))
        return [NativePoll(*r) for r in rows]

    async def polls_of_dead_cards(self) -> list[NativePoll]:
        """The open native polls whose card the core no longer tracks (its `messages` row is
        not live: closed, cancelled or gone), so votes on them count nowhere. A card without
        a row is left alone: it may be one being posted, not tracked yet."""
        rows = await self.db.fetchall(
            f"SELECT {POLL_COLS} FROM matrix_polls p WHERE p.state='open' AND EXISTS("
            "SELECT 1 FROM messages m WHERE m.key = 'matrix:' || p.card_id AND m.live = 0)")
        return [NativePoll(*r) for r in rows]

    async def set_poll_state(self, start_id: str, state: str, since: float | None = None) -> None:
        """`since`: for `ending`, when the end is first tried."""
        await self.db.write(lambda c: c.execute(
            "UPDATE matrix_polls SET state=?, ending_since=? WHERE start_id=?", (state, since, start_id)))

    async def votes(self, start_id: str) -> list[NativeVote]:
        rows = await self.db.fetchall(
            "SELECT sender, response_id, ts, answers FROM matrix_poll_votes WHERE start_id=?", (start_id,))
        return [NativeVote(r[0], r[1], r[2], answers_of(r[3])) for r in rows]

    async def poll_of_response(self, response_id: str) -> str | None:
        """The start of the native poll whose counted response this is."""
        row = await self.db.fetchone(
            "SELECT start_id FROM matrix_poll_votes WHERE response_id=? LIMIT 1", (response_id,))
        return str(row[0]) if row else None

    async def cast_vote(self, poll: NativePoll, vote: NativeVote,
                        rows: Sequence[StoredReaction]) -> VoteTaken | None:
        """Make `vote` (with its reaction rows) the sender's vote in an open poll, unless a
        later response of theirs counts already. Returns the sender's keys on the card
        before and after; None if not taken."""

        def unit(c: sqlite3.Connection) -> VoteTaken | None:
            state = c.execute("SELECT state FROM matrix_polls WHERE start_id=?", (poll.start_id,)).fetchone()
            if state is None or state[0] != "open":
                return None
            old = c.execute("SELECT response_id, ts, answers FROM matrix_poll_votes"
                            " WHERE start_id=? AND sender=?", (poll.start_id, vote.sender)).fetchone()
            # The latest by the server's timestamp counts; on a tie the one that came last.
            if old is not None and (old[0] == vote.response_id or old[1] > vote.ts):
                return None
            before = keys_of(c, poll.card_id, vote.sender)
            if old is not None:
                c.executemany("DELETE FROM matrix_reactions WHERE event_id=?",
                              [(vote_event_id(old[0], a),) for a in answers_of(old[2])])
            c.executemany(
                "INSERT OR IGNORE INTO matrix_reactions(event_id, room_id, target, sender, key)"
                " VALUES(?,?,?,?,?)", [(r.event_id, r.room_id, r.target, r.sender, r.key) for r in rows])
            c.execute("INSERT INTO matrix_poll_votes(start_id, sender, response_id, ts, answers)"
                      " VALUES(?,?,?,?,?) ON CONFLICT(start_id, sender) DO UPDATE SET"
                      " response_id=excluded.response_id, ts=excluded.ts, answers=excluded.answers", (poll.start_id, vote.sender, vote.response_id, vote.ts,
                                             answers_text(vote.answers)))
            return before, keys_of(c, poll.card_id, vote.sender)

        return await self.db.write(unit)
