"""A protocol-level fake Discord (REST + gateway websocket on loopback) for testing the
real discord.py client. DESIGN.md (Testing) says what it must get right."""

from .server import (
    EPHEMERAL,
    Edit,
    FakeDiscord,
    InteractionResult,
    message_text,
    unescape_markdown,
)
from .wire import (
    ADD_REACTIONS,
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    ATTACH_FILES,
    CREATE_EVENTS,
    CREATE_PUBLIC_THREADS,
    EMBED_LINKS,
    MANAGE_EVENTS,
    MANAGE_GUILD,
    MANAGE_ROLES,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    USE_APPLICATION_COMMANDS,
    VIEW_CHANNEL,
)

__all__ = [
    "ADD_REACTIONS", "ADMINISTRATOR", "ALL_PERMISSIONS", "ATTACH_FILES", "CREATE_EVENTS",
    "CREATE_PUBLIC_THREADS", "EMBED_LINKS", "EPHEMERAL", "MANAGE_EVENTS", "MANAGE_GUILD",
    "MANAGE_ROLES", "READ_MESSAGE_HISTORY", "SEND_MESSAGES", "SEND_MESSAGES_IN_THREADS",
    "USE_APPLICATION_COMMANDS", "VIEW_CHANNEL", "Edit", "FakeDiscord", "InteractionResult",
    "message_text", "unescape_markdown",
]
