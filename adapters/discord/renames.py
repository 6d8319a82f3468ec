"""Renames of an event's thread and role that land in the end (surfaces.py).

Discord allows a channel's name two changes in ten minutes and makes a third wait out the rest
(429), and refuses to rename an archived thread (50083). The command that set a rename off
waits for it only a short while; past that the rename goes on by itself: Discord's waits are
waited out, and a thread's rename refused while it is archived is tried again once it is open
(a message in it reopens it). A newer name for the same thread or role replaces one not yet
landed. A rename not landed yet is kept in the adapter's table (renamestore.py) as well, so
one a stop cut short is tried again at the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import aiohttp
import discord

from .renamestore import RenameStore

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
    def __init__(self, tasks: set[asyncio.Task[Any]], store: RenameStore | None = None) -> None:
        self._tasks = tasks  # the adapter's, cancelled when it stops
        self.store = store  # None: held in memory only
        # Per key, the name wanted last, how to give it, and the outcome its caller waits on.
        self._wanted: dict[str, tuple[str, Attempt, asyncio.Future[None]]] = {}
        self._landing: dict[str, asyncio.Task[None]] = {}
        self._trying: dict[str, asyncio.Future[None]] = {}  # the outcome of the attempt in flight
        self._parked: set[str] = set()

    async def rename(self, key: str, name: str, attempt: Attempt, wait: float, space: str = "") -> None:
        """Give `key` (a thread or a role of `space`) `name`, trying with `attempt`; wait `wait`
        seconds at most. A refusal (`DeliveryRefused`) of this name seen within the wait is
        raised to the caller; one of an older name goes to that name's caller alone."""
        if self.store is not None:
            # Kept before the first try: a stop in the middle of it leaves the row.
            await self.store.want(key, space, name)
        old = self._wanted.get(key)
        if old is not None and old[0] == name:
            outcome = old[2]  # this very name is wanted already: its outcome is this caller's too
        else:
            outcome = asyncio.get_running_loop().create_future()
            outcome.add_done_callback(_seen)
            if old is not None and old[2] is not self._trying.get(key):
                _settle(old[2])  # replaced before it was tried: nothing to tell its caller
        self._wanted[key] = (name, attempt, outcome)
        self._parked.discard(key)
        task = self._landing.get(key) or self._start(key)
        await asyncio.wait({outcome, task}, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
        if outcome.done() and not outcome.cancelled() and outcome.exception() is not None:
            raise outcome.exception()  # type: ignore[misc]

    async def forget(self, key: str) -> None:
        """The thread is closed or the role deleted: a rename still waiting is moot."""
        wanted = self._wanted.pop(key, None)
        if wanted is not None and wanted[2] is not self._trying.get(key):
            _settle(wanted[2])
        self._parked.discard(key)
        await self._unstore(key, None)

    def resume(self, pending: list[tuple[str, str, Attempt]]) -> None:
        """The renames (key, name, how) a stop left: each goes on as if just asked for, with
        nobody waiting on it."""
        for key, name, attempt in pending:
            if key in self._wanted:
                continue  # asked for again since the start: that one is newer
            outcome = asyncio.get_running_loop().create_future()
            outcome.add_done_callback(_seen)
            self._wanted[key] = (name, attempt, outcome)
            if key not in self._landing:
                self._start(key)

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
            log.warning("Discord: renaming stopped: %r", task.exception())

    def _drop(self, key: str, outcome: asyncio.Future[None]) -> None:
        """The attempt told `outcome` is over: wanted no more, unless a newer caller's is."""
        if self._wanted.get(key, (None, None, None))[2] is outcome:
            del self._wanted[key]

    async def _land(self, key: str) -> None:
        pause = PAUSE_FIRST
        try:
            while key in self._wanted:
                name, attempt, outcome = self._wanted[key]
                self._trying[key] = outcome
                try:
                    await attempt(name)
                except Later as e:
                    log.info("Discord: renaming %s to %r waits (%s)", key, name, e)
                    self._let_go(key, outcome)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, PAUSE_MOST)
                    continue
                except Parked:
                    self._let_go(key, outcome)
                    if self._wanted.get(key, (None,))[0] == name:
                        self._parked.add(key)
                        return
                    continue
                except asyncio.CancelledError:
                    self._drop(key, outcome)
                    raise
                except Exception as e:
                    # This name's alone: a newer one for the same key is tried next.
                    log.info("Discord: renaming %s to %r was refused: %s", key, name, e)
                    self._trying.pop(key, None)
                    self._drop(key, outcome)
                    _settle(outcome, e)
                    await self._unstore(key, name)
                    continue
                self._trying.pop(key, None)
                self._drop(key, outcome)
                _settle(outcome)
                await self._unstore(key, name)
        finally:
            self._trying.pop(key, None)
            if self._landing.get(key) is asyncio.current_task():
                del self._landing[key]

    async def _unstore(self, key: str, name: str | None) -> None:
        """Not to be tried again at a start; a row left by a failed delete is tried again there,
        and a name it has already costs a look, not a rename (surfaces.py `_unless_named`)."""
        if self.store is not None:
            try:
                await self.store.done(key, name)
            except Exception as e:  # noqa: BLE001 - the rename itself is over either way
                log.info("Discord: the rename of %s stays kept: %r", key, e)

    def _let_go(self, key: str, outcome: asyncio.Future[None]) -> None:
        """The attempt is over for now: if its name was replaced meanwhile, its caller is done."""
        self._trying.pop(key, None)
        if self._wanted.get(key, (None, None, None))[2] is not outcome:
            _settle(outcome)


def _settle(outcome: asyncio.Future[None], error: BaseException | None = None) -> None:
    if outcome.done():
        return
    if error is None:
        outcome.set_result(None)
    else:
        outcome.set_exception(error)


def _seen(outcome: asyncio.Future[None]) -> None:
    """A refusal whose caller stopped waiting was logged by `_land`; asyncio need not again."""
    if not outcome.cancelled():
        outcome.exception()
