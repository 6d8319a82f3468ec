"""Reading the reactions an event has now, from /relations (the server leaves redacted
ones out), for reconciliation at start and after a gap in the sync."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from . import inbound
from .client import MatrixError, Transport
from .store import StoredReaction


async def present_reactions(transport: Transport, room_id: str, event_id: str,
                            ignore: str) -> list[StoredReaction] | None:
    """Every present annotation of an event but `ignore`'s, oldest first, keys canonical;
    None if the event is gone or the bot cannot see the room."""
    found: list[StoredReaction] = []
    token: str | None = None
    base = (f"/_matrix/client/v1/rooms/{quote(room_id, safe='')}/relations/"
            f"{quote(event_id, safe='')}/m.annotation")
    while True:
        query = {"limit": "100", "dir": "f"} | ({"from": token} if token else {})
        status, data = await transport.get_json(f"{base}?{urlencode(query)}")
        if status in (403, 404):
            return None  # the event is gone, or the bot left the room
        if status != 200:
            raise MatrixError(f"reading reactions of {event_id}: {status} {data.get('errcode')}")
        chunk = data.get("chunk")
        for src in chunk if isinstance(chunk, list) else ():
            ev = inbound.envelope(src)
            reaction = inbound.reaction(ev) if ev is not None else None
            if ev is None or reaction is None or ev.sender == ignore:
                continue
            found.append(StoredReaction(ev.event_id, room_id, event_id, ev.sender, reaction.key))
        token = inbound.text(data.get("next_batch"))
        if not token:
            return found
