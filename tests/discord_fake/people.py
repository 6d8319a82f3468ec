"""What happens to people's messages after they are posted, in the fake: their author edits
one, or Discord itself updates one (a link's preview unfolding). Deleting them is the
server's `delete_message` (MESSAGE_DELETE) and `bulk_delete` (MESSAGE_DELETE_BULK).

Both arrive as MESSAGE_UPDATE (GUILD_MESSAGES intent) carrying the whole message, as Discord
sends it now, with the author's `member`. Only an edit by its author moves `edited_timestamp`;
an update Discord makes leaves it as it was (null on a message never edited). What of the
content a bot gets, with or without the MESSAGE_CONTENT intent, is `content.py`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .content import as_received
from .wire import INTENT_GUILD_MESSAGES, JSON, now_iso

if TYPE_CHECKING:
    from .server import FakeDiscord


class People:
    def __init__(self, server: FakeDiscord) -> None:
        self.server = server

    def edit(self, message_id: int, content: str, *, by: int) -> JSON:
        """User `by` edits their own message in the client; another's is refused as Discord
        refuses it (403, 50005)."""
        msg = self._live(message_id)
        if int(msg["author"]["id"]) != by:
            raise PermissionError("50005 Cannot edit a message authored by another user")
        msg["content"] = content
        msg["mentions"] = self.server.mentioned(content)
        msg["edited_timestamp"] = now_iso()
        self._update(msg)
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
