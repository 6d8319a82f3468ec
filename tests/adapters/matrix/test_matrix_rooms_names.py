"""How `Rooms` names a member where another's name looks the same, on both of its paths: the
names noted as each room's lane reaches member events, and nio's members for someone no member
event of whom came through a lane (after a restart, the events left at the stop). No homeserver
is needed to see what a name is shown as; test_matrix_lookalike_names.py shows it on a card."""

from __future__ import annotations

from typing import Any

import pytest
from nio import AsyncClient
from nio.rooms import MatrixRoom

from adapters.matrix.rooms import Rooms

ME = "@logoff:example.org"
ROOM = "!room:example.org"
ALIKE = ["Alice", "Alice\n", "\u2066Alice\u2069", "Alice\u200b", "ALICE", "Ａlice", "Alicé", "A l i c e"]


def member(user_id: str, name: str | None, membership: str = "join") -> dict[str, Any]:
    content: dict[str, Any] = {"membership": membership}
    if name is not None:
        content["displayname"] = name
    return {"type": "m.room.member", "state_key": user_id, "sender": user_id, "content": content,
            "event_id": f"$m-{user_id}", "origin_server_ts": 1}


def uid(i: int) -> str:
    return f"@u{i}:example.org"


@pytest.fixture
def client() -> AsyncClient:
    return AsyncClient("http://localhost:1", ME)


def shown(rooms: Rooms, user_id: str) -> str:
    return rooms.user(ROOM, user_id, ME).name


@pytest.mark.parametrize("other", ALIKE[1:])
def test_a_name_that_looks_like_anothers_carries_the_id_of_each(client: AsyncClient, other: str) -> None:
    rooms = Rooms(client)
    rooms.note_state(ROOM, [member(uid(1), "Alice"), member(uid(2), other)])
    assert shown(rooms, uid(1)) == f"Alice ({uid(1)})"
    assert shown(rooms, uid(2)).endswith(f" ({uid(2)})") and "\n" not in shown(rooms, uid(2))


def test_the_three_alices_are_three_names_shown_apart(client: AsyncClient) -> None:
    rooms = Rooms(client)
    rooms.note_state(ROOM, [member(uid(i), n) for i, n in enumerate(ALIKE[:3])])
    assert [shown(rooms, uid(i)) for i in range(3)] == [f"Alice ({uid(i)})" for i in range(3)]
    # One leaves, one renames: the last Alice is Alice alone again.
    rooms.note_state(ROOM, [member(uid(0), None, "leave"), member(uid(1), "Bob")])
    assert [shown(rooms, uid(i)) for i in range(1, 3)] == ["Bob", "Alice"]


def test_different_names_and_ones_own_id_go_without_an_id(client: AsyncClient) -> None:
    rooms = Rooms(client)
    rooms.note_state(ROOM, [member(uid(1), "Alice"), member(uid(2), "Alicia"), member(uid(3), None)])
    assert [shown(rooms, uid(i)) for i in (1, 2, 3)] == ["Alice", "Alicia", uid(3)]


def test_a_name_holding_an_id_or_showing_nothing_is_not_taken_as_shown(client: AsyncClient) -> None:
    rooms = Rooms(client)
    rooms.note_state(ROOM, [member(uid(1), f"Alice ({uid(9)})"), member(uid(2), "\u200b\u2066 \n")])
    assert shown(rooms, uid(1)) == f"Alice ({uid(9)}) ({uid(1)})"
    assert shown(rooms, uid(2)) == uid(2)


def test_nio_members_are_told_apart_the_same_way(client: AsyncClient) -> None:
    room = MatrixRoom(ROOM, ME)
    client.rooms[ROOM] = room
    for i, name in enumerate(ALIKE):
        room.add_member(uid(i), name, None)
    room.add_member(uid(50), "Bob", None)
    rooms = Rooms(client)
    for i in range(len(ALIKE)):
        name = shown(rooms, uid(i))
        assert name.endswith(f" ({uid(i)})") and "\n" not in name and "\u2066" not in name, name
    assert shown(rooms, uid(50)) == "Bob"
    # Noted by a lane, a member is named as noted; nio is asked only about the others.
    rooms.note_state(ROOM, [member(uid(1), "Carol")])
    assert shown(rooms, uid(1)) == "Carol"
