"""Threads under a message, in the fake: a public thread (type 11) started from a message has
the message's id, at most one per message (160004); it lives under its channel's permissions
(Create Public Threads to start, Send Messages in Threads to post); a message into an archived
thread reopens it unless locked, and any other change to an archived thread is refused (400
50083) unless the same request reopens it. Gateway: THREAD_CREATE/UPDATE/DELETE (GUILDS intent).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .wire import (
    CREATE_PUBLIC_THREADS,
    INTENT_GUILDS,
    JSON,
    MANAGE_THREADS,
    THREAD_TYPES,
    VIEW_CHANNEL,
    bad_length,
    error,
    invalid_form,
    json_response,
    missing_permissions,
    now_iso,
)

if TYPE_CHECKING:
    from .server import FakeDiscord

Route = Callable[[str, str, Callable[..., Awaitable[web.Response]]], None]

ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)


class Threads:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    def routes(self, r: Route) -> None:
        r("POST", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)/threads", self._start)
        r("PATCH", r"/channels/(?P<channel>\d+)", self._patch)
        r("GET", r"/channels/(?P<channel>\d+)", self._get)

    def active(self, guild_id: int) -> list[JSON]:
        """What GUILD_CREATE lists under `threads`."""
        return [ch for ch in self.fake.channels.values()
                if ch.get("type") in THREAD_TYPES and ch["guild_id"] == str(guild_id)
                and not ch["thread_metadata"]["archived"]]

    def of_channel(self, channel_id: int) -> list[JSON]:
        return [ch for ch in self.fake.channels.values()
                if ch.get("type") in THREAD_TYPES and ch["parent_id"] == str(channel_id)]

    async def _start(self, request: web.Request, body: JSON, channel: str, message: str) -> web.Response:
        parent = self.fake.channels.get(int(channel))
        if parent is None:
            return error(404, 10003, "Unknown Channel")
        if parent.get("type") not in (0, 5):
            return error(400, 50024, "Cannot execute action on this channel type")
        if self.fake._find_message(channel, message) is None:
            return error(404, 10008, "Unknown Message")
        if int(message) in self.fake.channels:
            return error(400, 160004, "A thread has already been created for this message")
        perms = self.fake.permissions(int(channel), self.fake.bot_id)
        if perms & (VIEW_CHANNEL | CREATE_PUBLIC_THREADS) != VIEW_CHANNEL | CREATE_PUBLIC_THREADS:
            return missing_permissions()
        name = str(body.get("name") or "")
        if not 1 <= len(name) <= 100:
            return bad_length("name", 1, 100)
        duration = body.get("auto_archive_duration", 4320)
        if duration not in ARCHIVE_DURATIONS:
            return invalid_form("auto_archive_duration", "BASE_TYPE_CHOICES",
                                f"Value must be one of {set(ARCHIVE_DURATIONS)}.")
        thread: JSON = {
            "id": message, "type": 11, "guild_id": parent["guild_id"], "parent_id": channel,
            "owner_id": str(self.fake.bot_id), "name": name, "last_message_id": None,
            "message_count": 0, "member_count": 1, "total_message_sent": 0, "rate_limit_per_user": 0,
            "flags": 0,
            "thread_metadata": {"archived": False, "auto_archive_duration": duration,
                                "archive_timestamp": now_iso(), "locked": False,
                                "create_timestamp": now_iso()},
        }
        self.fake.channels[int(message)] = thread
        self.fake.dispatch("THREAD_CREATE", {**thread, "newly_created": True}, INTENT_GUILDS)
        return json_response(thread)

    async def _get(self, request: web.Request, body: Any, channel: str) -> web.Response:
        ch = self.fake.channels.get(int(channel))
        if ch is None:
            return error(404, 10003, "Unknown Channel")
        if not self.fake.permissions(int(channel), self.fake.bot_id) & VIEW_CHANNEL:
            return error(403, 50001, "Missing Access")
        return json_response(ch)

    async def _patch(self, request: web.Request, body: JSON, channel: str) -> web.Response:
        ch = self.fake.channels.get(int(channel))
        if ch is None:
            return error(404, 10003, "Unknown Channel")
        if ch.get("type") not in THREAD_TYPES:
            self.fake.unhandled.append(f"PATCH /channels/{channel} (not a thread)")
            return error(400, 0, "the fake edits only threads")
        unknown = set(body) - {"archived", "locked", "name", "auto_archive_duration"}
        if unknown:
            self.fake.unhandled.append(f"PATCH thread fields {sorted(unknown)}")
        # The thread's creator may archive it, rename it, change its archive time; the rest
        # (locking, others' threads) needs Manage Threads.
        own = ch["owner_id"] == str(self.fake.bot_id) and "locked" not in body
        if not own and not self.fake.permissions(int(channel), self.fake.bot_id) & MANAGE_THREADS:
            return missing_permissions()
        meta = ch["thread_metadata"]
        if meta["locked"] and not self.fake.permissions(int(channel), self.fake.bot_id) & MANAGE_THREADS:
            return missing_permissions()
        if meta["archived"] and body.get("archived") is not False:
            return error(400, 50083, "Thread is archived")
        if "name" in body:
            if not 1 <= len(str(body["name"] or "")) <= 100:
                return bad_length("name", 1, 100)
            ch["name"] = body["name"]
        for key in ("archived", "locked", "auto_archive_duration"):
            if key in body:
                meta[key] = body[key]
        meta["archive_timestamp"] = now_iso()
        self.fake.dispatch("THREAD_UPDATE", ch, INTENT_GUILDS)
        return json_response(ch)

    def reopen(self, thread: JSON) -> web.Response | None:
        """A message into an archived thread reopens it; into a locked one, it is refused."""
        meta = thread["thread_metadata"]
        if meta["archived"]:
            if meta["locked"]:
                return error(400, 50083, "Thread is archived")
            meta["archived"] = False
            self.fake.dispatch("THREAD_UPDATE", thread, INTENT_GUILDS)
        return None

    def archive_for_quiet(self, thread_id: int) -> None:
        """Discord archives a thread nobody wrote in for its auto-archive duration (not locked:
        a message in it reopens it)."""
        thread = self.fake.channels[thread_id]
        thread["thread_metadata"].update(archived=True, archive_timestamp=now_iso())
        self.fake.dispatch("THREAD_UPDATE", thread, INTENT_GUILDS)

    def lock_by_hand(self, thread_id: int) -> None:
        """A moderator archives and locks the thread: only Manage Threads may touch it now."""
        thread = self.fake.channels[thread_id]
        thread["thread_metadata"].update(archived=True, locked=True, archive_timestamp=now_iso())
        self.fake.dispatch("THREAD_UPDATE", thread, INTENT_GUILDS)

    def delete_by_hand(self, thread_id: int) -> None:
        """A moderator deletes the thread."""
        ch = self.fake.channels.pop(thread_id)
        self.fake.dispatch("THREAD_DELETE", {"id": ch["id"], "guild_id": ch["guild_id"],
                                             "parent_id": ch["parent_id"], "type": ch["type"]}, INTENT_GUILDS)
