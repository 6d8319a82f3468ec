"""What happens to people's messages after they are posted, in the fake: their author edits
one, or Discord itself updates one (a link's preview unfolding). And the notices Discord posts
under a person's name for something they did (joined, pinned, boosted, started a thread). Deleting them is the
server's `delete_message` (MESSAGE_DELETE) and `bulk_delete` (MESSAGE_DELETE_BULK).

Both arrive as MESSAGE_UPDATE (GUILD_MESSAGES intent) carrying the whole message, as Discord
sends it now, with the author's `member`. Only an edit by its author moves `edited_timestamp`;
an update Discord makes leaves it as it was (null on a message never edited). What of the
content a bot gets, with or without the MESSAGE_CONTENT intent, is `content.py`'s.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .content import as_received
from .wire import INTENT_GUILD_MESSAGES, JSON, now_iso

# Discord's message types that are a person's own message; any other is a system message.
CHAT_TYPES = (0, 19)
JOINED, PINNED, BOOSTED, THREAD_CREATED = 7, 6, 8, 18

if TYPE_CHECKING:
    from .server import FakeDiscord


class People:
    def __init__(self, server: FakeDiscord) -> None:
        self.server = server

    def edit(self, message_id: int, content: str, *, by: int) -> JSON:
        """User `by` edits their own message in the client; another's is refused as Discord
        refuses it (403, 50005)."""
        msg = self._live(message_id)
        if msg["type"] not in CHAT_TYPES:
            raise PermissionError("50021 Cannot execute action on a system message")
        if int(msg["author"]["id"]) != by:
            raise PermissionError("50005 Cannot edit a message authored by another user")
        msg["content"] = content
        msg["mentions"] = self.server.mentioned(content)
        msg["edited_timestamp"] = now_iso()
        self._update(msg)
        return msg

    def notice(self, channel_id: int, user_id: int, kind: int, content: str = "",
               about: int | None = None) -> JSON:
        """Discord posts a system message of type `kind` with `user_id` as its author, as it does
        for a member joining (7, empty content), a pin (6, `about` the pinned message), a boost
        (8-11) or a thread started (18, the thread's name as content, `about` the thread)."""
        server = self.server
        mid, gid = server.snowflake(), server.channels[channel_id]["guild_id"]
        msg: JSON = {"id": str(mid), "type": kind, "channel_id": str(channel_id), "guild_id": gid,
                     "author": server.users[user_id], "content": content, "embeds": [], "components": [],
                     "attachments": [], "mentions": [], "mention_roles": [], "mention_everyone": False,
                     "pinned": False, "tts": False, "timestamp": now_iso(), "edited_timestamp": None,
                     "flags": 0, "_created": time.monotonic()}
        if about is not None:
            msg["message_reference"] = {"type": 0, "message_id": str(about), "channel_id": str(channel_id),
                                        "guild_id": gid}
        server.messages[mid] = msg
        event = server._public(msg)
        event["member"] = dict(server.members[(int(gid), user_id)])
        intent = server._message_intent(channel_id)
        for s in server.sessions_for(int(gid)):
            if s.intents & intent:
                server._emit(s, {"op": 0, "t": "MESSAGE_CREATE",
                                 "d": as_received(event, s.intents, server.bot_user["id"])})
        return msg

    def unfurl(self, message_id: int, url: str) -> None:
        """Discord adds the preview of a link in the message: an update that is no edit."""
        msg = self._live(message_id)
        msg["embeds"] = [*msg.get("embeds", []), {"type": "link", "url": url, "title": url}]
        self._update(msg)

    def _live(self, message_id: int) -> JSON:
        msg = self.server.messages[message_id]
        if msg.get("_deleted"):
            raise LookupError(f"message {message_id} is deleted (10008 Unknown Message)")
        return msg

    def _update(self, msg: JSON) -> None:
        server = self.server
        gid = int(msg["guild_id"])
        event = server._public(msg)
        event["member"] = dict(server.members[(gid, int(msg["author"]["id"]))])
        for s in server.sessions_for(gid):
            if s.intents & INTENT_GUILD_MESSAGES:
                e = as_received(event, s.intents, server.bot_user["id"])
                server._emit(s, {"op": 0, "t": "MESSAGE_UPDATE", "d": e})
