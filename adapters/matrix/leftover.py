"""What the last stop left: the events waiting in the inbox and the state each of their rooms
was in when its lane last handled a batch (inbox_store.py), taken up at start.

The first sync after a start shows each room's full state as it is now, which may be newer
than the events left (a promotion after a command must not grant it). So a room with events
left is judged by its kept state, and the first sync's state takes effect in its lane after
them, as any sync's does. A room with more waiting than a lane holds is read back from the
inbox in turn (a spill), not loaded at once.

That first sync shows every member, not only the lazy-loaded ones: Synapse remembers which
members it sent this device before the stop and leaves them out of a sync resumed from its
token, full_state or not, while nio starts knowing none. Members whose member event no sync
brings again would be named by their user ID, the senders of the events left first."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import inbound
from .inbox_store import InboxTables
from .lanes import Lanes
from .rooms import Rooms

log = logging.getLogger(__name__)


def every_member(sync_filter: dict[str, Any]) -> dict[str, Any]:
    """`sync_filter` for the first sync after a start: no lazy loading of members."""
    room = sync_filter.get("room", {})
    return {**sync_filter, "room": {**room, "state": {**room.get("state", {}), "lazy_load_members": False}}}


class KeptInbox:
    """The inbox as the lanes see it: a batch handled takes the state its room reached with it."""

    def __init__(self, store: InboxTables, rooms: Rooms) -> None:
        self.store, self.rooms = store, rooms

    async def handled(self, room_id: str, upto: int) -> None:
        state = self.rooms.state_to_keep(room_id)
        try:
            await self.store.handled(room_id, upto, state)
        except BaseException:
            if state is not None:
                self.rooms.not_kept(room_id)
            raise

    async def inbox_of(self, room_id: str, after: int, upto: int,
                       limit: int) -> Sequence[tuple[int, dict[str, Any]]]:
        return await self.store.inbox_of(room_id, after, upto, limit)


@dataclass
class Left:
    loaded: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    waiting: dict[str, tuple[int, int]] = field(default_factory=dict)  # room -> (how many, last seq)
    restored: set[str] = field(default_factory=set)  # rooms judged by their kept state
    members: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # their member events left
    last_seq: int = 0

    @classmethod
    async def load(cls, store: InboxTables, rooms: Rooms, bound: int) -> Left:
        left = cls()
        for room_id, count, upto in await store.inbox_rooms():
            left.last_seq = max(left.last_seq, upto)
            if count > bound:
                left.waiting[room_id] = (count, upto)
            else:
                left.loaded[room_id] = list(await store.inbox_of(room_id, 0, upto, count))
        for room_id, state in (await store.room_states()).items():
            rooms.restore(room_id, state)
            left.restored.add(room_id)
            left.members[room_id] = await store.member_events(room_id)
        if unknown := (left.loaded.keys() | left.waiting.keys()) - left.restored:
            # Kept before this version: judged by the first sync's state, as then.
            log.info("matrix: no state kept for %d rooms with events left; the first sync's counts",
                     len(unknown))
        return left

    def name_members(self, rooms: Rooms, room_id: str, state: Sequence[dict[str, Any]],
                     events: Sequence[dict[str, Any]]) -> None:
        """Each member named, for the events left in a restored room, as they were when those
        came: the first sync's names (nio's) are the newest. So the name before each member's
        first rename from there on (in the events left, then the first sync's `events`, in lane
        order) is theirs; a member event of the sync's `state` is the name where its timeline
        begins. Members none of these name keep nio's: no rename of theirs was seen."""
        snapshot = {id(src) for src in state}
        names: dict[str, tuple[str | None] | None] = {}
        kept = [(src, True) for src in self.members.get(room_id, ())]
        for src, was_kept in [*kept, *((src, False) for src in events)]:
            if (member := inbound.member_name(src)) is None or member[0] in names:
                continue
            names[member[0]] = (member[1],) if id(src) in snapshot else \
                inbound.member_name_before(src, was_kept)
        rooms.note_names(room_id, {user: name[0] for user, name in names.items() if name is not None})

    def events(self) -> list[dict[str, Any]]:
        return [src for rows in self.loaded.values() for _, src in rows]

    async def hand_over(self, lanes: Lanes) -> None:
        """Each room's events left, to its lane, ahead of anything newer."""
        for room_id, rows in self.loaded.items():
            await lanes.put(room_id, [src for _, src in rows], rows[-1][0])
        for room_id, (count, upto) in self.waiting.items():
            await lanes.put_waiting(room_id, count, upto)
