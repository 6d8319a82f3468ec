"""Which platforms are still starting, and who hears when one has finished: the first reading of
a platform's live cards since this process started is what a cog may wait for (a promotion held
for someone there, cogs/events/held.py), also for cards that reading did not reach."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from .adapter import Adapter

log = logging.getLogger(__name__)
StartedListener = Callable[[str], Awaitable[None]]


class StartWatch:
    adapters: dict[str, Adapter]

    def __init__(self) -> None:
        self._read_at_start: set[str] = set()  # platforms whose adapter has started (bot.app)
        self._started_listeners: list[StartedListener] = []

    def starting(self, platform: str) -> bool:
        """Whether the platform's adapter is here and has not finished starting: the first
        reading of its live cards since this process started is still to come or under way."""
        return platform in self.adapters and platform not in self._read_at_start

    def on_started(self, listener: StartedListener) -> None:
        """`listener(platform)` once each platform's adapter has finished starting."""
        self._started_listeners.append(listener)

    async def finished_starting(self, platform: str) -> None:
        self._read_at_start.add(platform)
        for listener in self._started_listeners:
            try:
                await listener(platform)
            except Exception:  # one cog's catching up does not keep the others or the start back
                log.exception("a listener of %s having started failed", platform)
