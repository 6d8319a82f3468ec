"""People's chat messages as the cogs that watch a channel hear of them: each message's
metadata when it is posted, and later its edit or its deletion on the platform.

Bots' messages and bots' edits are not passed on: a bot's words are not an exchange between
people (and the bot must never react to its own). A deletion names no author (a platform
may not say whose message it was), so a listener simply finds nothing to forget for a
message it never heard of.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from .model import ChannelRef, MessageDeleted, MessageEdited, MessageSeen

Listener = Callable[[Any], Awaitable[Any]]
Safe = Callable[[Awaitable[Any], str], Awaitable[None]]
# What a cog may listen to (bot/cog.py's decorators mark them so).
KINDS = ("message", "message_edited", "message_deleted")


class ChatListeners:
    """The cogs' chat listeners by kind; each is told in turn, through `safe`, so one that
    fails is logged and does not keep the event from the others."""

    def __init__(self, safe: Safe) -> None:
        self._safe = safe
        self._by_kind: dict[str, list[Listener]] = {kind: [] for kind in KINDS}

    def add(self, what: str, handler: Listener) -> bool:
        """Adds `handler` if `what` is a chat kind; False for any other listener."""
        if what not in self._by_kind:
            return False
        self._by_kind[what].append(handler)
        return True

    async def seen(self, event: MessageSeen) -> None:
        if not event.author.is_bot:
            await self._tell("message", event, event.channel)

    async def edited(self, event: MessageEdited) -> None:
        if not event.author.is_bot:
            await self._tell("message_edited", event, event.channel)

    async def deleted(self, event: MessageDeleted) -> None:
        await self._tell("message_deleted", event, event.channel)

    async def _tell(self, what: str, event: object, channel: ChannelRef) -> None:
        for listener in self._by_kind[what]:
            await self._safe(listener(event), f"{what} in {channel.key}")
