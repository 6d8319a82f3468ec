"""Sending a native poll's end (MSC3381) until it lands: a part of NativePolls (polls.py).

A poll being ended is `ending` in the store until its end has landed (`ended`). An end the
homeserver failed is tried again in the background, after a wait growing to the most, with
the txn id of its first try, so one that landed with its answer lost stays one event
(Synapse answers a repeated txn id with it); at each start too, as a crash may come before
it lands. An end the homeserver refuses (the bot has left the room, say) is given up at
once: no later try goes better, and the poll is `unsent`, so it is not tried at each start.
One that has not landed for days is given up too (a room the homeserver cannot send to).
A poll that leaves `ending` some other way is no longer sent. After the adapter stops no
retry runs; what is still `ending` is sent at the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .client import MatrixError, Transport
from .poll_events import END, bare_end_content
from .store import MatrixStore, NativePoll

log = logging.getLogger(__name__)
# An end the homeserver failed is tried again after this, then twice as long each time up to the
# most (and at each start).
END_RETRY_FIRST_S, END_RETRY_MAX_S = 2.0, 300.0
END_GIVEN_UP_S = 7 * 24 * 3600  # an end tried for this long is not tried again

Sleep = Callable[[float], Awaitable[None]]


def refused(e: Exception) -> bool:
    """The homeserver said no for good: a 4xx other than a rate limit, a request timeout or an
    access token refused (a soft logout: the bot comes back with a good one)."""
    return isinstance(e, MatrixError) and e.refused and e.status not in (401, 408)


class EndSender:
    transport: Transport

    def __init__(self, sleep: Sleep = asyncio.sleep, clock: Callable[[], float] = time.time) -> None:
        self._sleep = sleep
        self._clock = clock
        # Ends still to land, by their poll's start; None: its results text is gone with the
        # process that closed it (the end goes with a shorter fallback).
        self._unsent: dict[str, dict[str, Any] | None] = {}
        self._sending: set[str] = set()  # ends under way (a round leaves them to that try)
        self._retrying: asyncio.Task[None] | None = None
        self._take_stored = False  # the next round also takes the polls stored as `ending`
        self._stopped = False

    def _store(self) -> MatrixStore:
        raise NotImplementedError

    async def end_dead_cards(self) -> None:
        """At start, before `send_ends`: a poll whose card was closed just before a stop or a
        crash, before the card's edit ended its native poll (its card is no longer tracked,
        so the edit never comes), is ended now, as one `ending` since then. Its end says only
        that it takes no more answers: the card may be gone (redacted) with its poll open."""
        store = self._store()
        for poll in await store.polls_of_dead_cards():
            log.info("matrix: the card of the native poll %s is no longer live; ending it", poll.start_id)
            await store.set_poll_state(poll.start_id, "ending", self._clock())
            self._unsent[poll.start_id] = bare_end_content(poll.start_id, poll.ref, closed=False)

    def send_ends(self) -> None:
        """At start: send the ends not known to have landed, in the background, so that
        start-up waits for none of them (there may be many, each perhaps slow to fail)."""
        self._stopped = False
        self._take_stored = True
        self._retry(0.0)

    async def stop(self) -> None:
        """No retry runs after this (the one under way is cancelled and waited for); an end
        failing from now on stays `ending` for the next start."""
        self._stopped = True
        task, self._retrying = self._retrying, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def retries_done(self) -> None:
        """Wait until no end is being retried (for tests and operators)."""
        while self._retrying is not None and not self._retrying.done():
            await asyncio.wait({self._retrying})

    async def _send_end(self, poll: NativePoll, content: dict[str, Any] | None) -> None:
        """Send one end; a failure is logged and the end retried, a refusal given up."""
        body = content or bare_end_content(poll.start_id, poll.ref)
        self._sending.add(poll.start_id)
        try:
            await self.transport.send_event(poll.room_id, END, body, f"end-{poll.start_id}")
        except Exception as e:  # whatever failed it (nio's own errors too), the poll is not lost
            if refused(e):
                log.warning("matrix: the native poll %s could not be ended (not tried again): %s",
                            poll.start_id, e)
                await self._store().set_poll_state(poll.start_id, "unsent")
                self._unsent.pop(poll.start_id, None)
                return
            log.warning("matrix: ending the native poll %s failed, to be tried again: %r", poll.start_id, e)
            self._unsent[poll.start_id] = content
            self._retry(END_RETRY_FIRST_S)
            return
        finally:
            self._sending.discard(poll.start_id)
        # Stored first: if that fails, the end (one event, by its txn id) goes again.
        await self._store().set_poll_state(poll.start_id, "ended")
        self._unsent.pop(poll.start_id, None)

    def _retry(self, delay: float) -> None:
        if self._stopped:
            return  # stays `ending`: sent at the next start
        if self._retrying is None or self._retrying.done():
            self._retrying = asyncio.create_task(self._retry_ends(delay))

    async def _retry_ends(self, delay: float) -> None:
        while self._take_stored or self._unsent:
            await self._sleep(delay)
            delay = min(max(delay * 2, END_RETRY_FIRST_S), END_RETRY_MAX_S)
            try:
                await self._round()
            except Exception:  # the database, say: the next round tries again
                log.exception("matrix: retrying the ends of native polls failed")

    async def _round(self) -> None:
        known = set(self._unsent)  # one that fails while the read is under way is not "gone"
        ending = await self._store().polls_in("ending")
        if self._take_stored:
            self._take_stored = False
            for poll in ending:
                self._unsent.setdefault(poll.start_id, None)
        still = {poll.start_id for poll in ending}
        for start_id in [s for s in known if s not in still and s not in self._sending]:
            self._unsent.pop(start_id, None)  # ended some other way (another process, a restart)
        for poll in ending:
            if poll.start_id not in self._unsent or poll.start_id in self._sending:
                continue  # not this process's to send, or being sent
            try:
                since = poll.since
                if since is None:  # ending since before its time was kept: counted from now
                    since = self._clock()
                    await self._store().set_poll_state(poll.start_id, "ending", since)
                if self._clock() - since >= END_GIVEN_UP_S:
                    log.warning("matrix: the end of the native poll %s has not landed for days;"
                                " not tried again", poll.start_id)
                    await self._store().set_poll_state(poll.start_id, "unsent")
                    self._unsent.pop(poll.start_id, None)
                else:
                    await self._send_end(poll, self._unsent[poll.start_id])
            except Exception:  # its state not stored: the next round sends it again
                log.exception("matrix: ending the native poll %s failed", poll.start_id)
