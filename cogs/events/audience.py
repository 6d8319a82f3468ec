"""Where an event is said: its own channel and the linked channels it was shared into when
it was made (linked spaces, cogs/links). One event, one RSVP list, one card per channel; what
the bot says about it goes to each channel with that channel's own people mentioned (a
mention of someone on another platform would mean nothing there), each with its own
idempotency key so a retried job posts once per channel. A new event's card that could not be
posted in a linked channel is posted there by a job of its own (`CARD`), so that space can
answer it too; a series' card is posted there by that job from its first try (`owe`)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Sequence

from bot.adapter import DeliveryRefused, DestinationClosed, DestinationGone
from bot.cog import CogHost
from bot.model import ChannelRef, MessageRef, SpaceRef
from bot.render import Out
from bot.scheduler import Job
from cogs.links.service import LinkService

from . import repo
from .reminders import Handle, event_channel
from .render import OWN
from .repo import Attendee, Event, Roster
from .scope import Scope, series_of_shared

log = logging.getLogger(__name__)
SHARED = "events/event"  # how the links feature knows our events
CARD = "event.card"  # a linked channel's card, posted again after its first post failed
Card = Callable[[Event, ChannelRef], Awaitable[Out]]  # the event's card as a channel shows it


def platform_of(person: Attendee) -> str:
    return person.user.partition(":")[0]


def only_on(roster: Roster, platform: str) -> Roster:
    def keep(people: tuple[Attendee, ...]) -> tuple[Attendee, ...]:
        return tuple(p for p in people if platform_of(p) == platform)

    return Roster(keep(roster.going), keep(roster.waitlist), keep(roster.maybe), keep(roster.no))


def nowhere(refused: DeliveryRefused) -> DestinationGone:
    """What is raised when the event's own channel refused a post (deleted, or closed for now:
    a thread a moderator locked) and no other channel heard it: gone, so the job ends (its
    DMs still go) instead of retrying for hours what helps nobody once late. Only the job
    ends: the channel is kept, and what comes later is tried there again."""
    if isinstance(refused, DestinationGone):
        return refused
    gone = DestinationGone(str(refused))
    gone.__cause__ = refused
    return gone


class NotYet(RuntimeError):
    """What `say_as` raises when a linked channel failed for now: the job is retried (not
    DestinationGone, which would end it)."""


def _key(key: str | None, i: int, channel: ChannelRef) -> str | None:
    """The idempotency key of what is said in the event's `i`-th channel: each its own."""
    return key if i == 0 or key is None else f"{key}@{channel.key}"


