"""What the adapter knows of its rooms: who is a moderator (power levels, and the
creators of v12+ rooms), display names, and who sent the messages people reply to."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from fnmatch import fnmatchcase
from typing import Any

from nio import AsyncClient

from bot.model import UserRef

from . import inbound

PLATFORM = "matrix"
MODERATOR_LEVEL = 50
# Room versions in which the creators are not in the power-level map but outrank everyone.
_LEGACY_ROOM_VERSIONS = {str(v) for v in range(1, 12)}
MEMORY = 20_000


class Rooms:
    def __init__(self, client: AsyncClient, puppets: Sequence[str] = ()) -> None:
        self.client = client
        self.puppets = tuple(puppets)  # glob patterns of bridge users (config.BRIDGE_PUPPETS)
        self._power: dict[str, Mapping[str, Any]] = {}  # room -> m.room.power_levels content
        self._creators: dict[str, inbound.RoomCreate] = {}
        self._senders: OrderedDict[str, str] = OrderedDict()  # event id -> sender, for replies

    def note_state(self, room_id: str, events: Sequence[dict[str, Any]]) -> None:
        for src in events:
            self.note_state_event(room_id, src)

    def note_state_event(self, room_id: str, src: dict[str, Any]) -> None:
        state = inbound.state_event(src)
        if state is None:
            return
        kind, content = state
        if kind == "m.room.power_levels":
            self._power[room_id] = content
        elif kind == "m.room.create":
            self._creators[room_id] = inbound.room_create(src, content)

    def is_moderator(self, room_id: str, user_id: str) -> bool:
        create = self._creators.get(room_id)
        if create and user_id in create.creators and create.version not in _LEGACY_ROOM_VERSIONS:
            return True  # room v12+: creators outrank every power level
        levels = self._power.get(room_id)
        if levels is None:
            room = self.client.rooms.get(room_id)
            return bool(room and room.power_levels.get_user_level(user_id) >= MODERATOR_LEVEL)
        return inbound.power_level(levels, user_id) >= MODERATOR_LEVEL

    def can_redact(self, room_id: str, user_id: str) -> bool:
        """May redact other people's events: the room's `redact` level (default 50)."""
        create = self._creators.get(room_id)
        if create and user_id in create.creators and create.version not in _LEGACY_ROOM_VERSIONS:
            return True
        levels = self._power.get(room_id)
        if levels is None:
            return self.is_moderator(room_id, user_id)
        needed = inbound.as_level(levels.get("redact"), MODERATOR_LEVEL)
        return inbound.power_level(levels, user_id) >= needed

    def user(self, room_id: str, user_id: str, me: str) -> UserRef:
        room = self.client.rooms.get(room_id)
        name = room.user_name(user_id) if room else None
        # A bridge's puppet speaks for someone on another platform: the core ignores it like a
        # bot (its reactions and commands are echoes counted where they were made).
        is_bot = user_id == me or any(fnmatchcase(user_id, p) for p in self.puppets)
        return UserRef(PLATFORM, user_id, name or user_id[1:].split(":", 1)[0], is_bot=is_bot)

    def remember_sender(self, event_id: str, sender: str) -> None:
        if event_id:
            self._senders[event_id] = sender
            if len(self._senders) > MEMORY:
                self._senders.popitem(last=False)

    def sender_of(self, event_id: str | None) -> str | None:
        return self._senders.get(event_id) if event_id else None
