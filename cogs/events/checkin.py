"""Check-in, "I'm here": a 📍 reaction on the card or `checkin <id>`, from `checkin.window`
before the start until the end; the creator or a moderator can check in someone by the name
the event's lists show. A check-in too early or too late is refused with when it opens or
when it closed. Cards read again have their 📍 reactions reconciled like RSVPs (rsvp.py calls in);
one read again past its event's archiving is archived (turnout.py).

A part of the events cog (a mixin), so its command and handlers are the cog's own."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.cog import Cog
from bot.commands import Option, command
from bot.context import Context, Refusal
from bot.model import ReactionChanged, SpaceRef, UserRef
from bot.timeparse import format_duration, format_time

from . import checkin_repo, repo
from .audience import Audience
from .checkin_repo import SELF
from .render import _named, looks
from .repo import Attendee, Event
from .turnout import Turnout
from .turnout_render import HERE, already_text, checked_in_text, not_open_text

NAMES_SAID = 10  # names listed when a name matches nobody
_TRAILING_ID = re.compile(r"\(([^()]*)\)\s*$")


def _by_id(p: Attendee, typed: str) -> bool:
    """The typed text is the person's ID (with or without a leading @), or their name followed
    by their ID in brackets, as a platform tells apart names that look alike."""
    ident = looks(p.user.partition(":")[2]).removeprefix("@")
    if not ident or looks(typed).removeprefix("@") == ident:
        return bool(ident)
    tail = _TRAILING_ID.search(typed)
    return (tail is not None and looks(tail[1]).removeprefix("@") == ident
            and looks(typed[:tail.start()]) in {"", looks(p.name)})


def opens_at(event: Event, window: timedelta) -> datetime:
    return event.starts_at - window


def _check_open(event: Event, window: timedelta, now: datetime, tz: ZoneInfo) -> None:
    """Refuses a check-in outside the window, saying when it opens or when it closed."""
    if event.cancelled:
        raise Refusal(f"event #{event.id} is cancelled, so there is nothing to check in to")
    if now < opens_at(event, window):
        raise Refusal(f"check-in for event #{event.id} opens at {format_time(opens_at(event, window), tz)}, "
                      f"{format_duration(window)} before it starts; check in then")
    if event.over(now):
        raise Refusal(f"event #{event.id} ended at {format_time(event.ends_at, tz)}, and check-in closed then")


class CheckIns(Cog):
    audience: Audience
    turnout: Turnout
    _told_not_open: set[tuple[int, str]]

    async def event_here(self, ctx: Context, event_id: int) -> Event:
        raise NotImplementedError

    def refresh(self, event_id: int) -> None:
        raise NotImplementedError

    @command("checkin", "I'm here: check in at an event (with a name: check in someone on its list, "
             "for its creator and moderators)",
             Option("id", "the event's number", kind="int", min=1, suggest="suggest_event"),
             Option("name", "someone on the event's list, as it shows them", required=False, rest=True,
                    max_length=100))
    async def checkin(self, ctx: Context, id: int, name: str | None = None) -> None:
        event = await self.event_here(ctx, id)
        if name is not None and event.creator != ctx.user.key and not ctx.is_moderator:
            raise Refusal(f"only the event's creator or a moderator can check in someone else; to check "
                          f"yourself in, say {ctx.prefix}checkin {id} or react {HERE} on the card")
        window = await self.turnout.window(SpaceRef.from_key(event.space))
        _check_open(event, window, ctx.now, await ctx.timezone())
        who = await self._named_person(ctx, event, name) if name is not None else None
        person = who or Attendee(ctx.user.key, ctx.user.name)
        source = SELF if who is None else f"by {ctx.user.key}"
        now = ctx.now

        def unit(conn: sqlite3.Connection) -> bool:
            current = repo.get(conn, id)
            if current is None or current.cancelled or current.over(now) or now < opens_at(current, window):
                raise Refusal(f"event #{id} changed meanwhile; check its card and try again")
            return checkin_repo.check_in(conn, id, person.user, person.name, source, now)

        # Named as the card in this channel names them: there a bare name is this platform's.
        labels = await self.audience.labels(event, platform=ctx.channel.platform) if who else None
        if await self.db.write(unit):
            self.refresh(id)
            await ctx.reply(checked_in_text(event, who, labels), ephemeral=who is None)
        else:
            await ctx.reply(already_text(event, who, labels), ephemeral=True)

    async def _named_person(self, ctx: Context, event: Event, name: str) -> Attendee:
        """The one person on the event's lists (or among those here) shown by this name."""
        def read(conn: sqlite3.Connection) -> list[Attendee]:
            r = repo.roster(conn, event)
            return [*r.going, *r.waitlist, *r.maybe, *r.no, *checkin_repo.here(conn, event.id)[0]]

        people = list({p.user: p for p in await self.db.read(read)}.values())
        labels = await self.audience.labels(event, everyone=True)
        # Someone's ID picks them out even where another's name is the same; failing that, the
        # name as the list shows it (or as it was given), however its hidden parts were typed.
        found = [p for p in people if _by_id(p, name)]
        if not found:
            # A leading @ is a mention's, typed or in a name itself ("@Sam"): it is left off both
            # sides, so a name is found as the list shows it, and "Sam" and "@Sam" are both named.
            wanted = looks(name).removeprefix("@")
            found = [p for p in people
                     if wanted in {looks(_named(p, labels)).removeprefix("@"), looks(_named(p, None)).removeprefix("@")}]
        if len(found) == 1:
            return found[0]
        if found:
            shown = ", ".join(sorted({_named(p, labels) for p in found}))
            raise Refusal(f"{len(found)} people on the list of event #{event.id} are called '{name}' "
                          f"({shown}); name one as the list shows it, or ask them to react {HERE} "
                          f"or say {ctx.prefix}checkin {event.id} themselves")
        names = sorted({_named(p, labels) for p in people}, key=str.casefold)
        known = (f"; names on it: {', '.join(names[:NAMES_SAID])}" + (" …" if len(names) > NAMES_SAID else "")
                 if names else "; nobody has answered it yet")
        raise Refusal(f"nobody called '{name}' is on the list of event #{event.id}{known}. Someone not on "
                      f"it can react {HERE} or say {ctx.prefix}checkin {event.id} themselves")

    # --- the 📍 reaction (rsvp.py hands it over) -------------------------------------------------

    async def on_here_reaction(self, ev: ReactionChanged, event_id: int) -> None:
        event = await self.db.read_small(lambda c: repo.get(c, event_id))
        if event is None or event.cancelled:
            return
        now = self.clock.now()
        # One made before the end counts however late it arrives. Only the end is judged by the
        # platform's stamp: one that says earlier than it was (a server's clock behind) must not
        # turn a 📍 made once check-in opened into an early one.
        made = ev.made(now)
        window = await self.turnout.window(SpaceRef.from_key(event.space))
        user = ev.user
        card = ev.message.key
        if event.over(made):
            if ev.added:
                await self._tell_not_open(event, user, None)
            return  # after the end the list stands
        if now < opens_at(event, window):
            # Before it opened nothing counts, and this 📍 will not once it opens: its person
            # checks in with the command then (or takes it off and reacts again while the bot
            # runs; put back while it is away, a reading cannot tell it from this one).
            await self.db.write(lambda c: (checkin_repo.stale if ev.added else checkin_repo.fresh)(
                c, event_id, user.key, card))
            if ev.added:
                await self._tell_not_open(event, user, opens_at(event, window))
            return

        live = [m.key for m in self.bot.tracked_messages(self.name, "event", event_id)]
        checked_at = max(made, opens_at(event, window))

        def unit(conn: sqlite3.Connection) -> bool:
            # A 📍 added or taken off now is the person's own doing: one from before check-in
            # opened is gone from this card either way.
            was_stale = checkin_repo.is_stale(conn, event_id, user.key, card)
            checkin_repo.fresh(conn, event_id, user.key, card)
            if ev.added:
                return checkin_repo.pin(conn, event_id, user.key, user.name, card, checked_at) or was_stale
            return checkin_repo.unpin(conn, event_id, user.key, card, live) or was_stale

        if await self.db.write(unit):
            self.refresh(event_id)

    async def _tell_not_open(self, event: Event, user: UserRef, opens: datetime | None) -> None:
        """Said once per person and event while the bot runs: a reaction has no reply of its own."""
        if (event.id, user.key) in self._told_not_open:
            return
        self._told_not_open.add((event.id, user.key))
        await self.audience.tell(event, [Attendee(user.key, user.name)],
                                 lambda p: not_open_text(event, p, opens, self.bot.prefix_for(user.platform)))

    async def reconcile_here(self, event_id: int, platform: str, readings: Mapping[str, Mapping[str, Sequence[UserRef]]],
                             *, take_back: bool, complete: bool) -> None:
        """While check-in is open: the 📍 reactions on the cards read ({card key: reactions}) are
        the truth for which of their platform's people each carries (only adding without
        `take_back`); a check-in by reaction goes with the last card carrying it. Before it opens,
        the 📍 there are noted as too early: they do not count until taken off. See on_reconcile."""
        event = await self.db.read_small(lambda c: repo.get(c, event_id))
        if event is None:
            return
        if not await self.turnout.open_now(event):
            await self._pins_left(event_id, readings)
        if event.cancelled:
            return
        now = self.clock.now()
        window = await self.turnout.window(SpaceRef.from_key(event.space))
        if event.over(now):
            if self.turnout.archived(event, now):  # live still: a stop came before its archiving edit
                await self.turnout.archive(event_id)
            return
        present = {card: [(u.key, u.name) for u in reactions.get(HERE, [])] for card, reactions in readings.items()}
        if now < opens_at(event, window):  # each 📍 there is too early: it will not count
            await self.db.write(lambda c: checkin_repo.read_early(c, event_id, present, take_back=take_back))
            return
        if await self.db.write(lambda c: checkin_repo.reconcile(c, event_id, platform, present, now,
                                                                take_back=take_back, complete=complete)):
            self.refresh(event_id)

    async def _pins_left(self, event_id: int, readings: Mapping[str, Mapping[str, Sequence[UserRef]]]) -> None:
        """Check-in is not open, yet a card read shows 📍: the bot's own may be among them, left
        by a stop between an edit or cancel that closed check-in and its taking back. Asked only
        where one shows (bots' own are left out of a reading, but their emoji stays in it), as
        taking back costs a lookup on some platforms."""
        for card in self.bot.tracked_messages(self.name, "event", event_id):
            if HERE in readings.get(card.key, {}):
                await self.bot.take_back_own_reaction(card, HERE)
