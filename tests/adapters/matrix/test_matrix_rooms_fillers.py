"""Letters that draw a blank (Hangul and braille fillers and the like) fake a name as well as a
zero-width space does, and an ID inside a name passes for a told-apart name however its `@` or
spaces are written: `Rooms` sees through both (see test_matrix_rooms_names.py)."""

from __future__ import annotations

from typing import Any

import pytest
from nio import AsyncClient

from adapters.matrix.rooms import Rooms

ME = "@logoff:example.org"
ROOM = "!room:example.org"
FILLERS = ["\u3164", "\u115f", "\u1160", "\uffa0", "\u2800", "\u17b4", "\u17b5", "\u034f"]


def member(user_id: str, name: str) -> dict[str, Any]:
    return {"type": "m.room.member", "state_key": user_id, "sender": user_id, "event_id": f"$m-{user_id}",
            "origin_server_ts": 1, "content": {"membership": "join", "displayname": name}}


def shown(rooms: Rooms, user_id: str) -> str:
    return rooms.user(ROOM, user_id, ME).name


@pytest.mark.parametrize("filler", FILLERS)
def test_a_filler_does_not_make_a_name_another(filler: str) -> None:
    rooms = Rooms(AsyncClient("http://localhost:1", ME))
    rooms.note_state(ROOM, [member("@alice:hs", "Alice"), member("@mallory:hs", f"Alice{filler}"),
                            member("@blank:hs", filler * 3)])
    assert shown(rooms, "@alice:hs") == "Alice (@alice:hs)"
    assert shown(rooms, "@mallory:hs") == f"Alice{filler} (@mallory:hs)"
    assert shown(rooms, "@blank:hs") == "@blank:hs"


@pytest.mark.parametrize("fake", ["Alice (＠alice:hs)", "Alice (@\u200aalice:hs)", "Alice (@alice :hs)",
                                  "Alice (@alice\u200b:hs)"])
def test_an_id_in_a_name_is_seen_however_written(fake: str) -> None:
    rooms = Rooms(AsyncClient("http://localhost:1", ME))
    rooms.note_state(ROOM, [member("@mallory:hs", fake)])
    assert shown(rooms, "@mallory:hs").endswith(") (@mallory:hs)")
