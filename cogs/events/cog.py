"""Events: commit to a meetup (RSVP by reaction, button or `rsvp`, in rsvp.py), with
capacity and an ordered waitlist, reminders the scheduler posts exactly once
(reminders.py), and a calendar file."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta

from bot.commands import Option, command
from bot.context import Context, Refusal
from bot.model import SpaceRef
from bot.render import Out, Time, line, text
from bot.settings import SettingSpec, on_off, one_of, switch_text
from bot.timeparse import TimeParseError, format_time, parse_when
from cogs.polls.service import PollService

from . import repo
from .migrations import MIGRATIONS
from .reminders import Handle, Reminders, event_channel
from .render import (
    CARD_NAMES,
    attendees_text,
    cancelled_text,
    demoted_text,
    event_card,
    ics,
    list_text,
    moved_text,
    placed_text,
)
from .repo import Event, RsvpResult
from .rsvp import Rsvps

POLL_REF = re.compile(r"^poll:#?(\d{1,9})$", re.IGNORECASE)
EVENT_ID = Option("id", "the event's number", kind="int", min=1)
DURATION = Option("duration", "how long it lasts, e.g. 90m or 3h (default 2h)", kind="duration",
                  required=False, positional=False, placeholder="duration")
MAX_LENGTH = timedelta(days=14)


def _length(duration: timedelta | None) -> timedelta:
    if duration is None:
        return repo.DEFAULT_LENGTH
    if duration > MAX_LENGTH:
        raise Refusal("an event can last at most 14 days; give a shorter duration=")
    return duration


class EventsCog(Rsvps):
    name = "events"
    migrations = MIGRATIONS

    async def setup(self) -> None:
        self.reminders = Reminders(self.bot, self.name)
        self.reminders.register()
        s = self.settings
        s.register(SettingSpec("events.create", "anyone", one_of("anyone", "moderators"),
                               "anyone or moderators", "who may create events"))
        s.register(SettingSpec("rsvp.buttons", "off", on_off, "on or off",
                               "offer RSVP buttons beside the reactions",
                               normalize=switch_text, requires="buttons"))
        s.watch("rsvp.buttons", self._refresh_space)

    # --- create ---------------------------------------------------------------------------------

    @command("event create", "plan a meetup people can RSVP to",
             Option("title", "what it is", rest=True, max_length=200),
             Option("when", "a time like \"saturday 10am\", or poll:<id>", positional=False, greedy=True,
                    placeholder="time", max_length=100),
             Option("where", "a place, or poll:<id>", required=False, positional=False, greedy=True,
                    placeholder="place", max_length=200),
             Option("capacity", "how many can come", kind="int", required=False, positional=False,
                    min=1, max=10000, placeholder="n"),
             Option("details", "anything else people should know", required=False, positional=False,
                    greedy=True, placeholder="text", max_length=1000),
             DURATION)
    async def create(self, ctx: Context, title: str, when: str, where: str | None, capacity: int | None,
                     details: str | None, duration: timedelta | None = None) -> None:
        if await self.settings.get(ctx.space, "events.create") == "moderators" and not ctx.is_moderator:
            raise Refusal("in this space only moderators can create events; ask one of them")
        starts_at, when_poll = await self._resolve_when(ctx, when)
        location, where_poll = await self._resolve_where(ctx, where)
        length = _length(duration)
        offsets = await self.reminders.offsets(ctx.space)
        now = ctx.now

        def unit(conn: sqlite3.Connection) -> tuple[Event, list[Handle]]:
            event = repo.insert(conn, space=ctx.space.key, platform=ctx.channel.platform,
                                channel_id=ctx.channel.id, creator=ctx.user.key, title=title,
                                starts_at=starts_at, location=location, details=details or "",
                                capacity=capacity, now=now, length=length)
            return event, self.reminders.schedule(conn, event, offsets, now)

        event, handles = await self.db.write(unit)
        self.reminders.arm(handles)
        ref = await ctx.reply(await self.card(event, ctx.space))
        if ref is not None:
            await self.bot.track(ref, self.name, "event", event.id)
        polls = self.bot.service(PollService)
        for poll_id in {p for p in (when_poll, where_poll) if p is not None}:
            if polls is not None:
                await polls.close_poll(poll_id)

    async def _resolve_when(self, ctx: Context, when: str) -> tuple[datetime, int | None]:
        tz = await ctx.timezone()
        poll_id, value, at = await self._from_poll(ctx, when)
        if at is not None:  # the time the poll's option meant when the poll was made
            if at <= ctx.now:
                raise Refusal(f"poll #{poll_id} leads with {format_time(at, tz)}, which has "
                              "passed; pick a new time")
            return at, poll_id
        try:
            return parse_when(value, tz, ctx.now), poll_id
        except TimeParseError as e:
            if poll_id is not None:
                raise Refusal(f"poll #{poll_id} leads with '{value}', which I can't use as a time: {e}") from e
            raise Refusal(f"when: {e}") from e

    async def _resolve_where(self, ctx: Context, where: str | None) -> tuple[str, int | None]:
        if not where:
            return "", None
        poll_id, value, _ = await self._from_poll(ctx, where)
        return value, poll_id

    async def _from_poll(self, ctx: Context, value: str) -> tuple[int | None, str, datetime | None]:
        m = POLL_REF.match(value.strip())
        if not m:
            return None, value, None
        polls = self.bot.service(PollService)
        if polls is None:
            raise Refusal("polls are not enabled here")
        option, at = await polls.leading_option(ctx.space.key, int(m.group(1)))
        return int(m.group(1)), option, at

    # --- show, list, attendees, ics ---------------------------------------------------------------

    @command("event list", "upcoming events here")
    async def list_cmd(self, ctx: Context) -> None:
        now = ctx.now

        def read(conn: sqlite3.Connection) -> tuple[list[tuple[Event, repo.Roster]], int]:
            shown = [(e, repo.roster(conn, e)) for e in repo.upcoming(conn, ctx.space.key, now)]
            return shown, repo.count_upcoming(conn, ctx.space.key, now)

        shown, total = await self.db.read(read)
        await ctx.reply(list_text(shown, total, ctx.prefix))

    @command("event show", "show an event's card", EVENT_ID)
    async def show(self, ctx: Context, id: int) -> None:
        event = await self.event_here(ctx, id)
        ref = await ctx.reply(await self.card(event, ctx.space))
        if ref is not None and not event.cancelled:
            await self.bot.track(ref, self.name, "event", event.id)

    @command("event attendees", "everyone who answered", EVENT_ID)
    async def attendees(self, ctx: Context, id: int) -> None:
        event = await self.event_here(ctx, id)
        await ctx.reply(attendees_text(event, await self.db.read(lambda c: repo.roster(c, event))))

    @command("event ics", "a calendar file for the event", EVENT_ID)
    async def ics_cmd(self, ctx: Context, id: int) -> None:
        event = await self.event_here(ctx, id)
        await ctx.reply(ics(event, await ctx.timezone(), ctx.now))

    # --- edit and cancel ----------------------------------------------------------------------------

    @command("event edit", "change an event; attendees hear about a new time", EVENT_ID,
             Option("title", "a new title", required=False, positional=False, greedy=True, max_length=200),
             Option("when", "a new time", required=False, positional=False, greedy=True, placeholder="time",
                    max_length=100),
             Option("where", "a new place", required=False, positional=False, greedy=True,
                    placeholder="place", max_length=200),
             Option("capacity", "a new capacity, or 0 for no limit", kind="int", required=False,
                    positional=False, min=0, max=10000, placeholder="n"),
             Option("details", "new details", required=False, positional=False, greedy=True,
                    placeholder="text", max_length=1000),
             DURATION)
    async def edit(self, ctx: Context, id: int, title: str | None, when: str | None, where: str | None,
                   capacity: int | None, details: str | None = None,
                   duration: timedelta | None = None) -> None:
        event = await self._editable(ctx, id, "edit")
        if all(v is None for v in (title, when, where, capacity, details, duration)):
            raise Refusal(f"say what to change, e.g. {ctx.prefix}event edit {id} when=\"friday 7pm\"")
        starts_at = (await self._resolve_when(ctx, when))[0] if when is not None else None
        location = (await self._resolve_where(ctx, where))[0] if where is not None else None
        length = _length(duration) if duration is not None else event.ends_at - event.starts_at
        ends_at = (starts_at or event.starts_at) + length
        offsets = await self.reminders.offsets(ctx.space)
        now = ctx.now
        fields = {k: v for k, v in (("title", title), ("location", location), ("starts_at", starts_at),
                                    ("details", details)) if v is not None}
        if ends_at != event.ends_at:
            fields["ends_at"] = ends_at

        def unit(conn: sqlite3.Connection) -> tuple[Event, list[repo.Attendee], list[repo.Attendee],
                                                   list[Handle], repo.Roster]:
            current = repo.get(conn, id)
            if current is None or current.cancelled:
                raise Refusal(f"event #{id} is cancelled")
            updated = repo.update(conn, id, **fields) if fields else current
            promoted: list[repo.Attendee] = []
            demoted: list[repo.Attendee] = []
            if capacity is not None:
                updated, promoted, demoted = repo.set_capacity(conn, updated, capacity or None)
            handles = self.reminders.schedule(conn, updated, offsets, now) if starts_at is not None else []
            return updated, promoted, demoted, handles, repo.roster(conn, updated)

        updated, promoted, demoted, handles, roster = await self.db.write(unit)
        self.reminders.arm(handles)
        self.refresh(id)
        moved = starts_at is not None and starts_at != event.starts_at
        said: tuple[str | Time, ...] = (".",)
        if moved:
            said = (": it now starts ", Time(updated.starts_at, relative=True), " and ends ",
                    Time(updated.ends_at), ".")
        elif updated.ends_at != event.ends_at:
            said = (": it now ends ", Time(updated.ends_at, relative=True), ".")
        await ctx.reply(text(line("✅ Updated ", updated.title, f" #{id}", *said)))
        if moved:
            await self.bot.send(event_channel(updated), moved_text(updated, roster))
        if location is not None and location != event.location:
            await self.bot.send(event_channel(updated), placed_text(updated, roster))
        if demoted:
            await self.bot.send(event_channel(updated), demoted_text(updated, tuple(demoted)))
        await self.announce_promotions(updated, RsvpResult(None, None, tuple(promoted), None))

    @command("event cancel", "cancel an event; attendees are told", EVENT_ID)
    async def cancel(self, ctx: Context, id: int) -> None:
        await self._editable(ctx, id, "cancel")

        def unit(conn: sqlite3.Connection) -> tuple[Event, repo.Roster]:
            updated = repo.update(conn, id, state="cancelled")
            self.scheduler.cancel(conn, f"event:{id}:")
            return updated, repo.roster(conn, updated)

        updated, roster = await self.db.write(unit)
        self.refresh(id)
        await self.bot.untrack(self.name, "event", id)
        await ctx.reply(text(line("✅ Cancelled ", updated.title, f" #{id}; pending reminders are off.")))
        await self.bot.send(event_channel(updated), cancelled_text(updated, roster))

    # --- helpers ---------------------------------------------------------------------------------------

    async def event_here(self, ctx: Context, event_id: int) -> Event:
        event = await self.db.read_small(lambda c: repo.get(c, event_id))
        if event is None or event.space != ctx.space.key:
            raise Refusal(f"there is no event #{event_id} here; {ctx.prefix}event list shows the upcoming ones")
        return event

    async def _editable(self, ctx: Context, event_id: int, verb: str) -> Event:
        event = await self.event_here(ctx, event_id)
        if event.creator != ctx.user.key and not ctx.is_moderator:
            raise Refusal(f"only the event's creator or a moderator can {verb} event #{event_id}")
        if event.cancelled:
            raise Refusal(f"event #{event_id} is already cancelled")
        if event.over(ctx.now):
            raise Refusal(f"event #{event_id} has already ended ({format_time(event.ends_at, await ctx.timezone())}); "
                          f"there is nothing left to {verb}")
        return event

    async def card(self, event: Event, space: SpaceRef) -> Out:
        roster = await self.db.read_small(lambda c: repo.card_roster(c, event, CARD_NAMES))
        caps = self.bot.capabilities(event.platform)
        buttons = bool(caps and caps.buttons) and await self.settings.get(space, "rsvp.buttons")
        return event_card(event, roster, prefix=self.bot.prefix_for(event.platform), buttons=buttons,
                          now=self.bot.clock.now())

    def refresh(self, event_id: int) -> None:
        for message in self.bot.tracked_messages(self.name, "event", event_id):
            self.bot.refresh_card(message, lambda: self._render(event_id))

    async def _render(self, event_id: int) -> Out:
        event = await self.db.read_small(lambda c: repo.get(c, event_id))
        assert event is not None
        return await self.card(event, SpaceRef.from_key(event.space))

    async def _refresh_space(self, space: SpaceRef) -> None:
        events = await self.db.read(lambda c: repo.upcoming(c, space.key, self.bot.clock.now(), limit=1000))
        for event in events:
            self.refresh(event.id)
