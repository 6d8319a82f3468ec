"""Reading what relates to an event now, from /relations (the server leaves redacted
events out): the reactions of a card, the responses to a native poll. For reconciliation
at start and after a gap in the sync, and to find the bot's own reaction to take back."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from bot.emoji import canonical

from . import inbound
from .client import MatrixError, Transport
from .crypto import readable
from .store import StoredReaction


async def related_events(transport: Transport, room_id: str, event_id: str,
                         rel_type: str) -> list[dict[str, Any]] | None:
    """Every event relating to `event_id` with `rel_type`, raw, oldest first; None if the
    event is gone or the bot cannot see the room."""
    found: list[dict[str, Any]] = []
    token: str | None = None
    base = (f"/_matrix/client/v1/rooms/{quote(room_id, safe='')}/relations/"
            f"{quote(event_id, safe='')}/{quote(rel_type, safe='')}")
    while True:
        query = {"limit": "100", "dir": "f"} | ({"from": token} if token else {})
        status, data = await transport.get_json(f"{base}?{urlencode(query)}")
        if status in (403, 404):
            return None  # the event is gone, or the bot left the room
        if status != 200:
            raise MatrixError(f"reading relations of {event_id}: {status} {data.get('errcode')}")
        chunk = data.get("chunk")
        found.extend(src for src in (chunk if isinstance(chunk, list) else ()) if isinstance(src, dict))
        token = inbound.text(data.get("next_batch"))
        if not token:
            return found


async def thread_root(transport: Transport, room_id: str, event_id: str) -> str | None:
    """The root of the thread an event is in; None if it is in none, or cannot be read. The
    relation is read off the event as sent (an encrypted event's stays in the clear)."""
    status, data = await transport.get_json(
        f"/_matrix/client/v3/rooms/{quote(room_id, safe='')}/event/{quote(event_id, safe='')}")
    if status != 200:
        return None
    rel = inbound.relation(inbound.obj(data.get("content")))
    return rel.event_id if rel.rel_type == "m.thread" else None


async def present_reactions(transport: Transport, room_id: str, event_id: str, ignore: str,
                            ignored_keys: set[str] | None = None) -> list[StoredReaction] | None:
    """Every present annotation of an event but `ignore`'s, oldest first, keys canonical;
    None if the event is gone or the bot cannot see the room. The keys of `ignore`'s own go
    into `ignored_keys`: a reading shows the emoji the bot put there, as Discord's does."""
    events = await related_events(transport, room_id, event_id, "m.annotation")
    if events is None:
        return None
    found: list[StoredReaction] = []
    for raw in events:
        src = readable(transport.client, room_id, raw)
        ev = inbound.envelope(src)
        reaction = inbound.reaction(ev) if ev is not None else None
        if ev is None or reaction is None:
            continue
        if ev.sender == ignore:
            if ignored_keys is not None:
                ignored_keys.add(reaction.key)
            continue
        found.append(StoredReaction(ev.event_id, room_id, event_id, ev.sender, reaction.key))
    return found


async def own_annotations(transport: Transport, room_id: str, event_id: str, me: str, key: str) -> list[str]:
    """The ids of `me`'s present annotations of an event with `key` (one, unless an earlier
    copy slipped past the homeserver's duplicate check); none if the event is gone."""
    found: list[str] = []
    for raw in await related_events(transport, room_id, event_id, "m.annotation") or ():
        ev = inbound.envelope(readable(transport.client, room_id, raw))
        reaction = inbound.reaction(ev) if ev is not None else None
        if ev is not None and reaction is not None and ev.sender == me and reaction.key == canonical(key):
            found.append(ev.event_id)
    return found
