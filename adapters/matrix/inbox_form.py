"""What of a timeline event may wait in the durable inbox (`matrix_inbox`): only what changes
state, never a message's text."""

from __future__ import annotations

from typing import Any

from . import inbound
from .chat import strip_reply_fallback


def inbox_form(src: dict[str, Any], prefix: str) -> dict[str, Any] | None:
    """What of an event may wait in the durable inbox, or None: never a message's text
    (the bot stores none), only what changes state. A command keeps its own line and
    loses the quoted message it replied to; a redaction loses its reason; a poll end its
    wording; room state only what the adapter reads (no kick or ban reason, no topic). Anything else lost to a crash costs only the heat reading of one message."""
    ev = inbound.envelope(src)
    if ev is None:
        return None
    if ev.type == "m.room.message":
        message = inbound.text_message(ev)
        if message is None:
            return None
        body = strip_reply_fallback(message.body) if message.in_reply_to else message.body
        if not body.startswith(prefix):
            return None
        content = {k: v for k, v in ev.content.items() if k in ("msgtype", "m.relates_to")}
        return {**src, "content": {**content, "body": body}}
    if "state_key" in src:
        return _state_kept(src, ev)
    if ev.type in ("m.reaction", *inbound.POLL_RESPONSE_TYPES):
        return src
    if ev.type == "m.room.redaction" or ev.type in inbound.POLL_END_TYPES:
        kept = {k: v for k, v in ev.content.items() if k in ("redacts", "m.relates_to")}
        return {**src, "content": kept}
    return None


# The room state the adapter reads (rooms.py, inbound.py); a topic or a kick's reason is text a
# person typed, and the bot stores none.
_STATE_READ = {"m.room.member": ("membership", "displayname"), "m.room.create": None,
               "m.room.power_levels": None, "m.room.encryption": None}


def _state_kept(src: dict[str, Any], ev: inbound.Envelope) -> dict[str, Any] | None:
    if ev.type not in _STATE_READ:
        return None
    fields = _STATE_READ[ev.type]
    content = ev.content if fields is None else {k: v for k, v in ev.content.items() if k in fields}
    # The name before a rename names the sender of what came before it, after a restart too
    # (leftover.py): kept, None for none, with a membership that has a name.
    prev = inbound.obj(inbound.obj(src.get("unsigned")).get("prev_content"))
    was = {"membership": prev.get("membership")} if prev.get("membership") is not None else {}
    if was and ev.type == "m.room.member" and was["membership"] in ("join", "invite"):
        was["displayname"] = inbound.text(prev.get("displayname"))
    unsigned = {"prev_content": was} if was else {}
    return {**{k: v for k, v in src.items() if k != "unsigned"}, "content": content,
            **({"unsigned": unsigned} if unsigned else {})}
