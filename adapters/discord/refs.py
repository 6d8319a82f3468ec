"""Discord ids as the core's references, and what Discord calls a moderator."""

from __future__ import annotations

import base64
import contextlib
import hashlib
from collections.abc import Iterator, Mapping

import discord

from bot.adapter import DeliveryRefused
from bot.model import UserRef

PLATFORM = "discord"
NONCE_MAX = 25
MISSING_PERMISSIONS = 50013
NEEDED = "View Channel, Send Messages, Embed Links, Add Reactions, Read Message History and Attach Files"


class DiscordPermissionError(DeliveryRefused):
    """The bot lacks a permission in a channel; the message says which and where."""


def short_nonce(key: str) -> str:
    """Discord nonces are at most 25 characters; longer keys are hashed stably."""
    if len(key) <= NONCE_MAX:
        return key
    return "k" + base64.b32encode(hashlib.sha256(key.encode()).digest()).decode()[:24].lower()


def user_ref(user: discord.abc.User | discord.Member) -> UserRef:
    return UserRef(PLATFORM, str(user.id), user.display_name, is_bot=user.bot)


def space_of(guild_id: int | None) -> str:
    return str(guild_id) if guild_id else ""


def is_moderator(perms: discord.Permissions) -> bool:
    return bool(perms.administrator or perms.manage_guild or perms.manage_events)


@contextlib.contextmanager
def refusals(forbidden: str, refused: str, limits: Mapping[int, str] | None = None) -> Iterator[None]:
    """Discord refusing a native surface, as a sentence for moderators: a 403 as `forbidden`, a
    limit by its JSON code, another 4xx as `refused` with Discord's words. NotFound goes on as
    it is (the caller knows whether gone is fine); so does Discord's own trouble (5xx)."""
    try:
        yield
    except discord.NotFound:
        raise
    except discord.Forbidden as e:
        raise DeliveryRefused(forbidden) from e
    except discord.HTTPException as e:
        if limits and e.code in limits:
            raise DeliveryRefused(limits[e.code]) from e
        if 400 <= e.status < 500:
            raise DeliveryRefused(f"{refused}: {e.text or e.status}") from e
        raise
