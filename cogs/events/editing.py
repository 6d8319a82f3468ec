"""Changing events, one occurrence or the rest of a series. A part of the events
cog (a mixin, like rsvp.py), so its commands are the cog's own."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from functools import partial

from bot.commands import Option, command
from bot.context import Context, Refusal
from bot.durations import duration_words, format_duration, other_digits
from bot.model import SpaceRef
from bot.render import line, text
from bot.timeparse import TimeParseError, format_time, names_a_day, parse_when, time_of_day
from bot.wallclock import WallTimeRefused
from cogs.polls.service import PollService

from . import repo, series_repo
from .cancelling import EVENT_ID, SCOPE, Cancelling
from .edit_reply import time_said
from .moved import TimeChanges
from .reminders import Handle, Reminders
from .render import demoted_text, placed_text
from .repo import Event, RsvpResult
from .turnout import NEW_GOAL, check_goal

# Greedy as when= is, so "1h 30 minutes" is read whole, not its second part as the title; only
# over words that go on writing a duration, so "duration=2h Movie night" leaves the title.
DURATION = Option("duration", "how long it lasts, e.g. 90m or 3h (default 2h)", kind="duration",
                  greedy=True, runs_on=duration_words, required=False, positional=False, placeholder="d")
MAX_LENGTH = repo.MAX_LENGTH
Taken = tuple[int, str]  # a poll's number and the option taken from it (`when=poll:N`)


def _length(duration: timedelta | None) -> timedelta:
    if duration is None:
        return repo.DEFAULT_LENGTH
    if duration > MAX_LENGTH:
        raise Refusal("an event can last at most 14 days; give a shorter duration=")
    if duration % timedelta(minutes=1):  # the card and the .ics show minutes: its end would be shown wrong
        whole = format_duration(-(-duration // timedelta(minutes=1)) * timedelta(minutes=1))
        raise Refusal(f"duration={format_duration(duration)} is not a whole number of minutes; "
                      f"an event lasts whole minutes, e.g. duration={whole}")
    return duration


class Editing(Cancelling):
    reminders: Reminders
    moved: TimeChanges

    async def _resolve_when(self, ctx: Context, when: str) -> tuple[datetime, Taken | None]:
        raise NotImplementedError

    async def _resolve_where(self, ctx: Context, where: str | None) -> tuple[str, Taken | None]:
        raise NotImplementedError

    def _close_in(self, closed: list[int], when: Taken | None, where: Taken | None,
                  conn: sqlite3.Connection) -> list[int]:
        """In the unit that takes them: close the polls, refusing if one no longer leads with what
        was taken from it. `closed` becomes those that were open (a unit run again starts over)."""
        polls, now = self.bot.service(PollService), self.bot.clock.now()
        taken = {t[0]: t[1] for t in (when, where) if t is not None}
        closed[:] = [p for p, option in taken.items()
                     if polls is not None and polls.close_agreed(conn, p, option, now)]
        return closed

    async def _closed(self, poll_ids: list[int]) -> None:
        """After the commit: the results of the polls `_close_in` closed."""
        if (polls := self.bot.service(PollService)) is not None:
            for poll_id in poll_ids:
                await polls.close_poll(poll_id, closed=True)

    async def _new_start(self, ctx: Context, event: Event, when: str, series: bool) -> tuple[datetime, Taken | None]:
        """An event keeps its day, so a time of day alone ("19:30") is on the event's own day (with
        'series', the one its series keeps for it, also if it was moved alone to another): read
        against today it would move the event to another day. With it, the poll the time came from."""
        if when.strip().lower().startswith("poll:"):
            return await self._resolve_when(ctx, when)
        tz = await ctx.timezone()
        day = event.occurrence[:10] if series and event.occurrence else f"{event.starts_at.astimezone(tz):%Y-%m-%d}"

        def on_its_day(typed: str) -> datetime | None:
            """The time of day on the event's day; None for more than a time of day."""
            # "evening 7pm" as 19:00: after the date, the words for the part of the day are not read
            alone = time_of_day(typed, tz, ctx.now)
            try:
                at = parse_when(f"{day} {alone}", tz, ctx.now, allow_past=True)
            except TimeParseError as e:
                if isinstance(e.__cause__, WallTimeRefused):  # the clocks skip it that day: no other day
                    raise
                if names_a_day(typed, tz, ctx.now):
                    return None
                # a time alone not read on the event's day: read against today it would move the event
                try:
                    parse_when(typed, tz, ctx.now)
                except TimeParseError as alone:
                    e = alone  # what was typed, not the text with the day put in front
                raise TimeParseError(f"{e}; or give the day too") from e
            if at <= ctx.now:
                raise TimeParseError(f"'{typed}' on the event's day is {format_time(at, tz)}, in the past; "
                                     "pick a time that is still ahead, or give the day too")
            return at

        def reading(typed: str) -> str | None:
            # What typing it with 0-9 would do here: "19:30" is on the event's day.
            try:
                return f" ({format_time(on_its_day(typed) or parse_when(typed, tz, ctx.now), tz)})"
            except TimeParseError:
                return None

        try:
            other_digits(when, reading)
            at = on_its_day(when)
        except TimeParseError as e:
            raise Refusal(f"when: {e}") from e
        if at is not None:
            return at, None
        return await self._resolve_when(ctx, when)  # more than a time of day: read as any when=

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
        if all(v is None for v in (title, when, where, capacity, details, duration, goal)):
            raise Refusal(f"say what to change, e.g. {ctx.prefix}event edit {id} when=\"friday 7pm\"")
        unmade: int | None = None  # the series, when none of its later ones is made: made with the edit
        if scope == "series":
            found = await self._series_from(ctx, id, "edit")
            if isinstance(found, int):  # checked as the series would make it, made with the edit
                unmade = found
                planned = await self.db.read_small(lambda c: self.series.unmade(c, unmade, now))
                if planned is None:
                    raise Refusal(f"#{id} and every later one of its series are already cancelled or over: "
                                  "the series has ended; there is nothing left to change")
                found = planned
            event, id = found, found.id
        else:
            event = await self._editable(ctx, id, "edit")
        check_goal(event.goal if goal is None else goal, event.capacity if capacity is None else capacity)
        starts_at, when_poll = await self._new_start(ctx, event, when, scope == "series") if when is not None else (None, None)
        location, where_poll = await self._resolve_where(ctx, where) if where is not None else (None, None)
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

        # the event, those promoted to tell now, those demoted, its jobs, its roster, its held promotions
        Changed = tuple[Event, list[repo.Attendee], list[repo.Attendee], list[Handle], repo.Roster, list[Handle]]
        places: dict[int, str] = {}  # each one's place before the edit: later ones may have had their own
        # Whom a new capacity promotes on a platform still starting is held (held.py) in the edit's
        # own unit; which platforms are still to be read is read once per event, so a unit run
        # again holds the same.
        unread: dict[int, set[str]] = {}
        befores: dict[int, Event] = {}

        def change(conn: sqlite3.Connection, current: Event, series: bool = False) -> Changed:
            places[current.id] = current.location
            befores.setdefault(current.id, current)  # a series edit's, before split_at moved it
            own = dict(fields)
            if series:  # each keeps its own start (a new time of day was set by split_at)
                own.pop("starts_at", None)
                own.pop("ends_at", None)
                if duration is not None:
                    own["ends_at"] = current.starts_at.astimezone(UTC) + length
            updated = repo.update(conn, current.id, **own) if own else current
            promoted: list[repo.Attendee] = []
            demoted: list[repo.Attendee] = []
            held: list[Handle] = []
            if capacity is not None:
                updated, promoted, demoted = repo.set_capacity(conn, updated, capacity or None)
                self.holds.drop(conn, updated.id, [p.user for p in promoted + demoted])
                if promoted:
                    waits = unread.setdefault(updated.id, self.holds.unread(updated.id))
                    promoted, held = self.holds.hold_live(conn, updated, promoted, waits, now)
            # A new start moves the reminders; a new end too moves the follow-up (turnout.py).
            self.moved.dropped(conn, befores[current.id], updated)
            moved = (starts_at is not None and not series) or duration is not None
            if moved:
                self.turnout.moved(conn, current, updated, plan, now)
            handles = self.reminders.schedule(conn, updated, plan, now) if moved else []
            return updated, promoted, demoted, handles, repo.roster(conn, updated), held

        # A series' later part goes on in its own space's zone (split_at), also when a linked
        # space's moderator edits it: the home community's meetup keeps its own clock.
        zone = await self.bot.timezone(SpaceRef.from_key(event.space))
        closed: list[int] = []
        starts: dict[int, datetime] = {}  # each one's start before the edit, as `places` its place

        def unit(conn: sqlite3.Connection) -> list[Changed]:
            nonlocal id
            self._close_in(closed, when_poll, where_poll, conn)
            befores.clear()  # a unit run again starts over
            handles: list[Handle] = []
            if unmade is not None:
                id, handles = self.series.make_unmade(conn, event, now, plan, ahead)
            current = repo.get(conn, id)
            if current is None or current.cancelled:
                raise Refusal(f"event #{id} is cancelled")
            if scope != "series":
                return [change(conn, current)]
            targets = self.series.later(conn, current)
            starts.update((e.id, e.starts_at) for e in targets)
            befores.update((e.id, e) for e in targets)
            if starts_at is not None:
                targets, moved = self.series.split_at(conn, current, starts_at, now, ahead, plan, zone)
                targets = [e for e in targets if not e.cancelled]
                handles.extend(moved)
            assert targets[0].series_id is not None
            template: dict[str, object] = {k: v for k, v in fields.items()
                                           if k in ("title", "location", "details", "goal")}
            if capacity is not None:
                template["capacity"] = capacity or None
            if duration is not None:
                template["length"] = length
            series_ids = series_repo.chain(conn, targets[0].series_id)
            if goal is not None or capacity is not None:  # each keeps a goal its own capacity allows
                # only those still to make one: an ended series' fields make nothing more
                rows = [r for sid in series_ids if (r := series_repo.get(conn, sid)) is not None
                        and series_repo.next_unmade(conn, r, now) is not None]
                for own_goal, own_capacity in [(e.goal, e.capacity) for e in targets] + \
                        [(r.goal, r.capacity) for r in rows]:
                    check_goal(own_goal if goal is None else goal, own_capacity if capacity is None else capacity)
            if template:
                for sid in series_ids:
                    series_repo.update(conn, sid, **template)
            changed = [change(conn, e, series=True) for e in targets]
            changed[0][3].extend(handles)
            return changed

        changes = await self.db.write(unit)
        for changed in changes:  # before any send, which may fail: the held ones' alarms are set
            await self.holds.landed(changed[0].id, changed[5])
        if unmade is not None:  # its card, once it is written with the edit
            await self.series.post_missing(changes[0][0].series_id or unmade, reply=ctx)
        for changed in changes:
            await self.native.changed(changed[0], renamed=title is not None)
            await self.turnout.pin_off(changed[0], befores[changed[0].id])
            if capacity is not None:
                await self.native.roster_changed(changed[0].id)
        for other, _, other_demoted, other_handles, other_roster, _ in changes[1:]:
            self.reminders.arm(other_handles)
            self.refresh(other.id)
            # Those who answered a later one hear what changed of it, as those of this one do.
            answered = other_roster.going or other_roster.waitlist or other_roster.maybe
            if starts_at is not None and other.starts_at != starts.get(other.id) and answered:
                await self._tell_moved(other, other_roster)
            if location is not None and location != places[other.id] and answered:
                await self.audience.say(other, partial(placed_text, other), other_roster)
            if other_demoted:
                await self._tell_demoted(other, other_demoted)
        for other, other_promoted, _, _, _, _ in changes[1:]:
            await self.announce_promotions(other, RsvpResult(None, None, tuple(other_promoted), None))
        updated, promoted, demoted, handles, roster, _ = changes[0]
        self.reminders.arm(handles)
        self.refresh(id)
        moved = starts_at is not None and starts_at != event.starts_at
        said = time_said(event, updated, starts_at is not None)
        # Those not made yet change too (the series' own fields), so this is said with no count.
        also = " and every later one of its series" if scope == "series" else ""
        await ctx.reply(text(line("✅ Updated ", updated.title, f" #{id}{also}", *said)))
        if moved and unmade is None:  # one made by this edit: nobody saw its old time
            await self._tell_moved(updated, roster)
        if location is not None and location != event.location:
            await self.audience.say(updated, lambda own: placed_text(updated, own), roster)
        if demoted:
            await self._tell_demoted(updated, demoted)
        await self.announce_promotions(updated, RsvpResult(None, None, tuple(promoted), None))
        await self._closed(closed)  # as event create does: the poll has agreed

    async def _tell_moved(self, event: Event, roster: repo.Roster) -> None:
        await self.moved.tell(event, roster)

    async def _tell_demoted(self, event: Event, demoted: list[repo.Attendee]) -> None:
        roster = repo.Roster((), tuple(demoted), (), ())
        await self.audience.say(event, lambda own: demoted_text(event, own.waitlist), roster)
