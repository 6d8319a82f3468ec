"""Reaction events of one card, in the order Discord sent them.

discord.py runs each gateway event in a task of its own; one lane per message keeps a
user's add-then-remove (and a deletion after them) in order while other cards proceed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.adapter import AdapterHost
from bot.model import MessageRef, ReactionChanged

log = logging.getLogger(__name__)



@dataclass(frozen=True, slots=True)
class Reread:
    """Reactions of the card removed in bulk (no event per user): read them all again."""

    run: Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Early:
    """A reaction on a card the bot is still sending (seeding its reactions): the core tracks it
    once the send returns, so it waits for that, in the card's lane, while `awaited` says the
    card is still coming."""

    event: ReactionChanged
    awaited: Callable[[MessageRef], bool]


EARLY_POLL_S = 0.05
Item = ReactionChanged | MessageRef | Reread | Early  # a reaction, the card itself when it was deleted


class Lanes:
    def __init__(self, spawn: Callable[[Awaitable[Any]], None]) -> None:
        self._spawn = spawn
        self._lanes: dict[str, asyncio.Queue[Item]] = {}

    @property
    def busy(self) -> bool:
        return bool(self._lanes)

    def put(self, host: AdapterHost, message: MessageRef, item: Item) -> None:
        lane = self._lanes.get(message.key)
        if lane is None:
            lane = self._lanes[message.key] = asyncio.Queue()
            self._spawn(self._drain(host, message.key, lane))
        lane.put_nowait(item)

    async def _drain(self, host: AdapterHost, key: str, lane: asyncio.Queue[Item]) -> None:
        try:
            while not lane.empty():
                item = lane.get_nowait()
                try:
                    if isinstance(item, MessageRef):
                        await host.message_gone(item)
                    elif isinstance(item, Reread):
                        await item.run()
                    elif isinstance(item, Early):
                        # The core gives no signal when it tracks a card: polled, for a send's length.
                        while not host.is_tracked(item.event.message) and item.awaited(item.event.message):  # noqa: ASYNC110
                            await asyncio.sleep(EARLY_POLL_S)
                        if host.is_tracked(item.event.message):  # else not a card after all
                            await host.reaction_changed(item.event)
                    else:
                        await host.reaction_changed(item)
                except Exception:  # the next event of the card still gets its turn
                    log.exception("Discord: handling an event of %s failed", key)
        finally:
            if self._lanes.get(key) is lane:
                del self._lanes[key]
