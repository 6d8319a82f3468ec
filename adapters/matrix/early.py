"""Reactions and native poll responses on the bot's own card that is not tracked yet (a part
of MatrixAdapter, with handlers.py): the core tracks a card once its send returns, its
reactions seeded and its native poll started, and people vote as soon as it shows. Each is
held, in the room's lane and in the order it came, until its card is tracked, or dropped
after a grace if it never is (not a card after all). A response is held only where its poll
start is the bot's own in the same room, so one naming it from another room holds nothing."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from functools import partial

from bot.adapter import AdapterHost
from bot.model import MessageRef

from . import inbound
from .polls import NativePolls
from .rooms import PLATFORM
from .sync import Syncer

EARLY_KEPT, EARLY_FOR_S, EARLY_POLL_S = 1000, 60.0, 0.2

Held = inbound.Reaction | inbound.PollResponse


class EarlyEvents:
    # Event id -> (room, the event, what it is, when it came).
    _early: OrderedDict[str, tuple[str, inbound.Envelope, Held, float]]
    _early_task: asyncio.Task[None] | None
    polls: NativePolls
    syncer: Syncer

    def _bot(self) -> AdapterHost:
        raise NotImplementedError

    async def _on_reaction(self, room_id: str, ev: inbound.Envelope, reaction: inbound.Reaction,
                           released: bool = False) -> None:
        raise NotImplementedError

    async def _on_poll_response(self, room_id: str, ev: inbound.Envelope,
                                response: inbound.PollResponse, released: bool = False) -> None:
        raise NotImplementedError

    def _hold(self, room_id: str, ev: inbound.Envelope, item: Held) -> None:
        self._early[ev.event_id] = (room_id, ev, item, time.monotonic())
        while len(self._early) > EARLY_KEPT:
            self._early.popitem(last=False)
        if self._early_task is None or self._early_task.done():
            self._early_task = asyncio.create_task(self._watch_early())

    async def _before(self, room_id: str, released: bool) -> None:
        """An event of a tracked card comes after what is held in its room and ready now (its
        card tracked since the lane's last look), not before it."""
        if not released and any(room == room_id for room, *_ in self._early.values()):
            await self._handle_early(room_id)

    async def _watch_early(self) -> None:
        """Until the held events are handled or given up: a quiet room sends no next batch."""
        while self._early:
            await asyncio.sleep(EARLY_POLL_S)
            # In each room's lane, in turn with its events; a slow room holds up only its own.
            await asyncio.gather(*(self.syncer.lanes.run_in(room_id, partial(self._handle_early, room_id))
                                   for room_id in {room for room, *_ in self._early.values()}))

    async def _handle_early(self, room: str) -> None:
        """The held events of `room` whose card is tracked now, in the order they came."""
        if not self._early:
            return
        now = time.monotonic()
        for event_id, (room_id, ev, item, at) in list(self._early.items()):
            if room_id != room or event_id not in self._early:
                continue
            if await self._ready(room_id, item):
                self._early.pop(event_id, None)
                if isinstance(item, inbound.Reaction):
                    await self._on_reaction(room_id, ev, item, released=True)
                else:
                    await self._on_poll_response(room_id, ev, item, released=True)
            elif now - at > EARLY_FOR_S:  # not a card after all
                self._early.pop(event_id, None)

    async def _ready(self, room_id: str, item: Held) -> bool:
        if isinstance(item, inbound.Reaction):
            card = item.target
        else:
            poll = await self.polls.poll_for(room_id, item)
            if poll is None:  # not stored yet: its card is still being sent
                return not await self.polls.awaited(room_id, item.start)
            card = poll.card_id
        return self._bot().is_tracked(MessageRef(PLATFORM, room_id, card, room_id))