class Audience:
    def __init__(self, bot: CogHost, cog: str, card: Card) -> None:
        self.bot = bot
        self.cog = cog
        self.card = card

    def register(self) -> None:
        self.bot.scheduler.register(CARD, self._card_again)

    def _links(self) -> LinkService | None:
        return self.bot.service(LinkService)

    async def elsewhere(self, event: Event) -> list[ChannelRef]:
        links = self._links()
        return await links.shared(SHARED, event.id) if links is not None else []

    async def channels(self, event: Event) -> list[ChannelRef]:
        return [event_channel(event), *await self.elsewhere(event)]

    async def labels(self, event: Event, *, everyone: bool = False,
                     platform: str | None = None) -> dict[str, str]:
        """platform -> its name, for names of a shared event: those from other platforms than
        the card's (`platform`, the event's own by default), whose own goes under `OWN` (for
        names that end like a tag), or everyone's for the full lists; empty when it is not
        shared."""
        channels = await self.channels(event)
        if len(channels) < 2:
            return {}
        out = {channel.platform: self.platform_name(channel.platform) for channel in channels}
        if not everyone:
            card = platform or event.platform
            out[OWN] = out.pop(card, "") or self.platform_name(card)
        return out

    def platform_name(self, platform: str) -> str:
        caps = self.bot.capabilities(platform)
        return caps.label if caps and caps.label else platform

    async def shared_into(self, space: SpaceRef) -> list[int]:
        """The events linked channels shared into `space` (the commands there take them)."""
        links = self._links()
        return await links.shared_into(SHARED, space) if links is not None else []

    async def shares_here(self, event: Event, space: SpaceRef) -> bool:
        """The event was shared into a channel of `space` from a linked one."""
        return any(c.space.key == space.key for c in await self.elsewhere(event))

    async def scope(self, space: SpaceRef) -> Scope:
        """The space's events: its own, those shared into it, and the series of linked
        channels that go on sharing their occurrences into it."""
        links = self._links()
        shared = tuple(await links.shared_into(SHARED, space)) if links is not None else ()
        if links is None or not shared:
            return Scope(space.key)
        made_in = await self.bot.db.read(lambda c: series_of_shared(c, Scope(space.key, shared)))
        linked: dict[tuple[str, str], bool] = {}
        for where in set(made_in.values()):
            linked[where] = any(c.space.key == space.key for c in await links.linked(ChannelRef(*where)))
        return Scope(space.key, shared, tuple(sorted(sid for sid, where in made_in.items() if linked[where])))

    async def share(self, event: Event, card: Callable[[ChannelRef], Awaitable[Out]], key: str | None) -> None:
        """Post the new event's card (`card(channel)`: as that channel shows it) in each
        channel linked with its own, and count their reactions as the same event's. Where it
        could not be posted, a job of that channel's space posts it as soon as it can, with
        the key of this first try (a post that did reach the platform is not doubled)."""
        links = self._links()
        others = await links.linked(event_channel(event)) if links is not None else []
        if links is None or not others:
            return
        await links.share(SHARED, event.id, others)
        failed: dict[str, str] = {}  # channel -> the key its card was posted with
        for channel in others:
            said = f"{key or f'event:{event.id}:card'}@{channel.key}"
            ref = await self._send(channel, await card(channel), said)
            if ref is None:
                failed[channel.key] = said
            else:
                await self.bot.track(ref, self.cog, "event", event.id)
        if not failed:
            return
        scheduler, now = self.bot.scheduler, self.bot.clock.now()

        def unit(conn: sqlite3.Connection) -> list[Handle]:
            # Under the event's jobs (`event:<id>:`), so cancelling the event cancels it too.
            return [scheduler.put(conn, CARD, f"event:{event.id}:card@{c.key}", now,
                                  {"event_id": event.id, "channel": c.key, "said": failed[c.key]}, c.space.key)
                    for c in others if c.key in failed]

        for handle in await self.bot.db.write(unit):
            scheduler.arm(handle)

    async def to_share(self, event: Event) -> list[ChannelRef]:
        """The channels linked with the new event's own now, where its card goes too (`owe`):
        recorded as shared into them first, so each one's job finds its channel there."""
        links = self._links()
        others = await links.linked(event_channel(event)) if links is not None else []
        if links is not None and others:
            await links.share(SHARED, event.id, others)
        return others

    def owe(self, conn: sqlite3.Connection, event: Event, others: list[ChannelRef], key: str) -> list[Handle]:
        """Inside the unit that marks the event's own card posted: the job that posts its card
        in each of `others`, due now. Written with that mark, a stop right after it still shares
        the card; run as a job, a send of it that a stop cut off is found again by its re-run."""
        now = self.bot.clock.now()
        return [self.bot.scheduler.put(conn, CARD, f"event:{event.id}:card@{c.key}", now,
                                       {"event_id": event.id, "channel": c.key, "said": f"{key}@{c.key}"},
                                       c.space.key) for c in others]

    async def _card_again(self, job: Job) -> None:
        """The card of a linked channel (`owe`), or one whose first post failed; a failure here is retried."""
        event = await self.bot.db.read(lambda c: repo.get(c, int(job.payload["event_id"])))
        if event is None or event.cancelled or event.over(self.bot.clock.now()):
            return  # nothing left to answer
        channel = next((c for c in await self.elsewhere(event) if c.key == job.payload["channel"]), None)
        if channel is None:
            return
        ref = await self.bot.send(channel, await self.card(event, channel), idempotency_key=str(job.payload["said"]))
        await self.bot.track(ref, self.cog, "event", event.id)

    async def say(self, event: Event, make: Callable[[Roster], Out | None], roster: Roster, *,
                  key: str | None = None, first: bool = True, only: str | None = None,
                  channels: Sequence[ChannelRef] | None = None) -> list[ChannelRef]:
        """`make(roster)` in every channel of the event, each with its own platform's people
        (nothing where it gives None); the linked channels it could not be posted in. With
        `first=False` the event's own channel is left out (said there already); with `only`
        (a channel's key) it is said there alone, with the key it has there, failing as the
        own channel's post does (a job's retry of a linked channel). `channels`: where several
        events are said at once, the channels of them all, the own one first. The own channel
        gone or closed for now (DestinationGone, DestinationClosed) does not keep the linked
        ones from hearing it; DestinationGone (`nowhere`) is raised only when no channel was
        reached and none failed for now: a linked one that failed is returned, so the
        caller's retry of it still comes."""
        channels = channels or await self.channels(event)
        failed: list[ChannelRef] = []
        refused: DeliveryRefused | None = None
        reached = 0
        for i, channel in enumerate(channels):
            if (i == 0 and not first) or (only is not None and channel.key != only):
                continue
            own = only_on(roster, channel.platform) if len(channels) > 1 else roster
            out = make(own)
            if out is None:
                continue
            try:
                if await self._send(channel, out, _key(key, i, channel), own=i == 0 or only is not None) is None:
                    failed.append(channel)
                else:
                    reached += 1
            except (DestinationGone, DestinationClosed) as e:  # the linked ones still hear it
                refused = e
        if refused is not None and not reached and not failed:
            raise nowhere(refused)  # nowhere to say it: the job ends, not retried
        if refused is not None:
            log.warning("event %s: its own channel refused it; the linked ones hear it: %s", event.id, refused)
        return failed

    async def linked_now(self, event: Event) -> list[ChannelRef]:
        """The channels linked with the event's own at this moment (where something posted
        now from it is shared), which after an unlink are fewer than those it was shared into."""
        links = self._links()
        return await links.linked(event_channel(event)) if links is not None else []

    async def say_as(self, event: Event, make: Callable[[ChannelRef], Out], *, key: str | None = None) -> None:
        """`make(channel)` in every channel of the event: words that name a command, in the
        syntax of the channel's own platform, or that point to what is there. The own channel
        refusing it (gone, closed for now, or not allowed) does not keep the linked ones from hearing it;
        DestinationGone (`nowhere`) is raised when none did and none failed for now. A linked
        channel that failed for now raises `NotYet` once all were tried: what is said here is
        made anew by the caller's job (it is never stored), so its retry is the linked
        channel's; it says it again everywhere with the same keys, which land once where it
        reached (the platform's key, the job's kept sends)."""
        refused: DeliveryRefused | None = None
        reached, failed = 0, []
        for i, channel in enumerate(await self.channels(event)):
            try:
                await self.bot.send(channel, make(channel), idempotency_key=_key(key, i, channel))
                reached += 1
            except DeliveryRefused as e:  # gone, closed for now, or not allowed: a retry soon would not reach it
                if i == 0:
                    refused = e
                else:
                    log.warning("posting in linked channel %s was refused: %s", channel.key, e)
            except Exception as e:  # noqa: BLE001 - the own channel's is the job's to retry
                if i == 0:
                    raise
                log.warning("posting in linked channel %s failed: %s", channel.key, e)
                failed.append(channel.key)
        if refused is not None and not reached and not failed:
            raise nowhere(refused)
        if refused is not None:
            log.warning("event %s: its own channel refused it; the linked ones hear it: %s", event.id, refused)
        if failed:
            raise NotYet(f"event {event.id}: not posted in linked channel(s) {', '.join(failed)} this time")

    async def tell(self, event: Event, people: Iterable[Attendee], make: Callable[[Attendee], Out]) -> None:
        """Say something to each person in the event's channel on their own platform."""
        channels = await self.channels(event)
        for person in people:
            where = next((c for c in channels if c.platform == platform_of(person)), channels[0])
            await self._send(where, make(person), None, own=where == channels[0])

    async def _send(self, channel: ChannelRef, out: Out, key: str | None, *,
                    own: bool = False) -> MessageRef | None:
        """A failure in the event's own channel is the caller's (a job retries); one in a
        linked channel is logged and must not stop the others."""
        if own:
            return await self.bot.send(channel, out, idempotency_key=key)
        try:
            return await self.bot.send(channel, out, idempotency_key=key)
        except Exception as e:  # noqa: BLE001
            log.warning("posting in linked channel %s failed: %s", channel.key, e)
            return None
