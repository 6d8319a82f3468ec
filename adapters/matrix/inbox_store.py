"""The inbox's tables (a part of MatrixStore; migrations 7 and 9 in store.py).

- `matrix_inbox`: events each room's lane (lanes.py) has still to handle, numbered in the
  order they came, written with the sync token (`matrix_sync`); a row goes once its event is
  handled, so a restart handles the rest. A lane past its bound reads its room's rows back
  from here rather than holding them.
- `matrix_room_state`: each room's power levels and creators as its lane reached them,
  written in the unit that takes the handled rows away. So after a restart the rows left are
  judged by the state they came under, not by the state the first sync shows (newer: a
  promotion after a command must not grant it); so are the events the first sync's gap
  back-fills, the room's inbox empty or not. State only: user IDs and levels.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.storage import Database

from .rows import RoomState

Queued = Sequence[tuple[str, int, dict[str, Any]]]  # (room, seq, event)


class InboxTables:
    db: Database

    async def save_sync_token(self, user_id: str, token: str | None, queued: Queued = (),
                              states: Mapping[str, RoomState] | None = None) -> None:
        """The events a sync delivered, queued (room, seq, event), and its token, in one unit:
        a crash leaves either both or neither. `states`: rooms whose state the sync noted
        itself (their lane holds nothing before it)."""
        rows = [(room_id, seq, json.dumps(src)) for room_id, seq, src in queued]

        def unit(c: sqlite3.Connection) -> None:
            c.executemany("INSERT OR IGNORE INTO matrix_inbox(room_id, seq, source) VALUES(?,?,?)", rows)
            _save_states(c, (states or {}).items())
            if token is not None:
                c.execute(
                    "INSERT INTO matrix_sync(user_id, next_batch, saved_at) VALUES(?,?,?) ON CONFLICT(user_id)"
                    " DO UPDATE SET next_batch=excluded.next_batch, saved_at=excluded.saved_at",
                    (user_id, token, time.time()))

        await self.db.write(unit)

    async def inbox_rooms(self) -> list[tuple[str, int, int]]:
        """Each room with events left in the inbox: (room, how many, the seq of its last)."""
        rows = await self.db.fetchall(
            "SELECT room_id, COUNT(*), MAX(seq) FROM matrix_inbox GROUP BY room_id ORDER BY MIN(seq)")
        return [(str(r[0]), int(r[1]), int(r[2])) for r in rows]

    async def inbox_of(self, room_id: str, after: int, upto: int,
                       limit: int) -> list[tuple[int, dict[str, Any]]]:
        """The room's queued events after seq `after` up to seq `upto`, in order (a lane
        reading back what spilled)."""
        rows = await self.db.fetchall(
            "SELECT seq, source FROM matrix_inbox WHERE room_id=? AND seq>? AND seq<=? ORDER BY seq"
            " LIMIT ?", (room_id, after, upto, limit))
        return [(int(r[0]), json.loads(r[1])) for r in rows]

    async def member_events(self, room_id: str) -> list[dict[str, Any]]:
        """The room's queued member events, in order (the LIKE only narrows the rows read)."""
        rows = await self.db.fetchall(
            "SELECT source FROM matrix_inbox WHERE room_id=? AND source LIKE '%m.room.member%'"
            " ORDER BY seq", (room_id,))
        return [src for r in rows if (src := json.loads(r[0])).get("type") == "m.room.member"]

    async def handled(self, room_id: str, upto: int, state: RoomState | None = None) -> None:
        """The room's events up to seq `upto` are handled, and `state` (if it changed) is the
        room's as they left it: one unit, so the rows left are judged by the state they came under."""
        def unit(c: sqlite3.Connection) -> None:
            c.execute("DELETE FROM matrix_inbox WHERE room_id=? AND seq<=?", (room_id, upto))
            if state is not None:
                _save_states(c, [(room_id, state)])

        await self.db.write(unit)

    async def left_room(self, room_id: str, upto: int | None) -> None:
        """The bot is out of the room: its events up to `upto` are dropped, its state forgotten."""
        def unit(c: sqlite3.Connection) -> None:
            if upto is not None:
                c.execute("DELETE FROM matrix_inbox WHERE room_id=? AND seq<=?", (room_id, upto))
            c.execute("DELETE FROM matrix_room_state WHERE room_id=?", (room_id,))

        await self.db.write(unit)

    async def room_states(self) -> dict[str, RoomState]:
        """The state kept of each room whose events wait in the inbox."""
        rows = await self.db.fetchall(
            "SELECT s.room_id, s.power_levels, s.creation FROM matrix_room_state s"
            " WHERE EXISTS (SELECT 1 FROM matrix_inbox i WHERE i.room_id = s.room_id)")
        return {str(r[0]): RoomState.from_columns(str(r[1]), r[2]) for r in rows}

    async def kept_state(self, room_id: str) -> RoomState | None:
        """The room's state as its lane last left it, inbox empty or not (None: never kept)."""
        row = await self.db.fetchone(
            "SELECT power_levels, creation FROM matrix_room_state WHERE room_id=?", (room_id,))
        return None if row is None else RoomState.from_columns(str(row[0]), row[1])


def _save_states(c: sqlite3.Connection, states: Iterable[tuple[str, RoomState]]) -> None:
    c.executemany(
        "INSERT INTO matrix_room_state(room_id, power_levels, creation) VALUES(?,?,?) ON CONFLICT(room_id)"
        " DO UPDATE SET power_levels=excluded.power_levels, creation=excluded.creation",
        [(room_id, *state.columns()) for room_id, state in states])
