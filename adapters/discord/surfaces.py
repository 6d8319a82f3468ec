"""Threads under an event's card and roles for those going (bot/surfaces.py `Threads`,
`Roles`), with the Events tab from `listings.py`: the native surfaces of `DiscordAdapter`.

Gone is fine everywhere (a moderator deleted the thread, the role, the member left); a
refusal becomes a `DeliveryRefused` naming the permission and what to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal

import discord

from bot.adapter import DeliveryRefused, DestinationGone
from bot.model import ChannelRef, MessageRef, SpaceRef, UserRef

from .listings import DiscordListings, guild_of
from .refs import refusals
from .renames import Attempt, Parked, Renames, later

# Discord archives a quiet thread after this many minutes; the longest it offers, since
# logoff archives the thread itself a day after the event.
THREAD_ARCHIVE_MINUTES: Literal[10080] = 10080
THREAD_NAME_MAX = ROLE_NAME_MAX = 100
THREAD_EXISTS = 160004
TOO_MANY_ROLES = 30005
UNKNOWN_ROLE = 10011
# "Cannot execute action on this channel type": the card is in a thread (a thread holds no
# thread) or a channel without threads, so the event has none of its own, which is no fault.
THREADLESS_CHANNEL = 50024
HOLDS_THREADS = (discord.ChannelType.text, discord.ChannelType.news)
# Discord allows a channel's name two changes in ten minutes and makes a third wait out the
# rest: the edit command that set a rename off (of a thread or a role) waits for it this many
# seconds at most, and the rename goes on after (renames.py); one to the name it has already is
# not sent.
RENAME_WAIT = 5.0

NO_THREADS = ("Discord: logoff lacks the Create Public Threads permission in the event's channel, so "
              "events get no thread; give logoff's role Create Public Threads and Send Messages in "
              "Threads there (then /config set key:events.thread value:on opens the missing ones), or "
              "turn this off with /config set key:events.thread value:off")
NO_ARCHIVE = ("Discord: logoff may not archive the event's thread (a moderator locked it?); give "
              "logoff's role Manage Threads, or archive it by hand")
NO_RENAME = ("Discord: logoff may not rename the event's thread (a moderator locked it?); give logoff's "
             "role Manage Threads, or rename it by hand")
CARD_GONE = "Discord: the event's card was deleted, so no thread was opened under it"
NO_ROLES = ("Discord: logoff lacks the Manage Roles permission, or its own role is not above the event "
            "roles, so events get no role; give logoff's role Manage Roles and keep it above the roles "
            "it makes (then /config set key:events.role value:on catches the roles up), or turn this off "
            "with /config set key:events.role value:off")
ROLE_GONE = "Discord: the event's role was deleted"
ROLES_FULL = "Discord: this server has 250 roles (Discord's limit), so this event gets no role"


MARKER = re.compile(r" #\d+$")  # the event's id at the end of a name, as on its card


def one_line(name: str, limit: int) -> str:
    """A thread's or role's name on one line within `limit`; a long title is cut before the
    id marker, which stays."""
    flat = " ".join(name.split())
    if len(flat) > limit:
        m = MARKER.search(flat)
        tail = m.group(0) if m else ""
        flat = flat[: max(0, limit - len(tail) - 1)].rstrip() + "…" + tail
    return flat or "event"


class DiscordSurfaces(DiscordListings):
    """Listings, Threads and Roles for `DiscordAdapter`."""

    _tasks: set[asyncio.Task[Any]]

    def _init_listings(self) -> None:
        super()._init_listings()
        self._renames = Renames(self._tasks)

    # --- Threads -------------------------------------------------------------------------------

    async def open_thread(self, message: MessageRef, name: str) -> ChannelRef | None:
        if not self._holds_threads(message.channel_id):
            return None
        http = self._client().http
        try:
            with refusals(NO_THREADS, "Discord: no thread was opened for this event"):
                try:
                    data = await http.start_thread_with_message(
                        int(message.channel_id), int(message.id), name=one_line(name, THREAD_NAME_MAX),
                        auto_archive_duration=THREAD_ARCHIVE_MINUTES)
                except discord.HTTPException as e:
                    if e.code == THREADLESS_CHANNEL:
                        return None
                    if e.code != THREAD_EXISTS:
                        raise
                    # Opened before (a retry after a crash): a message's thread has its id.
                    return ChannelRef(self.platform, message.id, message.space_id)
        except discord.NotFound as e:
            raise DeliveryRefused(CARD_GONE) from e
        return ChannelRef(self.platform, str(data["id"]), message.space_id)

    def _holds_threads(self, channel_id: str) -> bool:
        """Whether a card in this channel can have a thread, by the channel's type when the
        gateway told it; not known is asked (Discord's 50024 answers the same)."""
        known = self._client().get_channel(int(channel_id)) if channel_id.isdigit() else None
        return known is None or getattr(known, "type", None) in HOLDS_THREADS

    async def close_thread(self, thread: ChannelRef) -> None:
        # A moderator who locks a thread archives it too, and then only Manage Threads may
        # touch it: archived already is done, not a refusal to tell anyone about.
        if thread.id.isdigit():
            await self._renames.forget(f"thread:{thread.id}")
            await self._edit_thread(thread, NO_ARCHIVE, "Discord: the event's thread stays open",
                                    self._client().http.edit_channel(int(thread.id), archived=True))

    async def rename_thread(self, thread: ChannelRef, name: str) -> None:
        if thread.id.isdigit():
            await self._renames.rename(f"thread:{thread.id}", one_line(name, THREAD_NAME_MAX),
                                       functools.partial(self._rename_thread, int(thread.id)), RENAME_WAIT,
                                       thread.space_id)

    async def _rename_thread(self, thread_id: int, name: str) -> None:
        http = self._client().http
        try:
            with contextlib.suppress(discord.NotFound), refusals(NO_RENAME, "Discord: the event's thread keeps its name"), \
                    later():
                await _unless_named(http.get_channel(thread_id), name, lambda: http.edit_channel(thread_id, name=name))
        except DeliveryRefused:
            # Archived (by Discord after a quiet while, or locked by a moderator): renamed once
            # it is open again, which a locked one is only by hand.
            if await self._archived(thread_id):
                raise Parked from None
            raise

    async def _resume_renames(self, serves: Callable[[str], bool]) -> None:
        """The renames a stop left (of this process's servers) go on."""
        store = self._renames.store
        if store is None:
            return
        pending: list[tuple[str, str, Attempt]] = []
        for key, space, name in await store.pending():
            kind, _, ids = key.partition(":")
            first, _, second = ids.partition(":")
            if not serves(space):
                continue
            if kind == "thread" and first.isdigit():
                pending.append((key, name, functools.partial(self._rename_thread, int(first))))
            elif kind == "role" and first.isdigit() and second.isdigit():
                pending.append((key, name, functools.partial(self._rename_role, int(first), int(second))))
        self._renames.resume(pending)

    def _thread_open(self, thread_id: str) -> None:
        self._renames.reopened(f"thread:{thread_id}")

    async def _edit_thread(self, thread: ChannelRef, forbidden: str, refused: str, edit: Awaitable[Any]) -> None:
        try:
            with contextlib.suppress(discord.NotFound), refusals(forbidden, refused):
                await edit
        except DeliveryRefused:
            if not await self._archived(int(thread.id)):
                raise

    async def _archived(self, thread_id: int) -> bool:
        try:
            data: Mapping[str, Any] = await self._client().http.get_channel(thread_id)
        except discord.NotFound:
            return True
        return bool((data.get("thread_metadata") or {}).get("archived"))

    # --- Roles ---------------------------------------------------------------------------------

    def _guild(self, space: SpaceRef) -> int:
        guild = guild_of(space)
        if guild is None:
            raise DeliveryRefused("Discord: roles exist only in a server")
        return guild

    async def make_role(self, space: SpaceRef, name: str) -> str:
        guild = self._guild(space)
        with refusals(NO_ROLES, "Discord: no role was made for this event", {TOO_MANY_ROLES: ROLES_FULL}):
            # No permissions of its own, and not mentionable by members: only logoff (with
            # Mention Everyone) can ping it.
            data = await self._client().http.create_role(
                guild, name=one_line(name, ROLE_NAME_MAX), permissions="0", mentionable=False, hoist=False)
        return str(data["id"])

    async def set_role(self, space: SpaceRef, role_id: str, user: UserRef, member: bool) -> None:
        guild = self._guild(space)
        if user.platform != self.platform or not user.id.isdigit() or not role_id.isdigit():
            return
        http = self._client().http
        change = http.add_role if member else http.remove_role
        try:
            with refusals(NO_ROLES, "Discord: the event's role was not changed"):
                await change(guild, int(user.id), int(role_id))
        except discord.NotFound as e:
            if e.code == UNKNOWN_ROLE:
                raise DestinationGone(ROLE_GONE) from e
            # Unknown member (left the server): nothing to change.

    async def rename_role(self, space: SpaceRef, role_id: str, name: str) -> None:
        guild = self._guild(space)
        if not role_id.isdigit():
            return
        await self._renames.rename(f"role:{guild}:{role_id}", one_line(name, ROLE_NAME_MAX),
                                   functools.partial(self._rename_role, guild, int(role_id)), RENAME_WAIT,
                                   str(guild))

    async def _rename_role(self, guild: int, role_id: int, name: str) -> None:
        http = self._client().http
        with contextlib.suppress(discord.NotFound), refusals(NO_ROLES, "Discord: the event's role keeps its name"), \
                later():
            await _unless_named(http.get_role(guild, role_id), name, lambda: http.edit_role(guild, role_id, name=name))

    async def drop_role(self, space: SpaceRef, role_id: str) -> None:
        guild = self._guild(space)
        if not role_id.isdigit():
            return
        await self._renames.forget(f"role:{guild}:{role_id}")
        with contextlib.suppress(discord.NotFound), refusals(NO_ROLES, "Discord: the event's role was not deleted"):
            await self._client().http.delete_role(guild, int(role_id))


async def _unless_named(current: Awaitable[Mapping[str, Any]], name: str,
                        rename: Callable[[], Awaitable[Any]]) -> None:
    """Rename, unless it has the name already (an edit that gave the same title): Discord
    counts every rename against the channel's few. Not known (the look refused): renamed."""
    try:
        if (await current).get("name") == name:
            return
    except discord.HTTPException:
        pass
    await rename()
