"""The zones of the spaces linked with a channel, whose letters its people read too.

Linked spaces (PRODUCT.md "Linked spaces") are one community: a card made in a Manila space
shows PST meaning UTC+8, and its people paste it into the linked space, whose zone may be
Europe/Berlin, where PST otherwise means the US Pacific. So letters two zones of the linked
spaces use with different meanings are refused with both (bot/timezones.py `letters`). The
core asks the feature that links channels (`LinkedChannels`, which it provides) once per
command, and the times the command reads are read with those zones (`reading_with`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from zoneinfo import ZoneInfo

from .model import ChannelRef


class LinkedChannels:
    """What a feature linking channels across platforms offers the core
    (`bot.provide(LinkedChannels, …)`); a nominal base for the registry."""

    async def linked(self, channel: ChannelRef) -> list[ChannelRef]:
        """The channels linked with `channel` now (without it); [] when it is not linked."""
        raise NotImplementedError


_LINKED: ContextVar[tuple[ZoneInfo, ...]] = ContextVar("zones_of_linked_spaces", default=())


@contextmanager
def reading_with(zones: Iterable[ZoneInfo]) -> Iterator[None]:
    """Times read within this (one command) are read knowing the linked spaces' zones."""
    token = _LINKED.set(tuple(zones))
    try:
        yield
    finally:
        _LINKED.reset(token)


def linked_zones() -> tuple[ZoneInfo, ...]:
    return _LINKED.get()
