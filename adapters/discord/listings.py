"""The server's Events tab (bot/surfaces.py `Listings`): each logoff event as an EXTERNAL guild
scheduled event, and the people marked "Interested" there read back as a count.

Part of `DiscordAdapter` (a mixin), so the adapter is a `Listings` as the core checks it.
Limits are checked before asking Discord, so a refusal says why in words; Discord's own
refusals (a missing permission, 100 events) become `DeliveryRefused` sentences too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Collection, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot.adapter import AdapterHost, DeliveryRefused
from bot.model import SpaceRef
from bot.render import truncate
from bot.surfaces import Listing

from .interest import ListingInterest
from .refs import refusals, refused_fields, refused_plainly
from .render import literal
from .settings import SETTING

if TYPE_CHECKING:
    from .gateway import LogoffClient

log = logging.getLogger(__name__)

NAME_MAX = LOCATION_MAX = 100
DESCRIPTION_MAX = 1000
# EXTERNAL events need a location of 1-100 characters; an event without a place gets this.
NO_PLACE = "See the event card"
MIN_LENGTH = timedelta(minutes=1)  # Discord refuses an end that is not after the start
# Discord echoes the start it was sent, to the microsecond; one set in its client is to the
# millisecond. Starts closer than this are the same start: nobody moves an event by less.
SAME_START = timedelta(seconds=1)
UNKNOWN_EVENT = 10070
FINISHED_EVENT = 180000
TOO_MANY_EVENTS = 30038
INVALID_FORM = 50035
JUMP = "https://discord.com/channels"  # a message's link, as Discord's "Copy Message Link" gives it
LIVE = (discord.EventStatus.scheduled.value, discord.EventStatus.active.value)
CANCELED = discord.EventStatus.canceled.value
ACTIVE = discord.EventStatus.active.value

NOT_MIRRORED = "Discord: this event is not mirrored into the server's Events tab"
NO_MANAGE_EVENTS = ("Discord: logoff lacks the Manage Events permission, so events are not mirrored into "
                    "this server's Events tab; give logoff's role Manage Events (then "
                    f"/config set key:{SETTING} value:on lists the events to come), or turn this off with "
                    f"/config set key:{SETTING} value:off")
TOO_MANY = ("Discord: this server already lists 100 upcoming events in its Events tab (Discord's limit), "
            "so this event is not mirrored there")
STARTED = f"{NOT_MIRRORED} because it has already started; Discord lists only events still to come"
ENDED = f"{NOT_MIRRORED} because it is over"
KEPT = "Discord: the server's Events tab still shows this event as it was; Discord refused the change"


def guild_of(space: SpaceRef) -> int | None:
    return int(space.id) if space.id.isdigit() else None


def iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat()


def marker_pattern(marker: str) -> re.Pattern[str]:
    # "logoff event #1" must not find the listing of "logoff event #12".
    return re.compile(re.escape(marker) + r"(?!\w)")


def start_refused(e: discord.HTTPException) -> bool:
    """Discord's 50035 Invalid Form Body naming only the start: what it says to a new start for
    a listing it has under way."""
    return e.status == 400 and e.code == INVALID_FORM and refused_fields(e) == ["scheduled_start_time"]


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class DiscordListings(ListingInterest):
    """Listings for `DiscordAdapter`; state set up by `_init_listings`."""

    platform: str
    bot: AdapterHost | None
    client: LogoffClient | None

    def _client(self) -> LogoffClient:
        raise NotImplementedError

    def _spawn(self, aw: Awaitable[Any]) -> None:
        raise NotImplementedError

    def _init_listings(self) -> None:
        # Held only while in use: the lock goes when the last caller for that event is done.
        self._listing_locks: weakref.WeakValueDictionary[tuple[int, str], asyncio.Lock] = \
            weakref.WeakValueDictionary()
        # Listings logoff deleted itself: their GUILD_SCHEDULED_EVENT_DELETE is no news.
        self._dropped: OrderedDict[str, None] = OrderedDict()
        self._recounting: set[str] = set()
        self._recount_again: set[str] = set()

    def _now(self) -> datetime:
        return self.bot.clock.now() if self.bot is not None else datetime.now(UTC)

    def _refusals(self) -> contextlib.AbstractContextManager[None]:
        return refusals(NO_MANAGE_EVENTS, NOT_MIRRORED, {TOO_MANY_EVENTS: TOO_MANY})

    # --- Listings -------------------------------------------------------------------------------

    async def put_listing(self, space: SpaceRef, listing: Listing, native_id: str | None) -> str | None:
        guild = guild_of(space)
        if guild is None or self.bot is None or not await self.bot.settings.get(space, SETTING):
            return None
        # Discord takes so many characters of name and of place: longer ones are listed cut (the card
        # has them whole) rather than leaving the listing behind with an old time or place.
        listing = replace(listing, title=truncate(listing.title, NAME_MAX),
                          place=truncate(listing.place.strip(), LOCATION_MAX))
        now = self._now()
        if listing.end <= now:
            raise DeliveryRefused(ENDED)
        # One at a time per event: two callers must not both find nothing and both create.
        key = (guild, listing.marker)
        lock = self._listing_locks.get(key)
        if lock is None:
            lock = self._listing_locks[key] = asyncio.Lock()
        async with lock:
            try:
                with self._refusals():
                    return await self._put(guild, listing, native_id, now)
            except discord.NotFound as e:  # the server itself is unknown: logoff was removed
                raise DeliveryRefused(refused_plainly(NOT_MIRRORED, e)) from e

    async def _put(self, guild: int, listing: Listing, native_id: str | None, now: datetime) -> str:
        if native_id is not None and await self._update(guild, native_id, listing, now):
            return native_id
        # No id, or it is gone: a listing made before a crash (POSTed, id never stored) is
        # found by its marker and adopted rather than duplicated.
        found = await self._find_listing(guild, listing.marker)
        if found is not None and await self._update(guild, found, listing, now):
            return found
        if listing.start <= now:
            raise DeliveryRefused(STARTED)
        data = await self._client().http.create_guild_scheduled_event(
            guild, **self._fields(listing, with_start=True),
            privacy_level=discord.PrivacyLevel.guild_only.value,
            entity_type=discord.EntityType.external.value)
        created = str(data["id"])
        # discord.py retries a 5xx, and one Discord answers after it made the listing makes a
        # second (a POST here has no idempotency key): any other of logoff's holding the marker
        # now is such a twin.
        for twin in await self._marked(guild, listing.marker):
            if twin != created:
                await self.drop_listing(SpaceRef(self.platform, str(guild)), twin)
        return created

    def _fields(self, listing: Listing, *, with_start: bool) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "name": listing.title,
            "description": clip(self._describe(listing), DESCRIPTION_MAX),  # the marker comes first
            "scheduled_end_time": iso(max(listing.end, listing.start + MIN_LENGTH)),
            "entity_metadata": {"location": listing.place.strip() or NO_PLACE},
        }
        if with_start:
            fields["scheduled_start_time"] = iso(listing.start)
        return fields

    def _describe(self, listing: Listing) -> str:
        """The core's text with a link to the card under its first line (the marker's), then
        the details as typed: an event's description renders markdown and mention tokens."""
        said = listing.description
        card = listing.card
        if card is not None and card.platform == self.platform and card.space_id:
            head, sep, rest = said.partition("\n")
            said = f"{head}\nCard: {JUMP}/{card.space_id}/{card.channel_id}/{card.id}{sep}{rest}"
        return f"{said}\n{literal(listing.details)}" if listing.details else said

    async def _update(self, guild: int, native_id: str, listing: Listing, now: datetime) -> bool:
        """PATCH keeps the listing's id and its Interested people. False: it is gone (deleted,
        cancelled or over), so a new one is due."""
        if not native_id.isdigit():
            return False
        # An event under way keeps its start: Discord refuses a start in the past.
        with_start = listing.start > now
        http = self._client().http
        try:
            await http.edit_scheduled_event(guild, int(native_id), **self._fields(listing, with_start=with_start))
        except discord.HTTPException as e:
            if e.code in (UNKNOWN_EVENT, FINISHED_EVENT):
                return False
            # Any other refusal (a field Discord would not take this time) leaves the listing and
            # its Interested people as they are: the next change tries again.
            if not (with_start and start_refused(e)):
                with refusals(NO_MANAGE_EVENTS, KEPT):
                    raise
            listed = await self._under_way(guild, native_id)
            if listed is None:
                raise
            if abs(listed - listing.start) < SAME_START:
                # Discord started it a moment before the bot's clock said so: the start it was
                # sent is the one it has, and the rest of the edit lands without it.
                await http.edit_scheduled_event(guild, int(native_id), **self._fields(listing, with_start=False))
                return True
            # Discord keeps the start of a listing under way: an event moved to another is listed
            # anew (its Interested people go with the old listing).
            log.info("Discord: listing %s is under way and keeps its start; listed anew", native_id)
            await self.drop_listing(SpaceRef(self.platform, str(guild)), native_id)
            return False
        return True

    async def _under_way(self, guild: int, native_id: str) -> datetime | None:
        """The start of the listing if Discord has it under way, else None."""
        try:
            data = await self._client().http.get_scheduled_event(guild, int(native_id), False)
        except discord.NotFound:
            return None
        if data.get("status") != ACTIVE:
            return None
        return datetime.fromisoformat(str(data["scheduled_start_time"]))

    async def _find_listing(self, guild: int, marker: str) -> str | None:
        return next(iter(await self._marked(guild, marker)), None)

    async def _marked(self, guild: int, *markers: str) -> list[str]:
        """logoff's live listings in the server whose description holds one of `markers`."""
        client = self._client()
        me = client.user.id if client.user else None
        patterns = [marker_pattern(m) for m in markers]
        return [str(ev["id"]) for ev in await client.http.get_scheduled_events(guild, False)
                if str(ev.get("creator_id")) == str(me) and ev.get("status") in LIVE
                and any(p.search(ev.get("description") or "") for p in patterns)]

    async def drop_marked(self, space: SpaceRef, markers: Collection[str]) -> None:
        guild = guild_of(space)
        if guild is None or not markers or self.bot is None or not await self.bot.settings.get(space, SETTING):
            return
        with self._refusals():
            found = await self._marked(guild, *markers)
        for native_id in found:  # one already gone (10070) counts as dropped
            await self.drop_listing(space, native_id)

    async def drop_listing(self, space: SpaceRef, native_id: str) -> None:
        guild = guild_of(space)
        if guild is None or not native_id.isdigit():
            return
        self._dropped[native_id] = None
        while len(self._dropped) > 1000:
            self._dropped.popitem(last=False)
        try:
            with self._refusals():
                await self._client().http.delete_scheduled_event(guild, int(native_id))
        except discord.NotFound:
            pass
        except BaseException:
            self._dropped.pop(native_id, None)
            raise

    async def listing_interest(self, space: SpaceRef, native_id: str) -> int | None:
        guild = guild_of(space)
        if guild is None or not native_id.isdigit():
            return None
        try:
            with self._refusals():
                data: Mapping[str, Any] = await self._client().http.get_scheduled_event(guild, int(native_id), True)
        except discord.NotFound:
            return None
        if data.get("status") == CANCELED:
            return None
        return int(data.get("user_count") or 0)
