"""Events: commit to a meetup (RSVP by reaction, button or `rsvp`), with capacity and
an ordered waitlist, reminders the scheduler posts exactly once, and a calendar file."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.app import Cog, on_action, on_reaction, on_reconcile
from bot.commands import Option, command
from bot.context import Context
from bot.model import ActionInvoked, ChannelRef, MessageRef, ReactionChanged, SpaceRef, UserRef
from bot.render import Out, line, text
from bot.scheduler import Job
from bot.settings import SettingSpec, on_off, one_of, switch_text
from bot.timeparse import TimeParseError, format_duration, parse_duration, parse_when

from . import repo
from .migrations import MIGRATIONS
from .render import (
    CARD_NAMES,
    EMOJI,
    attendees_text,
    cancelled_text,
    event_card,
    ics,
    list_text,
    moved_text,
    promoted_text,
    reminder_text,
)
from .repo import Event, RsvpResult, marks

POLL_REF = re.compile(r"^poll:#?(\d{1,9})$", re.IGNORECASE)
MIN_OFFSET, MAX_OFFSET = timedelta(minutes=1), timedelta(days=30)
ARCHIVE_AFTER = timedelta(days=1)


class Refusal(ValueError):
    pass


def parse_offsets(value: str) -> tuple[timedelta, ...]:
    if value.strip().lower() == "off":
        return ()
    out = []
    for part in value.split(","):
        td = parse_duration(part)
        if not MIN_OFFSET <= td <= MAX_OFFSET:
            raise ValueError(f"{part.strip()} is outside 1m to 30d")
        out.append(td)
    if not out:
        raise ValueError("give at least one duration")
    return tuple(sorted(set(out), reverse=True))


def _format_offsets(offsets: Sequence[timedelta]) -> str:
    return ",".join(format_duration(o) for o in offsets) or "off"


class EventsCog(Cog):
    name = "events"
    migrations = MIGRATIONS

    async def setup(self) -> None:
        s = self.settings
        s.register(SettingSpec("reminders", "24h,1h", parse_offsets,
                               "comma-separated durations from 1m to 30d, e.g. 24h,1h, or off",
                               "when reminders are posted before an event", normalize=_format_offsets))
        s.register(SettingSpec("reminders.grace", "1h", parse_duration, "a duration, e.g. 30m or 2h",
                               "how late a reminder may still be posted after downtime",
                               normalize=format_duration))
        s.register(SettingSpec("events.create", "anyone", one_of("anyone", "moderators"),
                               "anyone or moderators", "who may create events"))
        s.register(SettingSpec("rsvp.buttons", "off", on_off, "on or off",
                               "offer RSVP buttons beside the reactions",
                               normalize=switch_text, requires="buttons"))
        s.watch("reminders", self._reschedule_space)
        s.watch("rsvp.buttons", self._refresh_space)
        self.scheduler.register("event.reminder", self._remind, grace=self._grace)
        self.scheduler.register("event.archive", self._archive)

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
                    greedy=True, placeholder="text", max_length=1000))
    async def create(self, ctx: Context, title: str, when: str, where: str | None, capacity: int | None,
                     details: str | None) -> None:
        if await self.settings.get(ctx.space, "events.create") == "moderators" and not ctx.is_moderator:
            await ctx.warn("in this space only moderators can create events; ask one of them")
            return
        try:
            starts_at, when_poll = await self._resolve_when(ctx, when)
            location, where_poll = await self._resolve_where(ctx, where)
        except Refusal as e:
            await ctx.warn(str(e))
            return
        offsets = await self.settings.get(ctx.space, "reminders")
        now = ctx.now

        def unit(conn: sqlite3.Connection):  # type: ignore[no-untyped-def]
            event = repo.insert(conn, space=ctx.space.key, platform=ctx.channel.platform,
                                channel_id=ctx.channel.id, creator=ctx.user.key, title=title,
                                starts_at=starts_at, location=location, details=details or "",
                                capacity=capacity, now=now)
            return event, self._schedule(conn, event, offsets, now)

        event, handles = await self.db.write(unit)
        for h in handles:
            self.scheduler.arm(h)
        ref = await ctx.reply(await self.card(event, ctx.space))
        if ref is not None:
            await self.bot.track(ref, self.name, "event", event.id)
        polls = self.bot.cogs.get("polls")
        for poll_id in {p for p in (when_poll, where_poll) if p is not None}:
            await polls.close_poll(poll_id)  # type: ignore[union-attr]

    async def _resolve_when(self, ctx: Context, when: str) -> tuple[datetime, int | None]:
        tz = await ctx.timezone()
        poll_id, value = await self._from_poll(ctx, when)
        try:
            return parse_when(value, tz, ctx.now), poll_id
        except TimeParseError as e:
            if poll_id is not None:
                raise Refusal(f"poll #{poll_id} leads with '{value}', which I can't use as a time: {e}") from e
            raise Refusal(f"when: {e}") from e

    async def _resolve_where(self, ctx: Context, where: str | None) -> tuple[str, int | None]:
        if not where:
            return "", None
        poll_id, value = await self._from_poll(ctx, where)
        return value, poll_id

    async def _from_poll(self, ctx: Context, value: str) -> tuple[int | None, str]:
        m = POLL_REF.match(value.strip())
        if not m:
            return None, value
        polls = self.bot.cogs.get("polls")
        if polls is None:
            raise Refusal("polls are not enabled here")
        try:
            _, option = await polls.leading_option(ctx.space.key, int(m.group(1)))  # type: ignore[attr-defined]
        except ValueError as e:
            raise Refusal(str(e)) from e
        return int(m.group(1)), option

    # --- reminders -----------------------------------------------------------------------------

    def _schedule(self, conn: sqlite3.Connection, event: Event, offsets: Sequence[timedelta],
                  now: datetime) -> list[tuple[int, datetime]]:
        """Replace the event's pending reminders with one per offset still ahead."""
        self.scheduler.cancel(conn, f"event:{event.id}:reminder:")
        if event.cancelled:
            return []
        # A day after it starts, its cards stop being live: no more edits or reconciling
        # at every start for meetups long past.
        handles = [self.scheduler.put(conn, "event.archive", f"event:{event.id}:archive",
                                      event.starts_at + ARCHIVE_AFTER, {"event_id": event.id}, event.space)]
        for offset in offsets:
            due = event.starts_at - offset
            if due > now:
                handles.append(self.scheduler.put(
                    conn, "event.reminder", f"event:{event.id}:reminder:{int(offset.total_seconds())}", due,
                    {"event_id": event.id}, event.space))
        return handles

    async def _reschedule_space(self, space: SpaceRef) -> None:
        offsets = await self.settings.get(space, "reminders")
        now = self.clock.now()

        def unit(conn: sqlite3.Connection):  # type: ignore[no-untyped-def]
            return [h for e in repo.upcoming(conn, space.key, now, limit=10_000)
                    for h in self._schedule(conn, e, offsets, now)]

        for h in await self.db.write(unit):
            self.scheduler.arm(h)

    async def _archive(self, job: Job) -> None:
        await self.bot.untrack(self.name, "event", int(job.payload["event_id"]))

    async def _grace(self, job: Job) -> timedelta:
        return await self.settings.get(SpaceRef.from_key(job.space), "reminders.grace")

    async def _remind(self, job: Job) -> None:
        event_id = int(job.payload["event_id"])

        def read(conn: sqlite3.Connection):  # type: ignore[no-untyped-def]
            event = repo.get(conn, event_id)
            return event, repo.roster(conn, event) if event else None

        event, roster = await self.db.read(read)
        if event is None or event.cancelled or roster is None:
            return  # cancelling cancels the jobs too; this guards a race with a cancel in flight
        await self.bot.send(self._channel(event), reminder_text(event, roster, self.clock.now()),
                            idempotency_key=job.idempotency_key)

    # --- RSVP -------------------------------------------------------------------------------------

    @on_reaction("event")
    async def on_rsvp_reaction(self, event: ReactionChanged, event_id: int) -> None:
        status = EMOJI.get(event.emoji)
        if status is None:
            return
        await self._apply(event_id, event.user, status, added=event.added, source="reaction")

    @on_action("rsvp")
    async def on_rsvp_button(self, ctx: Context, action: ActionInvoked, arg: str) -> None:
        event_id, _, status = arg.partition(":")
        if not event_id.isdigit() or status not in repo.STATUSES:
            await ctx.warn("that button is out of date; use the rsvp command instead")
            return
        await self._rsvp(ctx, int(event_id), status)

    @command("rsvp", "answer an event: going, maybe or no",
             Option("id", "the event's number", kind="int", min=1),
             Option("status", "going, maybe or no", kind="choice", choices=repo.STATUSES))
    async def rsvp(self, ctx: Context, id: int, status: str) -> None:
        await self._rsvp(ctx, id, status)

    async def _rsvp(self, ctx: Context, event_id: int, status: str) -> None:
        event = await self._event_here(ctx, event_id)
        if event is None:
            return
        if event.cancelled:
            await ctx.warn(f"event #{event_id} is cancelled, so it takes no RSVPs")
            return
        result = await self._apply(event_id, ctx.user, status, added=True, source="text")
        if result is None or result.new is None:
            await ctx.reply(text(f"Your RSVP for #{event_id} is unchanged."), ephemeral=True)
        elif result.waitlisted_at is not None:
            await ctx.reply(text(line("You're on the waitlist for ", event.title,
                                      f" #{event_id} (number {result.waitlisted_at}); "
                                      "I'll tell you when a spot opens.")), ephemeral=True)
        else:
            words = {"going": "✅ You're going to ", "maybe": "🤔 You're a maybe for ",
                     "no": "❌ You're not going to "}
            await ctx.reply(text(line(words[result.new], event.title, f" #{event_id}.")), ephemeral=True)

    async def _apply(self, event_id: int, user: UserRef, status: str, *, added: bool,
                     source: str) -> RsvpResult | None:
        def unit(conn: sqlite3.Connection):  # type: ignore[no-untyped-def]
            is_open, result = repo.apply_mark(conn, event_id, user.key, user.name, status, added=added,
                                              source=source)
            # the whole event only when someone is promoted: the announcement names it
            return is_open, result, repo.get(conn, event_id) if result and result.promoted else None

        is_open, result, event = await self.db.write(unit)  # acknowledged only after this commit
        if is_open and result is not None:
            self.refresh(event_id)
            if event is not None:
                await self._announce_promotions(event, result)
        return result

    async def _announce_promotions(self, event: Event, result: RsvpResult) -> None:
        for person in result.promoted:
            await self.bot.send(self._channel(event), promoted_text(event, person))

    @on_reconcile("event")
    async def on_reconcile(self, message: MessageRef, event_id: int,
                           reactions: dict[str, list[UserRef]]) -> None:
        truth = {status: [(u.key, u.name) for u in reactions.get(emoji, [])] for emoji, status in EMOJI.items()}

        def unit(conn: sqlite3.Connection):  # type: ignore[no-untyped-def]
            event = repo.get(conn, event_id)
            if event is None or event.cancelled:
                return None, None
            changed = marks.reconcile(conn, event_id, truth)
            if not changed:
                return event, None
            names = {u: n for users in truth.values() for u, n in users}
            return event, repo.rederive(conn, event, [(u, names.get(u, "")) for u in sorted(changed)])

        event, result = await self.db.write(unit)
        if event is not None and result is not None:
            self.refresh(event_id)
            await self._announce_promotions(event, result)

    # --- show, list, attendees, ics ---------------------------------------------------------------

    @command("event list", "upcoming events here")
    async def list_cmd(self, ctx: Context) -> None:
        now = ctx.now

        def read(conn: sqlite3.Connection):  # type: ignore[no-untyped-def]
            return [(e, repo.roster(conn, e)) for e in repo.upcoming(conn, ctx.space.key, now)]

        await ctx.reply(list_text(await self.db.read(read), await ctx.timezone()))

    @command("event show", "show an event's card", Option("id", "the event's number", kind="int", min=1))
    async def show(self, ctx: Context, id: int) -> None:
        event = await self._event_here(ctx, id)
        if event is None:
            return
        ref = await ctx.reply(await self.card(event, ctx.space))
        if ref is not None and not event.cancelled:
            await self.bot.track(ref, self.name, "event", event.id)

    @command("event attendees", "everyone who answered",
             Option("id", "the event's number", kind="int", min=1))
    async def attendees(self, ctx: Context, id: int) -> None:
        event = await self._event_here(ctx, id)
        if event is not None:
            await ctx.reply(attendees_text(event, await self.db.read(lambda c: repo.roster(c, event))))

    @command("event ics", "a calendar file for the event",
             Option("id", "the event's number", kind="int", min=1))
    async def ics_cmd(self, ctx: Context, id: int) -> None:
        event = await self._event_here(ctx, id)
        if event is not None:
            await ctx.reply(ics(event, await ctx.timezone(), ctx.now))

    # --- edit and cancel ----------------------------------------------------------------------------

    @command("event edit", "change an event; attendees hear about a new time",
             Option("id", "the event's number", kind="int", min=1),
             Option("title", "a new title", required=False, positional=False, greedy=True, max_length=200),
             Option("when", "a new time", required=False, positional=False, greedy=True, placeholder="time",
                    max_length=100),
             Option("where", "a new place", required=False, positional=False, greedy=True,
                    placeholder="place", max_length=200),
             Option("capacity", "a new capacity, or 0 for no limit", kind="int", required=False,
                    positional=False, min=0, max=10000, placeholder="n"))
    async def edit(self, ctx: Context, id: int, title: str | None, when: str | None, where: str | None,
                   capacity: int | None) -> None:
        event = await self._editable(ctx, id, "edit")
        if event is None:
            return
        if title is None and when is None and where is None and capacity is None:
            await ctx.warn(f"say what to change, e.g. {ctx.prefix}event edit {id} when=\"friday 7pm\"")
            return
        try:
            starts_at = (await self._resolve_when(ctx, when))[0] if when is not None else None
            location = (await self._resolve_where(ctx, where))[0] if where is not None else None
        except Refusal as e:
            await ctx.warn(str(e))
            return
        offsets = await self.settings.get(ctx.space, "reminders")
        now = ctx.now
        fields: dict[str, object] = {}
        if title is not None:
            fields["title"] = title
        if location is not None:
            fields["location"] = location
        if starts_at is not None:
            fields["starts_at"] = starts_at

        def unit(conn: sqlite3.Connection):  # type: ignore[no-untyped-def]
            current = repo.get(conn, id)
            if current is None or current.cancelled:
                raise Refusal(f"event #{id} is cancelled")
            updated = repo.update(conn, id, **fields) if fields else current
            promoted: list[repo.Attendee] = []
            if capacity is not None:
                updated, promoted = repo.set_capacity(conn, updated, capacity or None)
            handles = self._schedule(conn, updated, offsets, now) if starts_at is not None else []
            return updated, promoted, handles, repo.roster(conn, updated)

        try:
            updated, promoted, handles, roster = await self.db.write(unit)
        except Refusal as e:
            await ctx.warn(str(e))
            return
        for h in handles:
            self.scheduler.arm(h)
        self.refresh(id)
        await ctx.reply(text(line("✅ Updated ", updated.title, f" #{id}.")))
        if starts_at is not None and starts_at != event.starts_at:
            await self.bot.send(self._channel(updated), moved_text(updated, roster))
        await self._announce_promotions(updated, RsvpResult(None, None, tuple(promoted), None))

    @command("event cancel", "cancel an event; attendees are told",
             Option("id", "the event's number", kind="int", min=1))
    async def cancel(self, ctx: Context, id: int) -> None:
        event = await self._editable(ctx, id, "cancel")
        if event is None:
            return

        def unit(conn: sqlite3.Connection):  # type: ignore[no-untyped-def]
            updated = repo.update(conn, id, state="cancelled")
            self.scheduler.cancel(conn, f"event:{id}:")
            return updated, repo.roster(conn, updated)

        updated, roster = await self.db.write(unit)
        self.refresh(id)
        await self.bot.untrack(self.name, "event", id)
        await ctx.reply(text(line("✅ Cancelled ", updated.title, f" #{id}; pending reminders are off.")))
        await self.bot.send(self._channel(updated), cancelled_text(updated, roster))

    # --- helpers ---------------------------------------------------------------------------------------

    async def _event_here(self, ctx: Context, event_id: int) -> Event | None:
        event = await self.db.read_small(lambda c: repo.get(c, event_id))
        if event is None or event.space != ctx.space.key:
            await ctx.warn(f"there is no event #{event_id} here; {ctx.prefix}event list shows the upcoming ones")
            return None
        return event

    async def _editable(self, ctx: Context, event_id: int, verb: str) -> Event | None:
        event = await self._event_here(ctx, event_id)
        if event is None:
            return None
        if event.creator != ctx.user.key and not ctx.is_moderator:
            await ctx.warn(f"only the event's creator or a moderator can {verb} event #{event_id}")
            return None
        if event.cancelled:
            await ctx.warn(f"event #{event_id} is already cancelled")
            return None
        return event

    @staticmethod
    def _channel(event: Event) -> ChannelRef:
        return ChannelRef(event.platform, event.channel_id, event.space.partition(":")[2])

    async def card(self, event: Event, space: SpaceRef) -> Out:
        roster = await self.db.read_small(lambda c: repo.card_roster(c, event, CARD_NAMES))
        adapter = self.bot.adapters.get(event.platform)
        buttons = bool(adapter and adapter.capabilities.buttons) and await self.settings.get(space, "rsvp.buttons")
        return event_card(event, roster, prefix=self.bot.prefix_for(event.platform), buttons=buttons)

    def refresh(self, event_id: int) -> None:
        for message in self.bot.tracked_messages(self.name, "event", event_id):
            self.bot.cards.refresh(message, lambda: self._render(event_id))

    async def _render(self, event_id: int) -> Out:
        event = await self.db.read_small(lambda c: repo.get(c, event_id))
        assert event is not None
        return await self.card(event, SpaceRef.from_key(event.space))

    async def _refresh_space(self, space: SpaceRef) -> None:
        events = await self.db.read(lambda c: repo.upcoming(c, space.key, self.clock.now(), limit=1000))
        for event in events:
            self.refresh(event.id)
