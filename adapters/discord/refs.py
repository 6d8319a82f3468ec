"""Discord ids as the core's references, and what Discord calls a moderator."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
from collections.abc import Iterator, Mapping

import discord

from bot.adapter import DeliveryRefused
from bot.model import ChannelRef, UserRef

log = logging.getLogger(__name__)

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


def not_allowed(e: discord.Forbidden, what: str, channel: ChannelRef) -> str:
    """A 403 on a message, in plain words: Discord's own only in the log."""
    if e.code == MISSING_PERMISSIONS:
        return (f"Discord: missing permission to {what} in channel {channel.id} (server "
                f"{channel.space_id}); give logoff's role {NEEDED} in that channel")
    log.warning("Discord refused to %s in channel %s: %s", what, channel.id, e.text)
    return (f"Discord: not allowed to {what} in channel {channel.id} (error code {e.code}); check "
            "logoff's role and that channel's permissions (logoff's log has Discord's answer)")


@contextlib.contextmanager
def refusals(forbidden: str, refused: str, limits: Mapping[int, str] | None = None) -> Iterator[None]:
    """Discord refusing a native surface, as a sentence for moderators: a 403 as `forbidden`, a
    limit by its JSON code, another 4xx as `refused` (Discord's own words go to the log only:
    they are an API's, not something a member can act on). NotFound goes on as it is (the
    caller knows whether gone is fine); so does Discord's own trouble (5xx)."""
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
            raise DeliveryRefused(refused_plainly(refused, e)) from e
        raise


def refused_fields(e: discord.HTTPException) -> list[str]:
    """The fields a 50035 Invalid Form Body names (its text lists each as "In <field>: <why>")."""
    return sorted({line[3:].partition(":")[0] for line in e.text.splitlines() if line.startswith("In ")})


def refused_plainly(refused: str, e: discord.HTTPException) -> str:
    """`refused` for people: the fields Discord would not take, if it named them, and its code to
    look up; its raw answer goes to the log only."""
    log.warning("%s: Discord answered %s (error code %s): %s", refused, e.status, e.code, e.text)
    fields = refused_fields(e)
    if fields:
        return f"{refused}: Discord would not take its {', '.join(fields)} (error code {e.code})"
    return (f"{refused}: Discord refused the request (error code {e.code}); logoff's log has "
            "Discord's answer, and a moderator can check logoff's role and the channel's settings")
