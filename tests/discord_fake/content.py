"""Who gets to read a message's content, in the fake as on Discord.

MESSAGE_CONTENT (1 << 15) is a privileged intent. A session without it gets `content`,
`embeds`, `attachments` and `components` of a message empty (in MESSAGE_CREATE and
MESSAGE_UPDATE alike, and in a reply's `referenced_message`), except for messages the app
sent itself, messages in DMs with the app, and messages that mention the app.

A privileged intent (also GUILD_MEMBERS, 1 << 1, and GUILD_PRESENCES, 1 << 8) may only be
asked for by an application that has it enabled: its flags carry the verified bit (an app in
100 or more servers, approved by Discord) or the limited one (the developer portal's toggle,
for an app in fewer). An IDENTIFY asking for one that is not enabled is closed with 4014
"Disallowed intent(s)."
"""

from __future__ import annotations

from .wire import JSON

INTENT_MESSAGE_CONTENT = 1 << 15
CONTENT_FIELDS: JSON = {"content": "", "embeds": [], "attachments": [], "components": []}

# application flags (Discord's bit values)
GATEWAY_PRESENCE, GATEWAY_PRESENCE_LIMITED = 1 << 12, 1 << 13
GATEWAY_GUILD_MEMBERS, GATEWAY_GUILD_MEMBERS_LIMITED = 1 << 14, 1 << 15
GATEWAY_MESSAGE_CONTENT, GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 18, 1 << 19

# privileged intent -> the application flags, either of which allows it
PRIVILEGED = {
    1 << 1: GATEWAY_GUILD_MEMBERS | GATEWAY_GUILD_MEMBERS_LIMITED,
    1 << 8: GATEWAY_PRESENCE | GATEWAY_PRESENCE_LIMITED,
    INTENT_MESSAGE_CONTENT: GATEWAY_MESSAGE_CONTENT | GATEWAY_MESSAGE_CONTENT_LIMITED,
}
DISALLOWED_INTENTS = 4014


def disallowed(intents: int, app_flags: int) -> bool:
    """Whether an IDENTIFY with `intents` asks for a privileged intent the app does not have."""
    return any(intents & intent and not app_flags & flags for intent, flags in PRIVILEGED.items())


def readable(msg: JSON, bot_id: str) -> bool:
    """Whether the app reads this message's content without the MESSAGE_CONTENT intent."""
    return (msg["author"]["id"] == bot_id or not msg.get("guild_id")
            or any(u["id"] == bot_id for u in msg.get("mentions", [])))


def as_received(event: JSON, intents: int, bot_id: str) -> JSON:
    """A message event (MESSAGE_CREATE, MESSAGE_UPDATE) as a session with `intents` receives it."""
    if intents & INTENT_MESSAGE_CONTENT:
        return event
    out = event if readable(event, bot_id) else {**event, **CONTENT_FIELDS}
    ref = event.get("referenced_message")
    if isinstance(ref, dict):
        out = {**out, "referenced_message": as_received(ref, intents, bot_id)}
    return out
