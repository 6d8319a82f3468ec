"""Native polls (MSC3381) beside poll cards.

The card stays the truth; its native poll is one more way to vote on it, for clients that
show polls (Element). Responses follow MSC3381: each person's latest response by the
server's timestamp counts (a tie goes to the one that came last); an empty one withdraws;
one naming an unknown answer, or whose answers are no list, is spoiled (it still counts as
their latest, for nothing);
answers past `max_selections` are dropped. A response the homeserver stamped after the card's
`closes=` deadline counts for nothing once the deadline has passed by the bot's clock too (one
made while the bot was down, before its late close): the result follows the deadline, where
Element counts up to the end event the bot sends then. While the bot's clock says the poll is
open, its card invites votes: a homeserver whose clock runs ahead does not void them, then or
at a recount after the deadline (a response counting already stands). Answer n
is the card's n-th number reaction: a
counted answer is stored as a reaction row of the card (store.py), so the core hears a
`ReactionChanged` only when a person's choice on the card changes, whichever way they made
it, and `fetch_reactions` recounts responses from /relations like reactions.

Closing the card (an edit whose `choices` are closed) ends the native poll; responses after
that are ignored. The end is sent until it lands (again at each start), with one txn id, and
given up when refused (poll_ends.py). An end sent by someone else who may (someone who may
redact others' events, as in Element) is that person's `poll close`: the poll ends with the
card if the core closes it, and keeps counting if the core refuses. A redacted start takes no
more responses, and the answers it had keep counting. A redacted response reverts its sender to
their response before it (MSC3381): the card is recounted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.model import MessageRef
from bot.render import Card

from . import inbound, render
from .client import MatrixError, Transport
from .crypto import readable
from .poll_ends import EndSender, Sleep
from .poll_events import NUMBER_KEYS, START, end_content, start_content
from .relations import related_events
from .store import MatrixStore, NativePoll, NativeVote, StoredReaction, vote_event_id

log = logging.getLogger(__name__)

OWN_STARTS_KEPT = 1000


@dataclass(frozen=True, slots=True)
class Change:
    key: str
    added: bool


# --- counting ------------------------------------------------------------------------------


def counted(answers: Sequence[str | None], poll: NativePoll) -> tuple[int, ...]:
    """The answers a response counts for under MSC3381's rules."""
    known = {str(n) for n in range(1, poll.answers + 1)}
    named = [a for a in answers if a in known]
    if len(named) != len(answers):
        return ()  # spoiled
    out: list[int] = []
    for a in named[: poll.max_selections]:
        if int(a) not in out:
            out.append(int(a))
    return tuple(out)


def vote_rows(poll: NativePoll, vote: NativeVote) -> list[StoredReaction]:
    return [StoredReaction(vote_event_id(vote.response_id, a), poll.room_id, poll.card_id,
                           vote.sender, NUMBER_KEYS[a - 1]) for a in vote.answers]


def latest_votes(poll: NativePoll, events: Sequence[Mapping[str, Any]], ignore: str,
                 now: float, taken: AbstractSet[str] = frozenset(),
                 ) -> tuple[dict[str, NativeVote], dict[str, float]]:
    """Each person's latest response among `events` (oldest first, decrypted where they
    could be), as counted at `now` (the bot's time); and, per person, the time of their latest
    event still locked. A response in `taken` (event ids of the votes counting now) was taken
    while the bot's clock said the poll was open: the deadline passed since does not void it."""
    best: dict[str, NativeVote] = {}
    locked: dict[str, float] = {}
    for src in events:
        ev = inbound.envelope(src)
        if ev is None or ev.sender == ignore:
            continue
        if too_late(poll, ev, now) and ev.event_id not in taken:
            continue
        if ev.type == "m.room.encrypted":  # its key has not come: what it says is unknown
            locked[ev.sender] = max(locked.get(ev.sender, _ts(ev)), _ts(ev))
            continue
        response = inbound.poll_response(ev)
        if response is None or response.start != poll.start_id:
            continue
        vote = NativeVote(ev.sender, ev.event_id, _ts(ev), counted(response.answers, poll))
        old = best.get(ev.sender)
        if old is None or vote.ts >= old.ts:
            best[ev.sender] = vote
    return best, locked


