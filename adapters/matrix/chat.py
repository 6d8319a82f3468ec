"""People's chat in a room (a part of MatrixAdapter): an `m.text` that is no command is
`MessageSeen` (with its text, which the bot never stores), its sender's `m.replace` of it is
`MessageEdited` with the new text, and its redaction is `MessageDeleted`; those of any other
message (a bot's `m.notice`, a command) are of nothing the core has seen, and are let go.

None of these waits in the durable inbox: an edit carries chat text (inbox_form.py keeps
no edit), and a redaction is kept there without its reason but, after a restart, names a
message the bot no longer remembers the sender of, so it is let go like one it never saw.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.adapter import AdapterHost
from bot.model import ChannelRef, MessageDeleted, MessageEdited, MessageSeen, UserRef

from . import inbound
from .client import Transport
from .rooms import PLATFORM, Rooms


class ChatHandlers:
    transport: Transport
    rooms: Rooms

    # --- what MatrixAdapter provides -------------------------------------------------------------

    def _bot(self) -> AdapterHost:
        raise NotImplementedError

    def _user(self, room_id: str, user_id: str) -> UserRef:
        raise NotImplementedError

    # --- events ----------------------------------------------------------------------------------

    async def _seen(self, room_id: str, ev: inbound.Envelope, body: str, reply_to: str | None) -> None:
        replied = self.rooms.sender_of(reply_to)
        at = inbound.moment(ev) or datetime.now(UTC)  # none it can hold: the moment it arrived
        self.rooms.remember_chat(ev.event_id)
        await self._bot().message_seen(MessageSeen(
            ChannelRef(PLATFORM, room_id, room_id), self._user(room_id, ev.sender), at, ev.event_id,
            self._user(room_id, replied) if replied else None, body))

    async def _on_edit(self, room_id: str, ev: inbound.Envelope, edit: inbound.Edit) -> None:
        # Only its sender may replace a message (clients ignore anyone else's replacement);
        # one of a message the bot does not remember is of nothing it has read.
        if self.rooms.sender_of(edit.target) != ev.sender or not self.rooms.was_chat(edit.target):
            return
        await self._bot().message_edited(MessageEdited(
            ChannelRef(PLATFORM, room_id, room_id), self._user(room_id, ev.sender), edit.target, edit.body))

    async def _on_message_redacted(self, room_id: str, redacts: str, author: str, sender: str) -> None:
        """`redacts` was a message of `author`'s (the bot keeps senders of messages only)."""
        if author == self.transport.user_id or not self.rooms.was_chat(redacts):
            return  # the bot's own (not a card), a notice, a command: no chat the core has seen
        # A redaction takes effect only from the message's sender or someone who may redact
        # others' events; a server over federation passes one on before anyone checked it.
        if sender != author and not self.rooms.can_redact(room_id, sender):
            return
        await self._bot().message_deleted(MessageDeleted(ChannelRef(PLATFORM, room_id, room_id), redacts))


def strip_reply_fallback(body: str) -> str:
    """A reply's body starts with "> quoted" lines and a blank line; the command follows."""
    lines = body.split("\n")
    i = 0
    while i < len(lines) and lines[i].startswith(">"):
        i += 1
    if i and i < len(lines) and lines[i] == "":
        return "\n".join(lines[i + 1:])
    return body
