"""What the bot reads of a room's timeline: the events nio could decrypt, those still
encrypted held for their keys (crypto.py), and the room's past cut off at the bot's own join.

What came before the join is the room's past, not requests to the bot, encrypted or not: only
its state is kept, and an encrypted event from then is neither held nor its key asked for (a
key forwarded later would run a command sent before the bot came)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from . import inbound
from .client import Transport
from .crypto import Crypto
from .rooms import Rooms


def present_from(events: Sequence[Any], user_id: str) -> int:
    """Where the room's present begins in `events` (oldest first, parsed or raw): after the
    last join of `user_id` among them; 0 without one."""
    start = 0
    for i, ev in enumerate(events):
        if inbound.is_join_of(ev if isinstance(ev, dict) else getattr(ev, "source", None), user_id):
            start = i + 1
    return start


class Reader:
    def __init__(self, transport: Transport, rooms: Rooms,
                 mark_seen: Callable[[str | None], bool]) -> None:
        self.transport, self.rooms, self.mark_seen = transport, rooms, mark_seen
        self.crypto: Crypto | None = None  # from the syncer's start(), with the database

    async def timeline(self, room_id: str, events: Sequence[Any]) -> list[dict[str, Any]]:
        """A sync's timeline (oldest first) as `readable`, the past before the bot's join in
        it never held. A join in the gap before it is found by the back-fill (backfill.py)."""
        start = present_from(events, self.transport.user_id)
        return (await self.readable(room_id, events[:start], hold=False)
                + await self.readable(room_id, events[start:]))

    async def readable(self, room_id: str, events: Sequence[Any], hold: bool = True) -> list[dict[str, Any]]:
        """The raw events nio could read; those still encrypted wait for their keys if `hold`
        (they came after the bot's join), else are dropped."""
        if self.crypto is None:
            return inbound.sources(events)
        readable, locked = self.crypto.split(events)
        if locked and hold:
            await self.crypto.hold(room_id, locked)
        return readable

    def after_join(self, room_id: str, events: list[dict[str, Any]],
                   noted: set[str]) -> list[dict[str, Any]]:
        """Events before the bot's own join are the room's past, not requests to it: only
        their state is kept (noted at once: the lane holds nothing of the room before it)."""
        start = present_from(events, self.transport.user_id)
        for src in events[:start]:
            self.mark_seen(inbound.text(src.get("event_id")))
            self.rooms.note_state_event(room_id, src)
        if start:
            noted.add(room_id)
        return events[start:]
