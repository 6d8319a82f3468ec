"""Discord ids as the core's references, and what Discord calls a moderator."""

from __future__ import annotations

import base64
import hashlib

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
