"""Renames of an event's thread and role that land in the end (surfaces.py).

Discord allows a channel's name two changes in ten minutes and makes a third wait out the rest
(429), and refuses to rename an archived thread (50083). The command that set a rename off
waits for it only a short while; past that the rename goes on by itself: Discord's waits are
waited out, and a thread's rename refused while it is archived is tried again once it is open
(a message in it reopens it). A newer name for the same thread or role replaces one not yet
landed. Held in memory: a restart forgets a rename still waiting, which the event's next
rename brings back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import aiohttp
import discord

log = logging.getLogger(__name__)

# Seconds between tries once discord.py gave up waiting on Discord (a 429 retried to its bound,
# a 5xx, the network), doubled each time up to the most.
PAUSE_FIRST, PAUSE_MOST = 30.0, 600.0

Attempt = Callable[[str], Awaitable[None]]


class Later(Exception):
    """Not now: Discord held the rename back or had trouble; it may pass."""


class Parked(Exception):
    """Not while the thread is archived: tried again once it is open."""


@contextlib.contextmanager
def later() -> Iterator[None]:
    """Discord's refusals that pass (a rate limit its client gave up on, its own trouble, the
    network) as `Later`; the rest goes on as it is."""
    try:
        yield
    except discord.RateLimited as e:
        raise Later(str(e)) from e
    except discord.HTTPException as e:
        if e.status == 429 or e.status >= 500:
            raise Later(f"{e.status} {e.text}") from e
        raise
    except (aiohttp.ClientError, OSError) as e:
        raise Later(str(e)) from e


class Renames:
    def __init__(self, tasks: set[asyncio.Task[Any]]) -> None:
        self._tasks = tasks  # the adapter's, cancelled when it stops
        self._wanted: dict[str, tuple[str, Attempt]] = {}
        self._landing: dict[str, asyncio.Task[None]] = {}
        self._parked: set[str] = set()

    async def rename(self, key: str, name: str, attempt: Attempt, wait: float) -> None:
        """Give `key` (a thread or a role) `name`, trying with `attempt`; wait `wait` seconds at
        most. A refusal (`DeliveryRefused`) seen within the wait is raised to the caller."""
        self._wanted[key] = (name, attempt)
        self._parked.discard(key)
        task = self._landing.get(key) or self._start(key)
        done, _ = await asyncio.wait({task}, timeout=wait)
        if task in done and not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]

    def forget(self, key: str) -> None:
        """The thread is closed or the role deleted: a rename still waiting is moot."""
        self._wanted.pop(key, None)
        self._parked.discard(key)

    def reopened(self, key: str) -> None:
        """The thread is open again: its rename parked while it was archived goes on now."""
        if key in self._parked:
            self._parked.discard(key)
            if key not in self._landing:
                self._start(key)

    def _start(self, key: str) -> asyncio.Task[None]:
        task = asyncio.ensure_future(self._land(key))
        self._landing[key] = task
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.info("Discord: a rename was refused: %s", task.exception())

    async def _land(self, key: str) -> None:
        pause = PAUSE_FIRST
        try:
            while key in self._wanted:
                name, attempt = self._wanted[key]
                try:
                    await attempt(name)
                except Later as e:
                    log.info("Discord: renaming %s to %r waits (%s)", key, name, e)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, PAUSE_MOST)
                    continue
                except Parked:
                    if self._wanted.get(key, (None,))[0] == name:
                        self._parked.add(key)
                        return
                    continue
                except BaseException:
                    if self._wanted.get(key, (None,))[0] == name:
                        del self._wanted[key]
                    raise
                if self._wanted.get(key, (None,))[0] == name:
                    del self._wanted[key]
        finally:
            if self._landing.get(key) is asyncio.current_task():
                del self._landing[key]
