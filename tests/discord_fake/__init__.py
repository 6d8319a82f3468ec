"""A protocol-level fake Discord (REST + gateway websocket on loopback) for testing the
real discord.py client. DESIGN.md (Testing) says what it must get right."""

from .server import (
    ADD_REACTIONS,
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    ATTACH_FILES,
    EMBED_LINKS,
    EPHEMERAL,
    MANAGE_EVENTS,
    MANAGE_GUILD,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    USE_APPLICATION_COMMANDS,
    VIEW_CHANNEL,
    Edit,
    FakeDiscord,
    InteractionResult,
    message_text,
    unescape_markdown,
)

__all__ = [
    "ADD_REACTIONS", "ADMINISTRATOR", "ALL_PERMISSIONS", "ATTACH_FILES", "EMBED_LINKS", "EPHEMERAL",
    "MANAGE_EVENTS", "MANAGE_GUILD", "READ_MESSAGE_HISTORY", "SEND_MESSAGES",
    "USE_APPLICATION_COMMANDS", "VIEW_CHANNEL", "Edit", "FakeDiscord", "InteractionResult",
    "message_text", "unescape_markdown",
]
