"""Reading the reactions of live cards again: at start, after a gap in the platform's events,
or for one card whose reactions were cleared in bulk (the platform names nobody).

The cards of one object picked for a reading are read one after another and handed to its
cog together, with whether every one of them could be read: a reaction moved from one card to
another while the bot was away then shows as moved, never as taken back in between. Nothing
is kept from one reading to the next: what a card showed is handed over at once or not at all,
so a reading never comes back later to overrule what happened on the card since. Two readings
of one card in flight at once (the start-up's, and one for a moderator's clearing of the card)
are applied in the order they were started (`Tracker.readings`): the older one, arriving
last, is dropped for that card; the other cards it read are applied as read. A person's live
reaction change on a card seen after its reading started is newer than the reading for that
person and emoji: the reading is applied with it (`ReadingOrder.newer`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from .adapter import Adapter
from .emoji import canonical
from .model import MessageRef, UserRef
from .tracking import Tracker

log = logging.getLogger(__name__)

Reactions = dict[str, list[UserRef]]


@dataclass(frozen=True, slots=True)
class Read:
    """What one reading found on an object's cards: the people's reactions on each card read
    ({emoji: [users]}, bots left out), and whether every card it set out to read was read."""

    cog: str
    kind: str
    object_id: int
    readings: dict[MessageRef, Reactions]
    whole: bool


async def reread(adapter: Adapter, tracker: Tracker, where: Callable[[MessageRef], bool] | None,
                 at_once: int, deliver: Callable[[Read], Awaitable[None]],
                 gone: Callable[[MessageRef], Awaitable[None]]) -> None:
    """Read the adapter's live cards that `where` picks, `at_once` objects in flight (what the
    platform's rate limits allow), and `deliver` each object's reading. A card the platform
    no longer has is `gone`; a card whose read fails is left for the next time."""
    gate = asyncio.Semaphore(at_once)
    order = tracker.readings
    objects: dict[tuple[str, str, int], list[MessageRef]] = {}
    for message in tracker.live(adapter.platform):
        tracked = tracker.lookup(message)
        if tracked is not None and (where is None or where(message)):
            objects.setdefault((tracked.cog, tracked.kind, tracked.object_id), []).append(message)

    async def one(cog: str, kind: str, object_id: int, cards: list[MessageRef]) -> None:
        async with gate:
            readings: dict[MessageRef, Reactions] = {}
            started: dict[str, int] = {}
            whole = True
            try:
                for message in cards:
                    started[message.key] = order.begin(message.key)
                    try:
                        reactions = await adapter.fetch_reactions(message)
                    except Exception as e:
                        log.warning("%s: could not read the reactions of %s: %s", adapter.platform,
                                    message.key, e)
                        whole = False
                        continue
                    if reactions is None:  # the message is gone: stop asking for it at every start
                        await gone(message)
                    else:
                        readings[message] = humans(reactions)
                async with order.applying({m.key: started[m.key] for m in readings}) as latest:
                    chosen = {m: r for m, r in readings.items() if m.key in latest}
                    # A cog may look at a reading after awaiting something: a live change seen
                    # meanwhile may have been overruled by it, so it is applied once more with
                    # that change, until none came while it was applied.
                    while True:
                        since = order.now()
                        await deliver(Read(cog, kind, object_id, {
                            m: with_live(r, order.newer(m.key, started[m.key]))
                            for m, r in chosen.items()}, whole))
                        if not any(order.newer(m.key, since) for m in chosen):
                            break
            finally:
                for key in started:
                    order.end(key)

    await asyncio.gather(*(one(*obj, cards) for obj, cards in objects.items()))


def with_live(reactions: Reactions, live: Sequence[tuple[UserRef, str, bool]]) -> Reactions:
    """A card's reading with the live changes seen since it was started: newer than it for
    their person and emoji."""
    if not live:
        return reactions
    out = {emoji: list(users) for emoji, users in reactions.items()}
    for user, emoji, added in live:
        users = out.setdefault(emoji, [])
        if added and user not in users:
            users.append(user)
        elif not added and user in users:
            users.remove(user)
    return out


def humans(reactions: Mapping[str, Sequence[UserRef]]) -> Reactions:
    """The people's reactions by canonical emoji, each person once, bots left out."""
    out: Reactions = {}
    for emoji, users in reactions.items():
        key = canonical(emoji)
        if key is None:
            continue
        merged = out.setdefault(key, [])
        seen = set(merged)
        for u in users:
            if not u.is_bot and u not in seen:
                seen.add(u)
                merged.append(u)
    return out
