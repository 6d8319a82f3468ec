"""Live cards: tallies and attendee lists re-rendered as people react.

A coalescing editor: at most one edit in flight per message, the trailing state always
rendered, and each channel's edits kept under its platform's rate (`Capabilities`),
so a storm of reactions gives a handful of edits and never a 429.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from .adapter import Adapter, DeliveryRefused, DestinationClosed
from .clock import Clock
from .model import MessageRef
from .render import Out

log = logging.getLogger(__name__)
# Edits reach the platform with some jitter after they leave: counted from when they are sent,
# a window of exactly edit_window_s let six land within five seconds as the server timed them
# (bench/bench_linked.py). A quarter second of slack keeps them within the platform's pace.
MARGIN_S = 0.25

Render = Callable[[], Awaitable[Out]]
Landed = Callable[[], Awaitable[None]]


class LiveCards:
    def __init__(self, adapters: Mapping[str, Adapter], clock: Clock) -> None:
        self.adapters = adapters
        self.clock = clock
        self._render: dict[str, tuple[MessageRef, Render]] = {}
        self._dirty: set[str] = set()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._window: dict[str, list[float]] = {}
        self._gone: set[str] = set()  # deleted on the platform while an edit was pending
        self._landed: dict[str, list[Landed]] = {}  # told once the card's latest state is on it
        self._closed = False
        self.edits = 0
        # Platforms whose adapter has not started yet: their cards' edits wait (a reconcile
        # on another platform at start may refresh a card shared with them).
        self._starting: dict[str, asyncio.Event] = {}

    def hold(self, platform: str) -> None:
        self._starting.setdefault(platform, asyncio.Event())

    def release(self, platform: str) -> None:
        gate = self._starting.pop(platform, None)
        if gate is not None:
            gate.set()

    def refresh(self, message: MessageRef, render: Render, landed: Landed | None = None) -> None:
        """Edit the card to what `render` gives, soon. `landed` is awaited once an edit rendered
        after this call is on the card (or the card is gone, or the platform refuses its edits
        for good); never if a stop comes first. Each call's `landed` is told: a cancel's
        (the card no longer live) and its check-in closing (the bot's 📍 off) wait for one edit."""
        if self._closed:
            return  # shutting down: the card is re-rendered on the next change after start
        self._render[message.key] = (message, render)
        if landed is not None:
            self._landed.setdefault(message.key, []).append(landed)
        self._dirty.add(message.key)
        if message.key not in self._tasks:
            self._tasks[message.key] = asyncio.create_task(self._run(message.key))

    @property
    def pending(self) -> int:
        """Cards with an edit waiting for their channel's pace or being sent."""
        return len(self._tasks)

    def drop(self, key: str) -> None:
        """The message is gone on the platform: no edit of it is sent from now on."""
        self._dirty.discard(key)
        if key in self._tasks:
            self._gone.add(key)

    async def _run(self, key: str) -> None:
        try:
            while key in self._dirty:
                self._dirty.discard(key)
                message, render = self._render[key]
                gate = self._starting.get(message.platform)
                if gate is not None:
                    await gate.wait()
                adapter = self.adapters.get(message.platform)
                if adapter is None:
                    return
                try:
                    # The slot is taken only after rendering, with no await before the edit
                    # starts, so a slow render (or another card's edit in the same channel
                    # meanwhile) cannot push an extra edit into the window.
                    while True:
                        await self._pace(message, adapter)
                        out = await render()
                        if self._take_slot(message, adapter):
                            break
                    if key in self._gone:
                        await self._tell_landed(key)
                        return
                    await adapter.edit(message, out)
                    self.edits += 1
                except DestinationClosed as e:
                    # For now (a thread archived): taken as landed, the card would keep this
                    # state for good; left live, its next change or the next start edits it.
                    log.info("live card %s cannot be edited for now: %s", key, e)
                    continue
                except DeliveryRefused as e:
                    # For good (the bot may no longer edit there): like a gone card, no later
                    # edit would land, and waiting for one would keep the card live for ever.
                    log.warning("live card %s cannot be edited: %s", key, e)
                    self._dirty.discard(key)
                    await self._tell_landed(key)
                    return
                except Exception:
                    log.exception("editing live card %s failed", key)
                    continue
                if key not in self._dirty:
                    await self._tell_landed(key)
        finally:
            self._tasks.pop(key, None)
            self._render.pop(key, None)
            self._gone.discard(key)
            # An edit that failed for now leaves who waits to the card's next edit that lands;
            # a stop, to the next start.
            if self._closed:
                self._landed.pop(key, None)

    async def _tell_landed(self, key: str) -> None:
        for landed in self._landed.pop(key, []):
            try:
                await landed()
            except Exception:
                log.exception("after the edit of live card %s", key)

    def _stamps(self, message: MessageRef, adapter: Adapter) -> list[float]:
        stamps = self._window.setdefault(f"{message.platform}:{message.channel_id}", [])
        now = self.clock.monotonic()
        while stamps and now - stamps[0] >= adapter.capabilities.edit_window_s + MARGIN_S:
            stamps.pop(0)
        return stamps

    async def _pace(self, message: MessageRef, adapter: Adapter) -> None:
        """Wait until the channel has room for one more edit in its window."""
        caps = adapter.capabilities
        if caps.edits_per_window <= 0:
            return
        while len(stamps := self._stamps(message, adapter)) >= caps.edits_per_window:
            wait = caps.edit_window_s + MARGIN_S - (self.clock.monotonic() - stamps[0])
            await self.clock.sleep(wait + 0.01)

    def _take_slot(self, message: MessageRef, adapter: Adapter) -> bool:
        limit = adapter.capabilities.edits_per_window
        if limit <= 0:
            return True
        stamps = self._stamps(message, adapter)
        if len(stamps) >= limit:
            return False
        stamps.append(self.clock.monotonic())
        return True

    async def idle(self) -> None:
        """Wait until every pending edit has been sent."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def close(self) -> None:
        self._closed = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._landed.clear()  # whoever waited learns of it at the next start
