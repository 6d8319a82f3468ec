"""Changing and cancelling events, one occurrence or the rest of a series. A part of the events
cog (a mixin, like rsvp.py), so its commands are the cog's own."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from bot.commands import Option, command
from bot.context import Context, Refusal
from bot.render import Time, line, text
from bot.timeparse import TimeParseError, parse_when

from . import repo, series_repo
from .cancel_notice import CancelNotices
from .reminders import Handle, Reminders
from .render import demoted_text, moved_text, placed_text
from .repo import Event, RsvpResult
from .rsvp import Rsvps
from .series import SeriesPlanner
from .turnout import NEW_GOAL

EVENT_ID = Option("id", "the event's number", kind="int", min=1, suggest="suggest_event")
DURATION = Option("duration", "how long it lasts, e.g. 90m or 3h (default 2h)", kind="duration",
                  required=False, positional=False, placeholder="duration")
SCOPE = Option("scope", "series: this one and every later one of its series", kind="choice",
               choices=("series",), required=False)
MAX_LENGTH = repo.MAX_LENGTH


def _length(duration: timedelta | None) -> timedelta:
    if duration is None:
        return repo.DEFAULT_LENGTH
    if duration > MAX_LENGTH:
        raise Refusal("an event can last at most 14 days; give a shorter duration=")
    return duration


class Editing(Rsvps):
    reminders: Reminders
    series: SeriesPlanner
    notices: CancelNotices

    async def _editable(self, ctx: Context, event_id: int, verb: str) -> Event:
        raise NotImplementedError

    async def _resolve_when(self, ctx: Context, when: str) -> tuple[datetime, int | None]:
        raise NotImplementedError

    async def _resolve_where(self, ctx: Context, where: str | None) -> tuple[str, int | None]:
        raise NotImplementedError

    async def _new_start(self, ctx: Context, event: Event, when: str, scope: str | None) -> datetime:
        """A series keeps its days, so a time of day alone ("19:30") is on this occurrence's day."""
        if scope == "series" and not when.strip().lower().startswith("poll:"):
            tz = await ctx.timezone()
            try:
                return parse_when(f"{event.starts_at.astimezone(tz):%Y-%m-%d} {when}", tz, ctx.now)
            except TimeParseError:
                pass  # more than a time of day: read as any when=
        return (await self._resolve_when(ctx, when))[0]

    @command("event edit", "change an event (with series: it and every later one of its series); "
             "attendees hear about a new time", EVENT_ID, SCOPE,
             Option("title", "a new title", required=False, positional=False, greedy=True, max_length=200),
             Option("when", "a new time", required=False, positional=False, greedy=True, placeholder="time",
                    max_length=100),
             Option("where", "a new place", required=False, positional=False, greedy=True,
                    placeholder="place", max_length=200),
             Option("capacity", "a new capacity, or 0 for no limit", kind="int", required=False,
                    positional=False, min=0, max=10000, placeholder="n"),
             Option("details", "new details", required=False, positional=False, greedy=True,
                    placeholder="text", max_length=1000),
             DURATION, NEW_GOAL)
    async def edit(self, ctx: Context, id: int, title: str | None, when: str | None, where: str | None,
                   capacity: int | None, details: str | None = None,
                   duration: timedelta | None = None, scope: str | None = None,
                   goal: int | None = None) -> None:
        now = ctx.now  # before `when=` is read, so "in 1 hour" is not behind its own 1h reminder
        event = await self._editable(ctx, id, "edit")
        if all(v is None for v in (title, when, where, capacity, details, duration, goal)):
            raise Refusal(f"say what to change, e.g. {ctx.prefix}event edit {id} when=\"friday 7pm\"")
        if scope == "series" and event.series_id is None:
            raise Refusal(f"event #{id} is not part of a series; leave out 'series'")
        starts_at = await self._new_start(ctx, event, when, scope) if when is not None else None
        location = (await self._resolve_where(ctx, where))[0] if where is not None else None
        length = _length(duration) if duration is not None else event.ends_at - event.starts_at
        ends_at = (starts_at or event.starts_at).astimezone(UTC) + length
        plan = await self.reminders.plan(ctx.space)
        ahead: timedelta = await self.settings.get(ctx.space, "series.ahead")
        fields: dict[str, object] = {k: v for k, v in (("title", title), ("location", location),
                                                       ("starts_at", starts_at), ("details", details))
                                     if v is not None}
        if ends_at != event.ends_at:
            fields["ends_at"] = ends_at
        if goal is not None:
            fields["goal"] = goal or None

        Changed = tuple[Event, list[repo.Attendee], list[repo.Attendee], list[Handle], repo.Roster]

        def change(conn: sqlite3.Connection, current: Event, series: bool = False) -> Changed:
            own = dict(fields)
            if series:  # each keeps its own start (a new time of day was set by split_at)
                own.pop("starts_at", None)
                own.pop("ends_at", None)
                if duration is not None:
                    own["ends_at"] = current.starts_at.astimezone(UTC) + length
            updated = repo.update(conn, current.id, **own) if own else current
            promoted: list[repo.Attendee] = []
            demoted: list[repo.Attendee] = []
            if capacity is not None:
                updated, promoted, demoted = repo.set_capacity(conn, updated, capacity or None)
            # A new start moves the reminders; a new end too moves the follow-up (turnout.py).
            moved = (starts_at is not None and not series) or duration is not None
            handles = self.reminders.schedule(conn, updated, plan, now) if moved else []
            return updated, promoted, demoted, handles, repo.roster(conn, updated)

        def unit(conn: sqlite3.Connection) -> list[Changed]:
            current = repo.get(conn, id)
            if current is None or current.cancelled:
                raise Refusal(f"event #{id} is cancelled")
            if scope != "series":
                return [change(conn, current)]
            targets = self.series.later(conn, current)
            handles: list[Handle] = []
            if starts_at is not None:
                targets, handles = self.series.split_at(conn, current, starts_at, now, ahead, plan)
                targets = [e for e in targets if not e.cancelled]
            assert targets[0].series_id is not None
            template: dict[str, object] = {k: v for k, v in fields.items()
                                           if k in ("title", "location", "details", "goal")}
            if capacity is not None:
                template["capacity"] = capacity or None
            if duration is not None:
                template["length"] = length
            if template:
                series_repo.update(conn, targets[0].series_id, **template)
            changed = [change(conn, e, series=True) for e in targets]
            changed[0][3].extend(handles)
            return changed

        changes = await self.db.write(unit)
        for changed in changes:
            await self.native.changed(changed[0], renamed=title is not None)
            if capacity is not None:
                await self.native.roster_changed(changed[0].id)
        for other, _, other_demoted, other_handles, other_roster in changes[1:]:
            self.reminders.arm(other_handles)
            self.refresh(other.id)
            if starts_at is not None and other_roster.going:  # a series moved to a new time
                await self._tell_moved(other, other_roster)
            if other_demoted:
                await self._tell_demoted(other, other_demoted)
        for other, other_promoted, _, _, _ in changes[1:]:
            await self.announce_promotions(other, RsvpResult(None, None, tuple(other_promoted), None))
        updated, promoted, demoted, handles, roster = changes[0]
        self.reminders.arm(handles)
        self.refresh(id)
        moved = starts_at is not None and starts_at != event.starts_at
        said: tuple[str | Time, ...] = (".",)
        if moved:
            said = (": it now starts ", Time(updated.starts_at, relative=True), " and ends ",
                    Time(updated.ends_at), ".")
        elif updated.ends_at != event.ends_at:
            said = (": it now ends ", Time(updated.ends_at, relative=True), ".")
        # Those not made yet change too (the series' own fields), so this is said with no count.
        also = " and every later one of its series" if scope == "series" else ""
        await ctx.reply(text(line("✅ Updated ", updated.title, f" #{id}{also}", *said)))
        if moved:
            await self._tell_moved(updated, roster)
        if location is not None and location != event.location:
            await self.audience.say(updated, lambda own: placed_text(updated, own), roster)
        if demoted:
            await self._tell_demoted(updated, demoted)
        await self.announce_promotions(updated, RsvpResult(None, None, tuple(promoted), None))

    async def _tell_moved(self, event: Event, roster: repo.Roster) -> None:
        await self.audience.say(event, lambda own: moved_text(event, own), roster)
        # A direct message is for one person: the news without the channel's heads-up to all.
        await self.dms.send(roster.going + roster.waitlist + roster.maybe,
                            moved_text(event, repo.Roster((), (), (), ())), await self.audience.channels(event))

    async def _tell_demoted(self, event: Event, demoted: list[repo.Attendee]) -> None:
        roster = repo.Roster((), tuple(demoted), (), ())
        await self.audience.say(event, lambda own: demoted_text(event, own.waitlist), roster)

    @command("event cancel", "cancel an event (with series: it and every later one, ending the "
             "series); attendees are told", EVENT_ID, SCOPE)
    async def cancel(self, ctx: Context, id: int, scope: str | None = None) -> None:
        event = await self._editable(ctx, id, "cancel")
        if scope == "series":
            await self._end_series(ctx, event)
            return

        def unit(conn: sqlite3.Connection) -> tuple[Event, Handle]:
            updated = repo.update(conn, _uncancelled(conn, id).id, state="cancelled")
            if updated.series_id is not None:  # its series' VEVENT in the feed gains an EXDATE
                series_repo.update(conn, updated.series_id)
            self.scheduler.cancel(conn, f"event:{id}:")
            return updated, self.notices.put(conn, [updated], self.bot.clock.now())

        updated, notice = await self.db.write(unit)
        self.refresh(id)
        await self.bot.untrack(self.name, "event", id)
        await self.native.withdrawn(updated)
        await ctx.reply(text(line("✅ Cancelled ", updated.title, f" #{id}; pending reminders are off.")))
        await self.notices.send(notice)

    async def _end_series(self, ctx: Context, event: Event) -> None:
        if event.series_id is None:
            raise Refusal(f"event #{event.id} is not part of a series; leave out 'series'")

        def unit(conn: sqlite3.Connection) -> tuple[list[Event], Handle]:
            ended = self.series.end_from(conn, _uncancelled(conn, event.id))
            # One notice for them all, written with the end: those who answered any are told once.
            return ended, self.notices.put(conn, ended, self.bot.clock.now(), series=True)

        ended, notice = await self.db.write(unit)
        for e in ended:
            self.refresh(e.id)
            await self.bot.untrack(self.name, "event", e.id)
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

