"""The people marked "Interested" in logoff's listings (listings.py), as the gateway tells of
them, and listings deleted by hand: what the core hears of them."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Mapping
from typing import TYPE_CHECKING, Any

import discord

from bot.adapter import AdapterHost
from bot.model import SpaceRef

from .refs import space_of

if TYPE_CHECKING:
    from .gateway import LogoffClient

log = logging.getLogger(__name__)


class ListingInterest:
    """The gateway's side of `DiscordListings`."""

    platform: str
    bot: AdapterHost | None
    client: LogoffClient | None
    # Listings logoff deleted itself: their GUILD_SCHEDULED_EVENT_DELETE is no news.
    _dropped: OrderedDict[str, None]
    _recounting: set[str]
    _recount_again: set[str]

    def _spawn(self, aw: Awaitable[Any]) -> None:
        raise NotImplementedError

    async def listing_interest(self, space: SpaceRef, native_id: str) -> int | None:
        raise NotImplementedError


    def _on_listing_interest(self, data: Mapping[str, Any]) -> None:
        """GUILD_SCHEDULED_EVENT_USER_ADD/REMOVE, read raw (discord.py drops them for members it
        has not cached). The payload has no count, so the count is read from Discord."""
        guild, event = str(data.get("guild_id") or ""), str(data.get("guild_scheduled_event_id") or "")
        if not (guild.isdigit() and event.isdigit()) or self._foreign(int(guild), int(event)):
            return
        self._spawn(self._recount(guild, event))

    def _foreign(self, guild_id: int, event_id: int) -> bool:
        """An event someone else listed (as far as discord.py's cache knows): not ours to count."""
        client = self.client
        guild = client.get_guild(guild_id) if client is not None else None
        ev = guild.get_scheduled_event(event_id) if guild is not None else None
        me = client.user.id if client is not None and client.user is not None else None
        return ev is not None and ev.creator_id != me

    async def _recount(self, guild: str, event: str) -> None:
        # A burst of clicks costs one request in flight and at most one more after it.
        if event in self._recounting:
            self._recount_again.add(event)
            return
        self._recounting.add(event)
        space = SpaceRef(self.platform, guild)
        try:
            while True:
                self._recount_again.discard(event)
                count = await self.listing_interest(space, event)
                # Gone: its DELETE says so (or it was logoff's own drop); nothing to count.
                if count is not None and self.bot is not None:
                    await self.bot.listing_interest_changed(space, event, count)
                if event not in self._recount_again:
                    return
        except Exception as e:  # a spawned task: the next click, or the reconcile at start, recounts
            log.warning("Discord: could not count who is interested in event %s: %s", event, e)
        finally:
            self._recounting.discard(event)

    def _on_listing_gone(self, ev: discord.ScheduledEvent, was: discord.EventStatus) -> None:
        """A listing deleted or cancelled: if by hand, and it was logoff's and still to come, the
        core may list the event again. Not for logoff's own drops, nor under way or over."""
        client = self.client
        if str(ev.id) in self._dropped:
            del self._dropped[str(ev.id)]
            return
        if client is None or client.user is None or self.bot is None:
            return
        if ev.creator_id != client.user.id or was is not discord.EventStatus.scheduled:
            return
        self._spawn(self.bot.listing_interest_changed(SpaceRef(self.platform, space_of(ev.guild_id)),
                                                      str(ev.id), None))
