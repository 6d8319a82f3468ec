"""Back-filling a `limited` sync: Synapse gives at most 100 timeline events per room per sync,
and the rest of the gap is read from /messages, backwards, down to the previous sync token."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

import nio
from nio import MessageDirection

from . import inbound
from .client import Transport, why

log = logging.getLogger(__name__)

BACKFILL_PAGES = 50


async def gap_events(transport: Transport, room_id: str, prev_batch: str | None, since: str, *,
                     readable: Callable[[str, Sequence[Any]], Awaitable[list[dict[str, Any]]]],
                     seen: Callable[[str | None], bool],
                     reconcile_room: Callable[[str], Awaitable[None]]) -> list[dict[str, Any]]:
    """The events a limited sync left out, oldest first: /messages backwards from the gap
    down to the previous sync token (or to an event already handled). A gap that cannot be
    read whole has the room's cards reconciled instead."""
    older: list[dict[str, Any]] = []
    token, client = prev_batch, transport.client
    for _ in range(BACKFILL_PAGES):
        if not token:
            break
        resp = await transport.call(partial(
            client.room_messages, room_id, start=token, end=since,
            direction=MessageDirection.back, limit=100))
        if not isinstance(resp, nio.RoomMessagesResponse):
            log.warning("matrix: back-filling %s failed: %s; reconciling its cards instead",
                        room_id, why(resp))
            await reconcile_room(room_id)
            break
        reached = False
        for src in await readable(room_id, resp.chunk):  # newest first
            if seen(inbound.text(src.get("event_id"))):
                reached = True
                break
            older.append(src)
        # A short page means the previous token was reached (`end=since` bounds it).
        if reached or len(resp.chunk) < 100 or not resp.end or resp.end == token:
            break
        token = resp.end
    else:
        log.warning("matrix: gap in %s longer than %d pages; reconciling its cards",
                    room_id, BACKFILL_PAGES)
        await reconcile_room(room_id)
    older.reverse()
    return older
