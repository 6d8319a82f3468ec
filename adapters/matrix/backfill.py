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
from .joins import present_from

log = logging.getLogger(__name__)

BACKFILL_PAGES = 50


async def gap_events(transport: Transport, room_id: str, prev_batch: str | None, since: str, *,
                     readable: Callable[[str, Sequence[Any], bool], Awaitable[list[dict[str, Any]]]],
                     seen: Callable[[str | None], bool]) -> tuple[list[dict[str, Any]], bool]:
    """The events a limited sync left out, oldest first: /messages backwards from the gap
    down to the previous sync token (or to an event already handled), and whether they are
    all of it. A gap not read whole has the room's cards re-read instead (sync.py), after
    the events queued before it. What is older than the bot's own join in the gap is the
    room's past: an event there still encrypted is not held for its key (joins.py)."""
    older: list[dict[str, Any]] = []
    token, client, whole = prev_batch, transport.client, True
    past = False  # the bot's join passed, reading back
    for _ in range(BACKFILL_PAGES):
        if not token:
            break
        resp = await transport.call(partial(
            client.room_messages, room_id, start=token, end=since,
            direction=MessageDirection.back, limit=100))
        if not isinstance(resp, nio.RoomMessagesResponse):
            log.warning("matrix: back-filling %s failed: %s; reconciling its cards instead",
                        room_id, why(resp))
            whole = False
            break
        reached = False
        chunk = resp.chunk[::-1]  # oldest first
        start = len(chunk) if past else present_from(chunk, transport.user_id)
        past = past or start > 0
        page = await readable(room_id, chunk[:start], False) + await readable(room_id, chunk[start:], True)
        for src in reversed(page):  # newest first
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
        whole = False
    older.reverse()
    return older, whole
