"""Events: commit to a meetup (RSVP by reaction, button or `rsvp`, in rsvp.py), with
capacity and an ordered waitlist, reminders the scheduler posts exactly once
(reminders.py), and a calendar file."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta
from functools import partial

from bot.commands import Option, command
from bot.context import Context, Refusal
from bot.durations import other_digits
from bot.model import ChannelRef, SpaceRef
from bot.render import Out, text
from bot.settings import SettingSpec, on_off, one_of, switch_text
from bot.timeparse import TimeParseError, format_time, parse_when
from cogs.polls.service import PollService

from . import checkin_repo, repo, series_repo, suggest
from .audience import Audience
from .cancel_notice import CancelNotices
from .checkin import opens_at
from .editing import DURATION, EVENT_ID, Taken, _length
from .held import HeldPromotions
from .migrations import MIGRATIONS
from .moved import TimeChanges
from .native import NativeSurfaces
from .notify import DirectMessages
from .recurrence import MAX_COUNT
from .reminders import Handle, Reminders, event_channel
from .render import CARD_NAMES, attendees_text, event_card, ics, list_text
from .repo import Event
from .reports import Reports
from .scope import not_over
from .series import SeriesPlanner
from .turnout import GOAL, Turnout, check_goal
from .turnout_render import Presence
from .upcoming import Next, coming

POLL_REF = re.compile(r"^poll:#?([0-9]{1,9})$", re.IGNORECASE)
LIST_SHOWN = 15


class EventsCog(Reports):
    name = "events"
    migrations = MIGRATIONS

    async def setup(self) -> None:
        self.dms = DirectMessages(self.bot)
        self.dms.register()
        self.native = NativeSurfaces(self)
        self.native.register()
        self.audience = Audience(self.bot, self.name, self.card)
        self.audience.register()
        self.turnout = Turnout(self)
        self.turnout.register()
        self._told_not_open, self._told_closed = set(), set()
        self.reminders = Reminders(self.bot, self.name, self.dms, self.native.say_in_thread, self.audience,
                                   more=self.turnout.schedule)
        self.reminders.register()
        self.series = SeriesPlanner(self)
        self.series.register()
        self.notices = CancelNotices(self.bot, self.audience, self.dms)
        self.notices.register()
        self.holds = HeldPromotions(self.bot, self.name, self.audience, self.dms)
        self.holds.register()
        self.moved = TimeChanges(self.bot, self.audience, self.dms)
        self.moved.register()
        self.add_routes()
        s = self.settings
        s.register(SettingSpec("events.create", "anyone", one_of("anyone", "moderators"),
                               "anyone or moderators", "who may create events"))
        s.register(SettingSpec("rsvp.buttons", "off", on_off, "on or off",
                               "offer RSVP buttons beside the reactions",
                               normalize=switch_text, requires="buttons"))
        s.watch("rsvp.buttons", self.refresh_space)
        s.watch("timezone", self.refresh_space)  # the same instants, shown in the new zone
        s.register(SettingSpec("web.names", "off", on_off, "on or off",
                               "event pages show attendees' names, not only counts",
                               normalize=switch_text))

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
             DURATION,
             Option("repeat", "weekly, every 2 weeks, monthly, monthly on the 15th, every monday and "
                    "thursday…", required=False, positional=False, greedy=True, placeholder="rule",
                    max_length=60),
             Option("until", "the last date of a repeating event", required=False, positional=False,
                    greedy=True, placeholder="date", max_length=40),
             Option("count", "how many times a repeating event happens", kind="int", required=False,
                    positional=False, min=1, max=MAX_COUNT, placeholder="n", limited_further=True),
             GOAL)
    async def create(self, ctx: Context, title: str, when: str, where: str | None, capacity: int | None,
                     details: str | None, duration: timedelta | None = None, repeat: str | None = None,
                     until: str | None = None, count: int | None = None, goal: int | None = None) -> None:
        if await self.settings.get(ctx.space, "events.create") == "moderators" and not ctx.is_moderator:
            raise Refusal("in this space only moderators can create events; ask one of them")
        if repeat is None and (until is not None or count is not None):
            raise Refusal("until= and count= end a repeating event; add repeat=, e.g. repeat=weekly")
        check_goal(goal, capacity)
        now = ctx.now  # before `when=` is read, so "in 1 hour" is not behind its own 1h reminder
        starts_at, when_poll = await self._resolve_when(ctx, when)
        location, where_poll = await self._resolve_where(ctx, where)
        length = _length(duration)
        if repeat is not None:
            closed: list[int] = []
            await self.series.create(ctx, title=title, first=starts_at, repeat=repeat, until=until,
                                     count=count, location=location, details=details or "",
                                     capacity=capacity, length=length, goal=goal, asked=now,
                                     also=partial(self._close_in, closed, when_poll, where_poll))
            await self._closed(closed)
            return
        plan = await self.reminders.plan(ctx.space)

        def unit(conn: sqlite3.Connection) -> tuple[Event, list[Handle], list[int]]:
            closed = self._close_in([], when_poll, where_poll, conn)
            event = repo.insert(conn, space=ctx.space.key, platform=ctx.channel.platform,
                                channel_id=ctx.channel.id, creator=ctx.user.key, title=title,
                                starts_at=starts_at, location=location, details=details or "",
                                capacity=capacity, now=now, length=length, goal=goal)
            return event, self.reminders.schedule(conn, event, plan, now, fresh=True), closed

        event, handles, closed = await self.db.write(unit)
        self.reminders.arm(handles)
        card = await self.card(event)
        ref = await ctx.reply(card)
        if ref is not None:
            await self.bot.track(ref, self.name, "event", event.id)
        await self.audience.share(event, partial(self.card, event), None)
        await self._closed(closed)
        await self.native.posted(event, ref)

    async def _resolve_when(self, ctx: Context, when: str) -> tuple[datetime, Taken | None]:
        tz = await ctx.timezone()
        poll_id, value, at = await self._from_poll(ctx, when)
        taken = (poll_id, value) if poll_id is not None else None
        if at is not None:  # the time the poll's option meant when the poll was made
            if at <= ctx.now:
                raise Refusal(f"poll #{poll_id} leads with {format_time(at, tz)}, which has "
                              "passed; pick a new time")
            return at, taken
        try:
            read = parse_when(value, tz, ctx.now)
        except TimeParseError as e:
            said = f"poll #{poll_id} leads with '{value}', which is not a time: " if poll_id else "when: "
            raise Refusal(f"{said}{e}{'; give when= the time itself' if poll_id else ''}") from e
        if poll_id is not None:  # read now, its words could name another moment than the one voted on
            raise Refusal(f"poll #{poll_id} leads with '{value}', which was not a time when the poll was "
                          "made, so it is not taken as one now; give when= the time itself")
        return read, taken

    async def _resolve_where(self, ctx: Context, where: str | None) -> tuple[str, Taken | None]:
        if not where:
            return "", None
        poll_id, value, at = await self._from_poll(ctx, where)
        if at is not None:  # "tomorrow 9pm" as a place would read as another day later on
            raise Refusal(f"poll #{poll_id} leads with a time, {format_time(at, await ctx.timezone())}, "
                          f"not a place; take it as when=poll:{poll_id} and give where= the place itself")
        return value, (poll_id, value) if poll_id is not None else None

    async def _from_poll(self, ctx: Context, value: str) -> tuple[int | None, str, datetime | None]:
        if value.strip().lower().startswith("poll:"):
            try:  # "poll:１" is not poll 1 until it is typed so, as any number is
                other_digits(value.strip(), lambda typed: "" if POLL_REF.match(typed) else None)
            except TimeParseError as e:
                raise Refusal(str(e)) from None
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
        scope = await self.audience.scope(ctx.space)
        shown, total = await self.db.read(lambda c: coming(c, scope, ctx.now, LIST_SHOWN))
        words = await self.series.words({x.series.id if isinstance(x, Next) else x[0].series_id or 0
                                         for x in shown} - {0}, await ctx.timezone())
        await ctx.reply(list_text(shown, total, ctx.prefix, words))

    @command("event show", "show an event's card", EVENT_ID)
    async def show(self, ctx: Context, id: int) -> None:
        event = await self.event_here(ctx, id)
        ref = await ctx.reply(await self.card(event, ctx.channel))
        if ref is not None and not event.cancelled and not event.over(ctx.now):  # past: never edited again
            await self.bot.track(ref, self.name, "event", event.id)

    @command("event attendees", "everyone who answered", EVENT_ID)
    async def attendees(self, ctx: Context, id: int) -> None:
        event = await self.event_here(ctx, id)
        roster, here = await self.db.read(lambda c: (repo.roster(c, event), checkin_repo.here(c, event.id)[0]))
        await ctx.reply(attendees_text(event, roster, await self.audience.labels(event, everyone=True), here))

    @command("event ics", "a calendar file for the event", EVENT_ID)
    async def ics_cmd(self, ctx: Context, id: int) -> None:
        event = await self.event_here(ctx, id)
        await ctx.reply(ics(event, await ctx.timezone(), ctx.now))

    @command("notify", "where you get reminders, promotions, time changes and cancellations",
             Option("where", "dm: by direct message too; channel: only in the channel", kind="choice",
                    choices=("dm", "channel")))
    async def notify(self, ctx: Context, where: str) -> None:
        caps = self.bot.capabilities(ctx.channel.platform)
        if where == "dm" and not (caps and caps.direct_messages):
            raise Refusal("I can't send direct messages on this platform yet; you'll get reminders "
                          "here, with a mention")
        await self.dms.set_mode(ctx.user.key, where)
        said = ("✉️ You'll get reminders, promotions, time changes and cancellations by direct message too."
                if where == "dm" else "📣 You'll get reminders only here, in the channel.")
        await ctx.reply(text(said), ephemeral=True)

    async def suggest_event(self, ctx: Context, typed: str, given: dict[str, str]) -> list[tuple[str, str]]:
        """An event's number while it is typed (suggest.py)."""
        return await suggest.events(self.db, ctx, typed, await self.audience.shared_into(ctx.space),
                                    self.audience.platform_name)

    # --- helpers ---------------------------------------------------------------------------------------

    async def event_here(self, ctx: Context, event_id: int) -> Event:
        event = await self.db.read_small(lambda c: repo.get(c, event_id))
        if event is not None and event.space != ctx.space.key and await self.audience.shares_here(
                event, ctx.space):
            return event  # shared here from a linked channel
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

    async def card(self, event: Event, channel: ChannelRef | None = None) -> Out:
        """The card as `channel` shows it (the event's own by default): a linked channel's card
        speaks its platform's command syntax, labels the others' people and follows its own
        space's settings."""
        where = channel or event_channel(event)
        platform, space = where.platform, where.space
        tz = await self.bot.timezone(space)  # the reader's: a linked space's zone may be another
        roster, repeats = await self.db.read_small(
            lambda c: (repo.card_roster(c, event, CARD_NAMES), series_repo.repeats_of(c, event, tz)))
        caps = self.bot.capabilities(platform)
        buttons = bool(caps and caps.buttons) and await self.settings.get(space, "rsvp.buttons")
        page = self.page_url(event.id, await self.web_key()) if self.bot.web.enabled else None
        now = self.bot.clock.now()
        presence = None  # check-in has opened (and the event was not called off): who is here
        if not event.cancelled and now >= opens_at(event, await self.turnout.window(SpaceRef.from_key(event.space))):
            presence = await self.db.read_small(lambda c: Presence(
                True, *checkin_repo.here(c, event.id, CARD_NAMES), early=0 if event.over(now) else checkin_repo.stale_count(c, event.id, platform)))
        return event_card(event, roster, prefix=self.bot.prefix_for(platform), buttons=buttons,
                          now=now, page=page, interested=await self.native.interested(event.id),
                          labels=await self.audience.labels(event, platform=platform), presence=presence,
                          repeats=repeats)

    async def started(self) -> None:
        await self.native.reconcile()

    async def config_summary(self, space: SpaceRef) -> list[str]:
        return await self.native.notes(space)

    def refresh(self, event_id: int) -> None:
        for message in self.bot.tracked_messages(self.name, "event", event_id):
            self.bot.refresh_card(message, partial(self.render_card, event_id, message.channel))

    async def render_card(self, event_id: int, channel: ChannelRef) -> Out:
        """The event's card as it is to show in `channel` now (what an edit of a card of it puts on it)."""
        event = await self.db.read_small(lambda c: repo.get(c, event_id))
        assert event is not None
        return await self.card(event, channel)

    async def refresh_space(self, space: SpaceRef) -> None:
        """After a change of the space's settings: the cards of its events, and of those shared into it."""
        scope, now = await self.audience.scope(space), self.bot.clock.now()
        for event in await self.db.read(lambda c: not_over(c, scope, now)):
            self.refresh(event.id)
