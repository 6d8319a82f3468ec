"""Native surfaces a platform may offer beyond messages: its own list of events (a calendar
tab), a thread under a message, and roles the bot hands out. An adapter that has one says so
in its `Capabilities` (`listings`, `threads`, `roles`) and implements the matching protocol;
features reach them only through the bot (`listings`, `threads`, `roles` of CogHost), never by
importing an adapter.

Every method raises `DeliveryRefused` with a sentence for moderators when the platform
refuses (a missing permission, a platform limit): the caller says it once and carries on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from .model import ChannelRef, MessageRef, SpaceRef, UserRef


@dataclass(frozen=True, slots=True)
class Listing:
    """An event as the platform's own event list shows it. `marker` is unique to the event
    and appears in `description`, so an adapter can find a listing it made before a crash.
    `description` is the bot's own words (its links stay links); `details` is what a person
    typed, shown after it as text: a platform whose event list renders markup escapes it."""

    marker: str
    title: str
    start: datetime
    end: datetime
    place: str
    description: str
    card: MessageRef | None = None  # the event's card, which the listing may link to
    details: str = ""


@runtime_checkable
class Listings(Protocol):
    async def put_listing(self, space: SpaceRef, listing: Listing, native_id: str | None) -> str | None:
        """Create the listing, or update `native_id`'s (making a new one if it is gone).
        Returns its id, or None when this space does not list events (its setting is off)."""

    async def drop_listing(self, space: SpaceRef, native_id: str) -> None:
        """Remove or cancel the listing; gone already is fine."""

    async def drop_marked(self, space: SpaceRef, markers: Collection[str]) -> None:
        """Remove the bot's listings in `space` whose description holds one of `markers` (as a
        whole word, the way `put_listing` adopts one): a listing made whose answer was lost has
        no id to drop it by. One lookup serves all `markers`; none found is fine, and a space
        that does not list events (its setting is off) is not asked."""

    async def listing_interest(self, space: SpaceRef, native_id: str) -> int | None:
        """How many people marked the listing as interesting; None if it is gone."""


@runtime_checkable
class Threads(Protocol):
    async def open_thread(self, message: MessageRef, name: str) -> ChannelRef | None:
        """A thread under `message` (the event's card) for its discussion; None when the card's
        channel holds no threads (it is a thread itself): the event has none, nothing to tell."""

    async def close_thread(self, thread: ChannelRef) -> None:
        """Archive it (people can still read it); gone already is fine."""

    async def rename_thread(self, thread: ChannelRef, name: str) -> None:
        """The event's new title; gone already is fine."""


@runtime_checkable
class Roles(Protocol):
    async def make_role(self, space: SpaceRef, name: str) -> str:
        """A new role only the bot can mention; returns its id."""

    async def set_role(self, space: SpaceRef, role_id: str, user: UserRef, member: bool) -> None:
        """Give `user` the role or take it away; unknown users are fine. `DestinationGone`:
        the role is no more (deleted by hand), so nothing more is asked of it."""

    async def drop_role(self, space: SpaceRef, role_id: str) -> None:
        """Delete the role (everyone loses it); gone already is fine."""

    async def rename_role(self, space: SpaceRef, role_id: str, name: str) -> None:
        """The event's new title; gone already is fine."""


class SurfaceHost(Protocol):
    """What an adapter tells the core about its native surfaces."""

    async def listing_interest_changed(self, space: SpaceRef, native_id: str, count: int | None) -> None:
        """People marked (or unmarked) a listing as interesting; None: the listing is gone
        (deleted by hand), so the feature may list the event again."""


InterestHandler = Callable[[SpaceRef, str, "int | None"], Awaitable[None]]