def too_late(poll: NativePoll, ev: inbound.Envelope, now: float) -> bool:
    """Stamped after the poll's deadline (the homeserver's time, in ms), read when the deadline
    has come by the bot's clock (`now`, in s) as well: the two clocks need not agree."""
    return (poll.closes is not None and ev.ts_ms is not None and ev.ts_ms > poll.closes * 1000
            and now >= poll.closes)


def _ts(ev: inbound.Envelope) -> float:
    return ev.ts_ms if ev.ts_ms is not None else 0.0


def _order(key: str) -> int:
    return NUMBER_KEYS.index(key) if key in NUMBER_KEYS else len(NUMBER_KEYS)


class NativePolls(EndSender):
    def __init__(self, transport: Transport, sleep: Sleep = asyncio.sleep,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(sleep, clock)
        self.transport = transport
        # The bot's own time (s), whose deadlines these are: the adapter's start() sets it.
        self.bot_time = clock
        self.store: MatrixStore | None = None  # the bot's database, from the adapter's start()
        # Polls whose end someone sent (handlers.py) while their card's close is under way.
        self.ended_elsewhere: set[str] = set()
        # The bot's own poll starts lately sent or seen in a timeline: start id -> room.
        self._own_starts: OrderedDict[str, str] = OrderedDict()

    def _store(self) -> MatrixStore:
        if self.store is None:
            raise RuntimeError("native polls used before the adapter started")
        return self.store

    # --- outbound ------------------------------------------------------------------------

    async def open(self, card: MessageRef, out: Card, tz: ZoneInfo | None, key: str | None,
                   thread: str | None = None) -> None:
        """Start the native poll of a card just sent; in the card's thread (its root), if it
        went to one, answering the card: Element shows a thread's polls only in the thread.
        With the card's idempotency key, a re-send after a crash lands once (Synapse answers a
        repeated txn id with the first event). A refused start leaves the card working alone."""
        choices = out.choices
        if choices is None or choices.closed or not choices.options:
            return
        content = start_content(out, choices, tz, await self.transport.encrypted(card.channel_id),
                                render.in_thread(thread, card.id) if thread else None)
        if content is None:
            log.warning("matrix: the native poll of %s would be too large; the card goes alone", card.id)
            return
        try:
            start = await self.transport.send_event(card.channel_id, START, content,
                                                    f"{key}-poll" if key else None)
        except MatrixError as e:
            log.warning("matrix: the native poll of %s was not started: %s", card.id, e)
            return
        self.note_start(card.channel_id, start)
        n = len(content[START]["answers"])
        closes = choices.closes.timestamp() if choices.closes else None
        await self._store().save_poll(NativePoll(start, card.channel_id, card.id, n,
                                                 content[START]["max_selections"], ref=out.ref,
                                                 closes=closes))

    async def end(self, card: MessageRef, out: Card, tz: ZoneInfo | None) -> None:
        """The card was closed: end its native polls, with the results as the fallback text.
        Each on its own: whatever goes wrong with one, the others end."""
        for poll in await self._store().polls_of(card.id):
            if poll.state == "open":
                try:
                    await self._end_one(poll, out, tz)
                except Exception:  # still `ending` (sent at the next start) or still open
                    log.exception("matrix: ending the native poll %s failed", poll.start_id)

    async def _end_one(self, poll: NativePoll, out: Card, tz: ZoneInfo | None) -> None:
        store = self._store()
        if poll.start_id in self.ended_elsewhere:
            self.ended_elsewhere.discard(poll.start_id)
            # Closed on an end sent in Element: a second end would only repeat it.
            await store.set_poll_state(poll.start_id, "ended")
            return
        # Ending from here on: the card takes no votes any more, and until the end has
        # landed it is sent again (at each start too: a crash may come before it lands).
        await store.set_poll_state(poll.start_id, "ending", self._clock())
        content = None
        try:
            content = end_content(poll.start_id, out, tz, await self.transport.encrypted(poll.room_id))
        except Exception as e:  # the end goes with the shorter fallback
            log.warning("matrix: the results of the native poll %s are left out of its end: %r",
                        poll.start_id, e)
        await self._send_end(poll, content)

    # --- inbound -------------------------------------------------------------------------

    async def poll_for(self, room_id: str, response: inbound.PollResponse) -> NativePoll | None:
        """The open native poll a response answers, if it is one of the bot's."""
        poll = await self._store().poll(response.start)
        return poll if poll is not None and poll.room_id == room_id and poll.state == "open" else None

    def note_start(self, room_id: str, start_id: str) -> None:
        self._own_starts[start_id] = room_id
        while len(self._own_starts) > OWN_STARTS_KEPT:
            self._own_starts.popitem(last=False)

    async def awaited(self, room_id: str, start_id: str) -> bool:
        """Whether `start_id` is the bot's own poll start in this room, not stored yet: its
        card's send is still under way (a response to it waits, early.py)."""
        return (self._own_starts.get(start_id) == room_id
                and await self._store().poll(start_id) is None)

    async def end_asked(self, room_id: str, start_id: str, allowed: bool) -> NativePoll | None:
        """The open poll an end event from someone else than the bot names, if the end is
        valid (`allowed`, MSC3381: the poll's sender or someone who may redact others'
        events). Nothing changes here: the poll ends with its card (`end`), if that closes."""
        poll = await self._store().poll(start_id)
        if poll is None or poll.room_id != room_id or poll.state != "open" or not allowed:
            return None
        return poll

    async def respond(self, poll: NativePoll, ev: inbound.Envelope,
                      response: inbound.PollResponse) -> list[Change]:
        """Take a response; the changes of its sender's choices on the card, removals first."""
        if too_late(poll, ev, self.bot_time()):
            return []
        vote = NativeVote(ev.sender, ev.event_id, _ts(ev), counted(response.answers, poll))
        taken = await self._store().cast_vote(poll, vote, vote_rows(poll, vote))
        if taken is None:
            return []  # an older response than the one counting, or a replay
        before, after = taken
        lost, gained = before - after, after - before
        if poll.max_selections == 1:
            # A single choice made now is the person's latest (MSC3381), even where a number
            # reaction of theirs or their response before holds it already: taken back and
            # given again, so the core counts it after a `poll vote` or reaction since.
            again = {NUMBER_KEYS[a - 1] for a in vote.answers} & before & after
            lost, gained = lost | again, gained | again
        return ([Change(k, False) for k in sorted(lost, key=_order)]
                + [Change(k, True) for k in sorted(gained, key=_order)])

    async def redacted(self, room_id: str, event_id: str, by_moderator: bool) -> str | None:
        """A redaction of a start or a counted response. Returns the card to recount (a
        response was taken back), else None."""
        store = self._store()
        poll = await store.poll(event_id)
        if poll is not None:
            # Only someone who may redact others' events takes a poll away (see cards).
            if poll.room_id == room_id and poll.state == "open" and by_moderator:
                await store.set_poll_state(poll.start_id, "gone")
            return None
        start = await store.poll_of_response(event_id)
        poll = await store.poll(start) if start else None
        if poll is None or poll.room_id != room_id or poll.state != "open":
            return None
        return poll.card_id

    # --- reconciling ---------------------------------------------------------------------

    async def present(self, card: MessageRef) -> tuple[list[StoredReaction], dict[str, list[NativeVote]]]:
        """The card's native answers now, as reaction rows, and the votes of each native poll
        re-read from /relations (those no longer open keep the votes they had)."""
        store = self._store()
        rows: list[StoredReaction] = []
        reread: dict[str, list[NativeVote]] = {}
        for poll in await store.polls_of(card.id):
            events = None
            if poll.state == "open":
                events = await related_events(self.transport, poll.room_id, poll.start_id, "m.reference")
            if events is None:
                votes = await store.votes(poll.start_id)
            else:
                client = self.transport.client
                counted_so_far = {v.sender: v for v in await store.votes(poll.start_id)}
                best, locked = latest_votes(poll, [readable(client, poll.room_id, e) for e in events],
                                            self.transport.user_id, self.bot_time(),
                                            {v.response_id for v in counted_so_far.values()})
                if locked:
                    # A recount never trades a vote for one it cannot read: where someone's
                    # latest response is still locked, the vote counted so far stands.
                    for sender, at in locked.items():
                        seen = best.get(sender)
                        if sender in counted_so_far and (seen is None or at > seen.ts):
                            best[sender] = counted_so_far[sender]
                votes = reread[poll.start_id] = list(best.values())
            for vote in votes:
                rows.extend(vote_rows(poll, vote))
        return rows, reread
