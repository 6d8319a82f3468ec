"""Members no lane has seen are told apart by nio's members (`Rooms` asks nio): each lookup costs
what changed in the room since the last, not a walk through all of its members, and the names
follow nio's members as they come, rename and go."""

from __future__ import annotations

from typing import Any

import pytest
from nio import AsyncClient, RoomMemberEvent
from nio.rooms import MatrixRoom

from adapters.matrix.rooms import Rooms

ME = "@logoff:example.org"
ROOM = "!room:example.org"


def uid(i: int) -> str:
    return f"@u{i}:example.org"


class Walked(dict[str, Any]):
    """nio's members, counting each time someone goes through all of them."""
    walks = 0

    def __iter__(self) -> Any:
        Walked.walks += 1
        return super().__iter__()

    def items(self) -> Any:
        Walked.walks += 1
        return super().items()

    def values(self) -> Any:
        Walked.walks += 1
        return super().values()


def rename(room: MatrixRoom, user_id: str, name: str) -> None:
    room.handle_membership(RoomMemberEvent.from_dict({
        "type": "m.room.member", "state_key": user_id, "sender": user_id, "event_id": f"$r-{user_id}-{name}",
        "origin_server_ts": 1, "content": {"membership": "join", "displayname": name}}))


@pytest.fixture
def room_and_rooms() -> tuple[MatrixRoom, Rooms]:
    client = AsyncClient("http://localhost:1", ME)
    room = client.rooms[ROOM] = MatrixRoom(ROOM, ME)
    return room, Rooms(client)


def test_a_lookup_does_not_go_through_the_whole_room(room_and_rooms: tuple[MatrixRoom, Rooms]) -> None:
    room, rooms = room_and_rooms
    room.users = Walked()
    for i in range(2000):
        room.add_member(uid(i), f"Member {i}", None)
    room.add_member(uid(9000), "Ａlice", None)
    Walked.walks = 0
    assert rooms.user(ROOM, uid(7), ME).name == "Member 7"
    rename(room, uid(8), "alice")
    assert rooms.user(ROOM, uid(8), ME).name == f"alice ({uid(8)})"
    assert Walked.walks == 0


def test_nio_names_follow_joins_renames_and_leaves(room_and_rooms: tuple[MatrixRoom, Rooms]) -> None:
    room, rooms = room_and_rooms
    room.add_member(uid(1), "Alice", None)
    room.add_member(uid(2), "Bob", None)
    assert rooms.user(ROOM, uid(1), ME).name == "Alice"
    room.add_member(uid(3), "ALICE\u200b", None)
    assert rooms.user(ROOM, uid(1), ME).name == f"Alice ({uid(1)})"
    rename(room, uid(3), "Carol")
    assert rooms.user(ROOM, uid(1), ME).name == "Alice"
    rename(room, uid(2), "Álice")
    assert rooms.user(ROOM, uid(2), ME).name == f"Álice ({uid(2)})"
    room.remove_member(uid(1))
    assert rooms.user(ROOM, uid(2), ME).name == "Álice"
    # The same room left and joined again is a new nio room: its members are as it has them.
    fresh = rooms.client.rooms[ROOM] = MatrixRoom(ROOM, ME)
    fresh.add_member(uid(2), "Álice", None)
    fresh.add_member(uid(4), "alice", None)
    assert rooms.user(ROOM, uid(2), ME).name == f"Álice ({uid(2)})"
