"""RSVPs: by reaction on the card, by button, or by `rsvp`; the waitlist's promotions
are announced; when cards are read again (at start, or one whose reactions were cleared) their
reactions are reconciled with the stored marks (a promotion such a reading finds for someone on a
linked platform whose cards are still to be read waits for that reading: held.py). The card's
📍 reaction is a check-in (checkin.py).

A part of the events cog (a mixin), so its listeners and command are the cog's own."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from functools import partial

from bot.cog import on_action, on_reaction, on_reconcile
from bot.commands import Option, command
from bot.context import Context, Refusal
from bot.converters import row_id
from bot.model import ActionInvoked, MessageRef, ReactionChanged, UserRef
from bot.render import line, text

from . import repo
from .audience import Audience, platform_of
from .checkin import CheckIns
from .held import HeldPromotions, split
from .native import NativeSurfaces
from .notify import DirectMessages
from .render import EMOJI, closed_reaction_text, promoted_text, waitlisted_text
from .repo import Event, RsvpResult, marks
from .rsvp_unit import Marked, mark_unit
from .turnout_render import HERE

Reactions = Mapping[str, Sequence[UserRef]]

SAID = {"going": "✅ You're going to ", "maybe": "🤔 You're a maybe for ", "no": "❌ You're not going to "}


class Rsvps(CheckIns):
    dms: DirectMessages
    native: NativeSurfaces
    audience: Audience
    holds: HeldPromotions
    _told_closed: set[tuple[int, str]]  # (event, person) told their reaction came too late

    @on_reaction("event")
    async def on_rsvp_reaction(self, event: ReactionChanged, event_id: int) -> None:
        if event.emoji == HERE:
            await self.on_here_reaction(event, event_id)
            return
        status = EMOJI.get(event.emoji)
        if status is None:
            return
        live = [m.key for m in self.bot.tracked_messages(self.name, "event", event_id)]
        # One made before the end counts as it would have then, however late it arrives.
        marked = await self._apply(event_id, event.user, status, added=event.added, source="reaction",
                                   card=event.message.key, live=live, at=event.made(self.clock.now()))
        if event.added and not marked.is_open:
            await self._tell_closed(event_id, event)

    async def _tell_closed(self, event_id: int, reaction: ReactionChanged) -> None:
        """A reaction has no reply of its own, and one on the card of an event past answering would
        otherwise look counted: said where it was made, once per person and event while the bot
        runs (clicking again says nothing new), naming them without a ping."""
        user = reaction.user
        event = await self.db.read_small(lambda c: repo.get(c, event_id))
        if event is None or (event_id, user.key) in self._told_closed:
            return
        self._told_closed.add((event_id, user.key))
        await self.bot.send(reaction.message.channel, closed_reaction_text(event, user.name, reaction.emoji))

    @on_action("rsvp")
    async def on_rsvp_button(self, ctx: Context, action: ActionInvoked, arg: str) -> None:
        number, _, status = arg.partition(":")
        event_id = row_id(number)
        if event_id is None or status not in repo.STATUSES:
            raise Refusal("that button is out of date; use the rsvp command instead")
        await self._rsvp(ctx, event_id, status)

    @command("rsvp", "answer an event: going, maybe or no",
             Option("id", "the event's number", kind="int", min=1, suggest="suggest_event"),
             Option("status", "going, maybe or no", kind="choice", choices=repo.STATUSES))
    async def rsvp(self, ctx: Context, id: int, status: str) -> None:
        await self._rsvp(ctx, id, status)

    async def _rsvp(self, ctx: Context, event_id: int, status: str) -> None:
        event = await self.event_here(ctx, event_id)
        if event.cancelled:
            raise Refusal(f"event #{event_id} is cancelled, so it takes no RSVPs")
        if event.over(ctx.now):
            raise Refusal(f"event #{event_id} has ended, so it takes no more RSVPs")
        result = (await self._apply(event_id, ctx.user, status, added=True, source="text")).result
        if result is not None and result.old == result.new == "going" and event.capacity is not None:
            # Saying "going" again changes nothing about a place on the waitlist.
            cap = event.capacity
            place = await self.db.read_small(lambda c: repo.waitlist_place(c, event_id, ctx.user.key, cap))
            result = replace(result, waitlisted_at=place)
        if result is None or result.new is None:
            await ctx.reply(text(f"Your RSVP for #{event_id} is unchanged."), ephemeral=True)
        elif result.waitlisted_at is not None:
            still = "still " if result.old == "going" else ""
            await ctx.reply(text(line(f"You're {still}on the waitlist for ", event.title,
                                      f" #{event_id} (number {result.waitlisted_at}); "
                                      "I'll tell you when a spot opens.")), ephemeral=True)
        else:
            await ctx.reply(text(line(SAID[result.new], event.title, f" #{event_id}.")), ephemeral=True)

    async def _apply(self, event_id: int, user: UserRef, status: str, *, added: bool,
                     source: str, card: str = "", live: Sequence[str] = (), at: datetime | None = None) -> Marked:
        # A platform that names only the id of who took a reaction back gives no name: the
        # stored one stays (both forms of the unit keep it).
        now = self.clock.now()
        unit = mark_unit(event_id, user.key, user.name, status, added=added, source=source, now=at or now,
                         card=card, live=live)
        # A promotion of someone on a platform still starting is held (held.py) in the RSVP's own
        # unit, so the RSVP never lands without what says it; that unit runs as a function, not
        # in bulk, which only a linked platform's start asks for.
        unread = self.holds.unread(event_id)
        if unread:
            marked, held = await self.db.write(partial(_holding, self.holds, unit, event_id, unread, now))
        else:
            marked, held = await self.db.write(unit), []
        await self.holds.landed(event_id, held)  # before any send, which may fail: its alarm is set
        is_open, result = marked.is_open, marked.result  # acknowledged only after its commit
        # the whole event only when someone is to be told: the message names it
        told = result is not None and (result.promoted or (
            source == "reaction" and result.waitlisted_at is not None))
        event = await self.db.read_small(lambda c: repo.get(c, event_id)) if told else None
        if result is not None and result.new != result.old:
            self.bot.metrics.rsvp(result.new or "none")
        if is_open and result is not None:
            self.refresh(event_id)
            if marked.has_role and (result.new != result.old or result.promoted):
                await self.native.roster_changed(event_id)
            if event is not None:
                await self.holds.told(event_id, [p.user for p in result.promoted])
                await self.announce_promotions(event, result)
                if source == "reaction" and result.waitlisted_at is not None:
                    # A reaction gets no reply of its own: the card's counts alone would not
                    # say that this person is waiting, not in.
                    place = result.waitlisted_at
                    await self.audience.tell(event, [repo.Attendee(user.key, user.name)],
                                             lambda p: waitlisted_text(event, p, place))
        return marked

    async def announce_promotions(self, event: Event, result: RsvpResult) -> None:
        for person in result.promoted:
            if self.bot.capabilities(platform_of(person)) is None and await self.holds.elsewhere(event, person):
                continue  # said where their platform runs
            said = promoted_text(event, person)
            await self.audience.tell(event, [person], lambda p: promoted_text(event, p))
            await self.dms.send([person], said, await self.audience.channels(event))

    @on_reconcile("event")
    async def on_reconcile(self, event_id: int, readings: dict[MessageRef, Reactions], whole: bool) -> None:
        """Each card read is the truth for the marks it carries; a person's answer is then the
        union over the event's live cards, whose marks the bot kept while it listened. The cards
        read together are applied in one unit, so a reaction moved from one to another while the
        bot was away keeps its place. When one could not be read, reactions only add (the card
        a reaction moved to may be the one not read). Marks from before cards were told apart
        stand for a reaction on any card: they go only once every live card on the platform
        was read."""
        platform = next(iter(readings)).platform
        by_card = {m.key: r for m, r in readings.items()}
        cards = {m.key for m in self.bot.tracked_messages(self.name, "event", event_id) if m.platform == platform}
        complete = whole and cards <= by_card.keys()
        truths = {card: {status: [(u.key, u.name) for u in r.get(emoji, [])] for emoji, status in EMOJI.items()}
                  for card, r in by_card.items()}

        now = self.clock.now()
        # Promotions of people on a platform whose cards are still to be read (linked spaces, at
        # start) are held until they are (held.py): they may have said no there meanwhile.
        unread = self.holds.unread(event_id) - {platform}

        def unit(conn: sqlite3.Connection) -> tuple[Event | None, RsvpResult | None, list[str], list[tuple[int, datetime]]]:
            event = repo.get(conn, event_id)
            if event is None or event.cancelled or event.over(now):
                return None, None, [], []  # answers close at the end, as a live reaction's do
            changed: set[str] = set()
            for card, truth in truths.items():
                changed |= marks.reconcile_card(conn, event_id, card, truth, take_back=whole)
            if complete:
                changed |= marks.forget_cardless(conn, event_id, platform)
            if not changed:
                return event, None, [], []
            names = {u: n for truth in truths.values() for users in truth.values() for u, n in users}
            users = sorted(changed)
            before = _statuses(conn, event_id, users)
            result = repo.rederive(conn, event, [(u, names.get(u, "")) for u in users])
            told, held = split(result.promoted, unread)
            handles = self.holds.hold(conn, event, held, now) if held else []
            self.holds.drop(conn, event_id, [p.user for p in told])
            after = _statuses(conn, event_id, users)
            return (event, replace(result, promoted=tuple(told)), [after.get(u) or "none" for u in users
                                                                   if after.get(u) != before.get(u)], handles)

        event, result, answers, handles = await self.db.write(unit)
        self.holds.after_commit(handles)
        for status in answers:  # answers made while the bot was away are RSVPs stored too
            self.bot.metrics.rsvp(status)
        if event is not None and result is not None:
            self.refresh(event_id)
            await self.native.roster_changed(event_id)
            await self.announce_promotions(event, result)
        await self.holds.read(event_id, platform)
        await self.reconcile_here(event_id, platform, by_card, take_back=whole, complete=complete)
        if event is None:  # cancelled, its card still live: a stop came before its last edit
            await self.retire_cancelled(event_id)

    async def retire_cancelled(self, event_id: int) -> None:
        raise NotImplementedError


def _holding(holds: HeldPromotions, unit: Callable[[sqlite3.Connection], Marked], event_id: int,
             unread: set[str], now: datetime, conn: sqlite3.Connection) -> tuple[Marked, list[tuple[int, datetime]]]:
    """The RSVP's unit, then the hold of whom it promoted on a platform in `unread`: the Marked
    names only those to tell now."""
    marked = unit(conn)
    result = marked.result
    event = repo.get(conn, event_id) if result is not None and result.promoted else None
    if result is None or event is None:
        return marked, []
    told, handles = holds.hold_live(conn, event, result.promoted, unread, now)
    return replace(marked, result=replace(result, promoted=tuple(told))), handles


def _statuses(conn: sqlite3.Connection, event_id: int, users: list[str]) -> dict[str, str]:
    rows = conn.execute(f"SELECT user, status FROM rsvps WHERE event_id=? AND user IN "
                        f"({','.join('?' * len(users))})", (event_id, *users)).fetchall()
    return {row[0]: row[1] for row in rows}
