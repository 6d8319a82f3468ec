"""Cancelling events, one occurrence or the rest of a series. A part of the events cog (a mixin,
like rsvp.py), so its commands are the cog's own."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from functools import partial

from bot.commands import Option, command
from bot.context import Context, Refusal
from bot.model import ChannelRef, MessageRef
from bot.render import Out, Time, line, text
from bot.timeparse import format_time

from . import repo, series_repo
from .cancel_notice import CancelNotices
from .reminders import Handle
from .render import EMOJI
from .repo import Event
from .rsvp import Rsvps
from .series import SeriesPlanner
from .turnout_render import HERE

EVENT_ID = Option("id", "the event's number", kind="int", min=1, suggest="suggest_event")
SCOPE = Option("scope", "series: this one and every later one of its series", kind="choice",
               choices=("series",), required=False)


class Cancelling(Rsvps):
    series: SeriesPlanner
    notices: CancelNotices

    async def _editable(self, ctx: Context, event_id: int, verb: str) -> Event:
        raise NotImplementedError

    async def render_card(self, event_id: int, channel: ChannelRef) -> Out:
        raise NotImplementedError

    @command("event cancel", "cancel an event (with series: it and every later one, ending the "
             "series); attendees are told", EVENT_ID, SCOPE)
    async def cancel(self, ctx: Context, id: int, scope: str | None = None) -> None:
        if scope == "series":
            found = await self._series_from(ctx, id, "cancel")
            await (self._end_unposted(ctx, found, id) if isinstance(found, int) else self._end_series(ctx, found))
            return
        await self._editable(ctx, id, "cancel")

        def unit(conn: sqlite3.Connection) -> tuple[Event, Handle]:
            updated = repo.update(conn, _uncancelled(conn, id).id, state="cancelled")
            if updated.series_id is not None:  # its series' VEVENT in the feed gains an EXDATE
                series_repo.update(conn, updated.series_id)
            self.scheduler.cancel(conn, f"event:{id}:")
            return updated, self.notices.put(conn, [updated], self.bot.clock.now())

        updated, notice = await self.db.write(unit)
        await self.turnout.pin_off(updated)  # before retiring: its cards are found by their tracking
        await self.retire(id)
        await self.native.withdrawn(updated)
        await ctx.reply(text(line("✅ Cancelled ", updated.title, f" #{id}; pending reminders are off.")))
        await self.notices.send(notice)

    async def retire(self, event_id: int) -> None:
        """Cancelled: its cards are to show it so, and are no longer live. In the database each
        is until that edit has landed on it, so a stop or a kill before it leaves it to the next
        start's reconcile (`retire_cancelled`), which edits it then. A card on a platform this
        process does not run is left to the process that runs it (its reconcile retires it)."""
        event = await self.db.read_small(lambda c: repo.get(c, event_id))
        called_off = event is not None and event.cancelled
        for message in self.bot.tracked_messages(self.name, "event", event_id):
            if self.bot.capabilities(message.platform) is None:
                continue
            self.bot.refresh_card(message, partial(self.render_card, event_id, message.channel),
                                  partial(self._retired, event_id, message, called_off))
        await self.bot.untrack(self.name, "event", event_id, durably=False)

    async def _retired(self, event_id: int, card: MessageRef, called_off: bool) -> None:
        """Its last edit is on the card. A cancelled event's stops inviting answers nobody would
        hear (an ended one's did at the end: turnout.py): the bot's ✅ 🤔 ❌ come off first, so a
        stop between the two leaves it live, and the next start's reconcile retires it again."""
        if called_off:
            for emoji in EMOJI:
                await self.bot.take_back_own_reaction(card, emoji)
        await self.bot.untrack(self.name, "event", event_id, card=card)

    async def retire_cancelled(self, event_id: int) -> None:
        """At a reconcile of its cards: a cancelled event's card still live missed its last edit,
        and maybe the taking back of the bot's own 📍 before it (`turnout.pin_off`; a stop may
        come between them). Whether check-in was open then is not known now: it comes off each
        card (one on a platform this process does not run is left alone), which changes nothing
        where it is not on."""
        event = await self.db.read_small(lambda c: repo.get(c, event_id))
        if event is None or not event.cancelled:
            return
        for card in self.bot.tracked_messages(self.name, "event", event_id):
            await self.bot.take_back_own_reaction(card, HERE)
        await self.retire(event_id)

    async def _series_from(self, ctx: Context, id: int, verb: str) -> Event | int:
        """The occurrence a `series` edit or cancel acts from: this one, or, for one that has ended
        or was cancelled, the series' id when no later one is posted (in a monthly series none may
        be for weeks, and there is no other id to name it by). A later one posted is named in a
        refusal: it is the one to give."""
        event = await self.event_here(ctx, id)
        if event.series_id is None:
            raise Refusal(f"event #{id} is not part of a series; leave out 'series'")
        if not (event.cancelled or event.over(ctx.now)):
            return await self._editable(ctx, id, verb)
        if event.creator != ctx.user.key and not ctx.is_moderator:
            raise Refusal(f"only the event's creator or a moderator can {verb} event #{id}")
        sid, since = event.series_id, event.occurrence or ""
        found = await self.db.read_small(lambda c: series_repo.live_from(c, sid, since, ctx.now))
        if isinstance(found, int):
            return found
        tz = await ctx.timezone()
        state = "is already cancelled" if event.cancelled else f"has already ended ({format_time(event.ends_at, tz)})"
        raise Refusal(f"event #{id} {state}; its series goes on with #{found.id} "
                      f"({format_time(found.starts_at, tz)}): {ctx.prefix}event {verb} {found.id}{' …' * (verb == 'edit')} series")

    async def _end_unposted(self, ctx: Context, series_id: int, named: int) -> None:
        """End a series whose next occurrence is not posted yet: nobody has answered it, so nobody
        is told but the one who ended it."""
        def unit(conn: sqlite3.Connection) -> tuple[str, datetime]:
            s = series_repo.get(conn, series_id)
            # Those posted are ended by their own ids; this is the first one not posted yet.
            nxt = series_repo.next_unmade(conn, s, ctx.now) if s is not None else None
            if s is None or nxt is None:
                raise Refusal(f"#{named} and every later one of its series are already cancelled or "
                              "over: the series has ended; there is nothing left to cancel")
            series_repo.update(conn, series_id, ends_before=nxt[0])
            self.scheduler.cancel(conn, f"series:{series_id}:make:")
            return s.title, nxt[1]

        title, nxt = await self.db.write(unit)
        await ctx.reply(text(line("✅ Ended the series ", title, ": its next one (", Time(nxt),
                                  ") and every later one will not be posted.")))

    async def _end_series(self, ctx: Context, event: Event) -> None:

        def unit(conn: sqlite3.Connection) -> tuple[list[Event], Handle]:
            ended = self.series.end_from(conn, _uncancelled(conn, event.id))
            # One notice for them all, written with the end: those who answered any are told once.
            return ended, self.notices.put(conn, ended, self.bot.clock.now(), series=True)

        ended, notice = await self.db.write(unit)
        for e in ended:
            await self.turnout.pin_off(e)
            await self.retire(e.id)
            await self.native.withdrawn(e)
        await ctx.reply(text(line("✅ Ended the series ", event.title, f" from #{event.id} on; "
                                  f"{len(ended)} occurrence(s) cancelled, nothing more will be posted.")))
        await self.notices.send(notice)


def _uncancelled(conn: sqlite3.Connection, event_id: int) -> Event:
    """The event as the cancel's unit finds it: a cancel that came first (a second `event cancel`
    racing this one) leaves nothing to cancel, and its notice is not written again."""
    event = repo.get(conn, event_id)
    if event is None or event.cancelled:
        raise Refusal(f"event #{event_id} is already cancelled")
    return event

