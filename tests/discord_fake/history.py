"""A channel's message history in the fake: GET /channels/{id}/messages, as Discord answers it.

`limit` 1-100 (default 50); one of `before`, `after`, `around` (message ids, or any snowflake:
an id made from a time lists what came after that time). The page is always newest first: with
`after`, the `limit` messages just after it (discord.py turns the page round and goes on from
its first, the newest). Needs View Channel and Read Message History (403/50001); ephemeral and
deleted messages are not there. Without the MESSAGE_CONTENT intent granted to the app, other
people's messages come without their content (content.py), the app's own with it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .content import (
    CONTENT_FIELDS,
    GATEWAY_MESSAGE_CONTENT,
    GATEWAY_MESSAGE_CONTENT_LIMITED,
    readable,
)
from .wire import READ_MESSAGE_HISTORY, VIEW_CHANNEL, error, invalid_form, json_response

if TYPE_CHECKING:
    from .server import FakeDiscord

Route = Callable[[str, str, Callable[..., Awaitable[web.Response]]], None]
EPHEMERAL = 1 << 6


class History:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    def routes(self, r: Route) -> None:
        r("GET", r"/channels/(?P<channel>\d+)/messages", self._list)

    async def _list(self, request: web.Request, body: Any, channel: str) -> web.Response:
        fake, cid = self.fake, int(channel)
        if cid not in fake.channels:
            return error(404, 10003, "Unknown Channel")
        need = VIEW_CHANNEL | READ_MESSAGE_HISTORY
        if fake.permissions(cid, fake.application_id) & need != need:
            return error(403, 50001, "Missing Access")
        q = request.query
        try:
            limit = int(q.get("limit", "50"))
            before, after, around = (int(q[k]) if k in q else None for k in ("before", "after", "around"))
        except ValueError:
            return invalid_form("limit", "NUMBER_TYPE_COERCE", "Value is not int.")
        if not 1 <= limit <= 100:
            return invalid_form("limit", "NUMBER_TYPE_MAX", "int value should be less than or equal to 100.")
        here = [m for m in fake.all_messages()  # oldest first
                if m["channel_id"] == channel and not m.get("_deleted") and not m["flags"] & EPHEMERAL]
        if after is not None:
            page = [m for m in here if int(m["id"]) > after][:limit]
        elif around is not None:
            older = [m for m in here if int(m["id"]) < around][-(limit // 2):] if limit > 1 else []
            page = older + [m for m in here if int(m["id"]) >= around][: limit - len(older)]
        else:
            page = [m for m in here if before is None or int(m["id"]) < before][-limit:]
        return json_response([self._shown(m) for m in reversed(page)])

    def _shown(self, msg: dict[str, Any]) -> dict[str, Any]:
        fake = self.fake
        out = fake._public(msg)
        granted = fake.app_flags & (GATEWAY_MESSAGE_CONTENT | GATEWAY_MESSAGE_CONTENT_LIMITED)
        if granted or readable(msg, fake.bot_user["id"]):
            return out
        return {**out, **CONTENT_FIELDS}
