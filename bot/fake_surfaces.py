"""A FakeAdapter with native surfaces (bot/surfaces.py) kept in memory, for tests: an
event list with "interested" people, threads, roles. `refuse[surface] = sentence` makes
that surface refuse like a platform without the permission; `deleted_by_hand` removes a
listing the way a moderator would on the platform."""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from .adapter import Capabilities, DeliveryRefused, DestinationGone
from .model import ChannelRef, MessageRef, SpaceRef, UserRef
from .surfaces import Listing
from .testing import FakeAdapter

ALL = Capabilities(buttons=True, ephemeral=True, edits_per_window=0, direct_messages=True,
                   listings=True, threads=True, roles=True)


def marker_pattern(marker: str) -> re.Pattern[str]:
    return re.compile(re.escape(marker) + r"(?!\w)")


@dataclass
class FakeListing:
    listing: Listing
    space: str = ""  # the key of the space it is listed in: a platform looks in one space at a time
    interested: set[str] = field(default_factory=set)
    updates: int = 0


class SurfacesFakeAdapter(FakeAdapter):
    def __init__(self, platform: str = "fake", *, space: str = "space1", channel: str = "general",
                 capabilities: Capabilities | None = None) -> None:
        super().__init__(platform, space=space, channel=channel, capabilities=capabilities or ALL)
        self.listed: dict[str, FakeListing] = {}
        self.threads_open: dict[str, str] = {}  # thread id -> name (archived ones leave)
        self.threads_closed: dict[str, str] = {}
        self.role_names: dict[str, str] = {}
        self.role_members: dict[str, set[str]] = {}
        self.refuse: dict[str, str] = {}  # "listing" | "thread" | "role" -> the platform's sentence
        self.listing_off: set[str] = set()  # space ids whose listing setting is off
        self.calls: list[str] = []
        self._native_ids = itertools.count(1000)

    def _check(self, surface: str) -> None:
        if surface in self.refuse:
            raise DeliveryRefused(self.refuse[surface])

    # --- Listings --------------------------------------------------------------------------

    async def put_listing(self, space: SpaceRef, listing: Listing, native_id: str | None) -> str | None:
        self.calls.append(f"put {native_id}")
        if space.id in self.listing_off:
            return None
        self._check("listing")
        if native_id is None:  # adopted by its marker, as a whole word: "#1" is not "#12"'s
            marked = marker_pattern(listing.marker)
            native_id = next((i for i, f in self.listed.items()
                              if f.space == space.key and marked.search(f.listing.description)), None)
        if native_id is not None and native_id in self.listed:
            found = self.listed[native_id]
            found.listing, found.updates = listing, found.updates + 1
            return native_id
        new = str(next(self._native_ids))
        self.listed[new] = FakeListing(listing, space.key)
        return new

    async def drop_listing(self, space: SpaceRef, native_id: str) -> None:
        self.calls.append(f"drop {native_id}")
        self._check("listing")
        self.listed.pop(native_id, None)

    async def drop_marked(self, space: SpaceRef, markers: Collection[str]) -> None:
        self.calls.append(f"drop marked {' '.join(sorted(markers))}")
        if space.id in self.listing_off:
            return
        self._check("listing")
        patterns = [marker_pattern(m) for m in markers]
        for native_id in [i for i, f in self.listed.items()
                          if f.space == space.key and any(p.search(f.listing.description) for p in patterns)]:
            del self.listed[native_id]

    async def listing_interest(self, space: SpaceRef, native_id: str) -> int | None:
        found = self.listed.get(native_id)
        return len(found.interested) if found else None

    async def mark_interested(self, native_id: str, user: str, interested: bool = True) -> None:
        found = self.listed[native_id]
        (found.interested.add if interested else found.interested.discard)(user)
        assert self.bot is not None
        await self.bot.listing_interest_changed(SpaceRef(self.platform, self.space_id), native_id,
                                                len(found.interested))

    async def deleted_by_hand(self, native_id: str, *, tell: bool = True) -> None:
        self.listed.pop(native_id)
        if tell:
            assert self.bot is not None
            await self.bot.listing_interest_changed(SpaceRef(self.platform, self.space_id), native_id, None)

    # --- Threads ---------------------------------------------------------------------------

    async def open_thread(self, message: MessageRef, name: str) -> ChannelRef:
        self._check("thread")
        thread_id = f"thread-{message.id}"
        self.threads_open[thread_id] = name
        return ChannelRef(self.platform, thread_id, message.space_id)

    async def close_thread(self, thread: ChannelRef) -> None:
        self._check("thread")
        if thread.id in self.threads_open:
            self.threads_closed[thread.id] = self.threads_open.pop(thread.id)

    async def rename_thread(self, thread: ChannelRef, name: str) -> None:
        self._check("thread")
        for threads in (self.threads_open, self.threads_closed):
            if thread.id in threads:
                threads[thread.id] = name

    # --- Roles -----------------------------------------------------------------------------

    async def make_role(self, space: SpaceRef, name: str) -> str:
        self._check("role")
        role_id = f"role-{next(self._native_ids)}"
        self.role_names[role_id] = name
        self.role_members[role_id] = set()
        return role_id

    async def set_role(self, space: SpaceRef, role_id: str, user: UserRef, member: bool) -> None:
        self._check("role")
        members = self.role_members.get(role_id)
        if members is None:
            raise DestinationGone("the role was deleted")
        (members.add if member else members.discard)(user.id)

    async def drop_role(self, space: SpaceRef, role_id: str) -> None:
        self._check("role")
        self.role_names.pop(role_id, None)
        self.role_members.pop(role_id, None)

    async def rename_role(self, space: SpaceRef, role_id: str, name: str) -> None:
        self._check("role")
        if role_id in self.role_names:
            self.role_names[role_id] = name
