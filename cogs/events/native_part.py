"""What the parts of `NativeSurfaces` (its mixins: `native_listings.py`, `native_roles.py`)
share: the words they speak in, and the calls on the platform that `NativeSurfaces` makes for
all of them, declared once so the parts and the class that provides them change together."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from bot.bidi import isolate
from bot.cog import CogHost
from bot.model import ChannelRef, SpaceRef

from .repo import Event

if TYPE_CHECKING:
    from .cog import EventsCog

T = TypeVar("T")


class Failed:
    """What `_call` gives back when the platform refused or failed (None can be an answer)."""


FAILED = Failed()


def surface_name(event: Event) -> str:
    """What the event's thread and role are called: its title and number, as on its card (the
    title isolated, so an override in it does not turn the number)."""
    return f"{isolate(event.title)} #{event.id}"


@dataclass(frozen=True, slots=True)
class Place:
    """A space the event is in, and the channel of its card there (where a refusal is said)."""

    space: SpaceRef
    channel: ChannelRef


class NativePart:
    cog: EventsCog
    bot: CogHost

    # --- what NativeSurfaces provides ------------------------------------------------------------

    async def _try(self, event: Event, surface: str, call: Awaitable[None], where: Place | None = None) -> bool:
        raise NotImplementedError

    async def _call(self, event: Event, surface: str, call: Awaitable[T],
                    where: Place | None = None) -> T | Failed:
        raise NotImplementedError

    async def _fine(self, space: SpaceRef, surface: str) -> None:
        raise NotImplementedError
