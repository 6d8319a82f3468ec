"""Polls in linked spaces (PRODUCT.md "Linked spaces"): a poll made in either channel gets a
card in each linked one, every card counted in one tally, and its results are said in each. A
card or results that could not be posted in a linked channel are posted there by a job of
that channel's own (its space's, due at once, retried after an outage like any job) with the
key the first try used there, so a post that did reach the platform is not made twice; a card
it posts counts like the others. A part of the polls cog (a mixin)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from typing import ClassVar

from bot.cog import CogHost
from bot.jobs import Handle
from bot.model import ChannelRef, MessageRef, SpaceRef
from bot.render import Out
from bot.scheduler import Job
from bot.storage import Database
from cogs.links.service import LinkService

from . import repo
from .render import results_text
from .repo import Poll
from .suggest import SHARED

log = logging.getLogger(__name__)

CARD, RESULTS = "poll.card", "poll.results"  # the jobs that post them again, and their keys' word


class LinkedPolls:
    db: Database
    bot: CogHost
    name: ClassVar[str]

    async def card(self, poll: Poll, channel: ChannelRef | None = None) -> Out:
        raise NotImplementedError

    async def get(self, poll_id: int) -> Poll | None:
        raise NotImplementedError

    def refresh(self, poll_id: int) -> None:
        raise NotImplementedError

    def register_linked(self) -> None:
        self.bot.scheduler.register(CARD, self._card_again)
        self.bot.scheduler.register(RESULTS, self._results_again)
        self.bot.settings.watch("timezone", self._zone_changed)

    async def _zone_changed(self, space: SpaceRef) -> None:
        """The times on the cards of open polls said in the space (their options, when they
        close) are shown in its zone: the same instants, now in the new one."""
        links = self.bot.service(LinkService)
        shared = await links.shared_into(SHARED, space) if links is not None else []
        for poll_id in await self.db.read(lambda c: repo.open_ids(c, space.key, shared)):
            self.refresh(poll_id)

    async def _elsewhere(self, poll: Poll) -> list[ChannelRef]:
        """The linked channels the poll was shared into."""
        links = self.bot.service(LinkService)
        return await links.shared(SHARED, poll.id) if links is not None else []

    async def _share(self, poll: Poll, origin: ChannelRef) -> None:
        """A card in each channel linked with the poll's (one tally: every card is tracked)."""
        links = self.bot.service(LinkService)
        others = await links.linked(origin) if links is not None else []
        if links is None or not others:
            return
        await links.share(SHARED, poll.id, others)
        failed: list[tuple[ChannelRef, str]] = []
        for channel in await self._without_card(poll, others):
            key = f"poll:{poll.id}:card@{channel.key}"
            ref = await self._post(poll, channel, await self.card(poll, channel), key, "its card")
            if ref is None:
                failed.append((channel, key))
            else:
                await self.bot.track(ref, self.name, "poll", poll.id)
        await self._again(CARD, poll, failed)

    async def _without_card(self, poll: Poll, channels: list[ChannelRef]) -> list[ChannelRef]:
        """Those with no card of the poll yet, nor a job posting it: a keyed poll asked for
        again (its job re-run) is shared again, and a card posted twice is two to vote on."""
        carded = {m.channel.key for m in self.bot.tracked_messages(self.name, "poll", poll.id)}
        keys = [f"poll:{poll.id}:card@{c.key}" for c in channels]
        jobbed = await self.db.read(lambda c: self.bot.scheduler.exists(c, keys))
        return [c for c, k in zip(channels, keys, strict=True) if c.key not in carded and k not in jobbed]

    async def _say_results(self, poll: Poll, out: Out, key: str, *, said_in: str | None) -> None:
        """The results in each linked channel but `said_in` (where a command's reply said them)."""
        failed: list[tuple[ChannelRef, str]] = []
        for channel in await self._elsewhere(poll):
            if channel.key != said_in and await self._post(
                    poll, channel, out, f"{key}@{channel.key}", "its results") is None:
                failed.append((channel, f"{key}@{channel.key}"))
        await self._again(RESULTS, poll, failed)

    async def _post(self, poll: Poll, channel: ChannelRef, out: Out, key: str, what: str) -> MessageRef | None:
        try:
            return await self.bot.send(channel, out, idempotency_key=key)
        except Exception as e:  # noqa: BLE001 - the other channels still get theirs; a job retries this one
            log.warning("poll %s: posting %s in %s failed: %s", poll.id, what, channel.key, e)
            return None

    async def _again(self, kind: str, poll: Poll, failed: Sequence[tuple[ChannelRef, str]]) -> None:
        """A job per channel in `failed`, due now, posting with the key given with it; not
        where one is already, in any state (put again, one that posted would post again)."""
        if not failed:
            return
        scheduler, now = self.bot.scheduler, self.bot.clock.now()
        word = kind.partition(".")[2]

        def unit(conn: sqlite3.Connection) -> list[Handle]:
            return [scheduler.put(conn, kind, job_key, now,
                                  {"poll_id": poll.id, "channel": channel.key, "said": key}, channel.space.key)
                    for channel, key in failed
                    for job_key in [f"poll:{poll.id}:{word}@{channel.key}"]
                    if not scheduler.exists(conn, [job_key])]

        handles = await self.db.write(unit)
        for handle in handles:
            scheduler.arm(handle)

    async def _target(self, job: Job) -> tuple[Poll, ChannelRef] | None:
        poll = await self.get(int(job.payload["poll_id"]))
        if poll is None:
            return None
        channel = next((c for c in await self._elsewhere(poll) if c.key == job.payload["channel"]), None)
        return (poll, channel) if channel is not None else None

    async def _card_again(self, job: Job) -> None:
        target = await self._target(job)
        if target is None or target[0].closed:
            return  # a closed poll takes no votes: its results are said there instead
        poll, channel = target
        ref = await self.bot.send(channel, await self.card(poll, channel), idempotency_key=str(job.payload["said"]))
        await self.bot.track(ref, self.name, "poll", poll.id)

    async def _results_again(self, job: Job) -> None:
        target = await self._target(job)
        if target is None or not target[0].closed:
            return
        poll, channel = target
        tally = await self.db.read(lambda c: repo.tally(c, poll))
        await self.bot.send(channel, results_text(poll, tally), idempotency_key=str(job.payload["said"]))
