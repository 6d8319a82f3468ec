"""What the bot reads of a room's timeline: the events nio could decrypt, those still
encrypted held for their keys (crypto.py), and the room's past cut off at the bot's own join."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from . import inbound
from .client import Transport
from .crypto import Crypto
from .rooms import Rooms


class Reader:
    def __init__(self, transport: Transport, rooms: Rooms,
                 mark_seen: Callable[[str | None], bool]) -> None:
        self.transport, self.rooms, self.mark_seen = transport, rooms, mark_seen
        self.crypto: Crypto | None = None  # from the syncer's start(), with the database

    async def readable(self, room_id: str, events: Sequence[Any]) -> list[dict[str, Any]]:
        """The raw events nio could read; those still encrypted wait for their keys."""
        if self.crypto is None:
            return inbound.sources(events)
        readable, locked = self.crypto.split(events)
        if locked:
            await self.crypto.hold(room_id, locked)
        return readable

    def after_join(self, room_id: str, events: list[dict[str, Any]],
                   noted: set[str]) -> list[dict[str, Any]]:
        """Events before the bot's own join are the room's past, not requests to it: only
        their state is kept (noted at once: the lane holds nothing of the room before it)."""
        start = 0
        for i, src in enumerate(events):
            if inbound.is_join_of(src, self.transport.user_id):
                start = i + 1
        for src in events[:start]:
            self.mark_seen(inbound.text(src.get("event_id")))
            self.rooms.note_state_event(room_id, src)
        if start:
            noted.add(room_id)
        return events[start:]
