"""Turnout around an event's time (PRODUCT.md "Turnout").

Check-in opens `checkin.window` before the start: a job at that moment re-renders the event's
cards, which from then on show 📍 (a reaction the platforms add to the card) and `Here (n)`;
it closes at the end, when the bot's own 📍 comes off them. After the end, with `events.followup
on`, the follow-up: a thank-you naming how many checked in (or went, when nobody checked in) and
a "next one?" poll of three time slots at the same weekday and time, made through the polls
feature, so `event create … when=poll:<id>` turns the leading slot into the next meetup. A day
after the end its cards are archived: edited a last time, then no longer live (`archive`).

All three are durable jobs, written in the same unit as the event's reminders (reminders.py), so a
restart or a crash neither skips nor doubles them: the thank-you and the poll carry keys
derived from the follow-up job, and the polls feature makes one poll per key.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from bot.adapter import DeliveryRefused
from bot.commands import Option
from bot.context import Refusal
from bot.model import MessageRef, SpaceRef, user_from_key
from bot.render import truncate
from bot.scheduler import Job
from bot.settings import SettingSpec, duration_within, on_off, switch_text
from bot.timeparse import format_duration
from cogs.polls.service import PollService

from . import checkin_repo, repo, series_repo
from .reminders import ARCHIVE_AFTER, Handle, Plan, event_channel
from .render import EMOJI
from .repo import Event
from .turnout_render import HERE, thanks_text
from .what_follows import SLOT_NOTICE, goes_on, next_slots

if TYPE_CHECKING:
    from .cog import EventsCog

log = logging.getLogger(__name__)

OPEN_KIND, FOLLOWUP_KIND, ARCHIVE_KIND = "event.checkin", "event.followup", "event.archive"
FOLLOWUP_GRACE = timedelta(days=1)  # a thank-you days after the bot came back would be odd

GOAL = Option("goal", "a turnout goal: how many going would make it", kind="int", required=False,
              positional=False, min=1, max=10000, placeholder="n", limited_further=True)
NEW_GOAL = Option("goal", "a new turnout goal, or 0 for none", kind="int", required=False,
                  positional=False, min=0, max=10000, placeholder="n", limited_further=True)


def check_goal(goal: int | None, capacity: int | None) -> None:
    """Refuses a goal that the capacity would never let be reached: only those in count as going."""
    if goal and capacity and goal > capacity:
        raise Refusal(f"a goal of {goal} going can never be reached with a capacity of {capacity} "
                      f"(those on the waitlist are not going); set goal={capacity} or less, "
                      f"or capacity={goal} or more")


MAX_WINDOW = timedelta(days=7)
_window = duration_within(timedelta(minutes=1), MAX_WINDOW, "from 1m to 7d")


def _open(event: Event, window: timedelta, now: datetime, *, cancelled: bool) -> bool:
    return not cancelled and event.starts_at - window <= now and not event.over(now)


class Turnout:
    def __init__(self, cog: EventsCog) -> None:
        self.cog = cog
        self.bot = cog.bot
        # Each space's `checkin.window` as this process last knew it in force: a change is told
        # only the space, and the events whose check-in it closes are those open under the old.
        self._windows: dict[str, timedelta] = {}

    def register(self) -> None:
        settings = self.bot.settings
        settings.register(SettingSpec("checkin.window", "30m", _window, "a duration from 1m to 7d, e.g. 30m",
                                      "check-in opens this long before the start and closes at the end",
                                      normalize=format_duration))
        settings.register(SettingSpec("events.followup", "on", on_off, "on or off",
                                      "after an event: a thank-you with the turnout and a \"next one?\" poll",
                                      normalize=switch_text))
        settings.watch("checkin.window", self._window_changed)  # (reminders.py moves the jobs)
        self.bot.scheduler.register(OPEN_KIND, self._opened)
        self.bot.scheduler.register(FOLLOWUP_KIND, self._followup, grace=self._grace)
        self.bot.scheduler.register(ARCHIVE_KIND, self._archive)  # (written with the reminders)

    async def window(self, space: SpaceRef) -> timedelta:
        window: timedelta = await self.bot.settings.get(space, "checkin.window")
        self._windows.setdefault(space.key, window)
        return window

    async def _window_changed(self, space: SpaceRef) -> None:
        """A shorter window closes the check-in of the space's events open under the old one and
        not under the new: their cards stop showing `Here`, and the bot's 📍 comes off them. An old
        value this process never read (none of the space's cards shown since its start) is taken
        as the longest there is."""
        old = self._windows.get(space.key, MAX_WINDOW)
        new: timedelta = await self.bot.settings.get(space, "checkin.window")
        self._windows[space.key] = new
        now = self.bot.clock.now()
        closed = [] if new >= old else [
            e for e in await self.bot.db.read(lambda c: repo.upcoming(c, space.key, now, limit=10_000))
            if e.starts_at - old <= now < e.starts_at - new]
        await self.cog.refresh_space(space)
        # With no await since the refresh, a card's edit has not started: one edit takes both.
        for event in closed:
            await self._pins_off(event)

    def schedule(self, conn: sqlite3.Connection, event: Event, plan: Plan, now: datetime,
                 fresh: bool = False) -> list[Handle]:
        """Inside the unit that writes the event's reminders: its check-in opening (unless it
        is open already) and its follow-up at the end. `fresh` as in Reminders.schedule."""
        scheduler = self.bot.scheduler
        if not fresh:
            scheduler.cancel(conn, f"event:{event.id}:checkin")
        handles: list[Handle] = []
        opens = event.starts_at - plan.window
        if opens > now:
            handles.append(scheduler.put(conn, OPEN_KIND, f"event:{event.id}:checkin", opens,
                                         {"event_id": event.id}, event.space))
        handles.append(scheduler.put(conn, FOLLOWUP_KIND, f"event:{event.id}:followup", event.ends_at,
                                     {"event_id": event.id}, event.space))
        return handles

    @staticmethod
    def moved(conn: sqlite3.Connection, before: Event, after: Event, plan: Plan, now: datetime) -> None:
        """Inside the unit that moves an event: a check-in is for its occasion. Moved to a time
        whose check-in opens only after the old time ended (another evening, another day), those
        checked in are not here for it, and its card would show them when check-in opens again;
        moved a little (people there are waiting), they stay checked in."""
        opens = after.starts_at - plan.window
        if opens > now and opens >= before.ends_at:
            checkin_repo.clear(conn, after.id)

    async def pin_off(self, after: Event, before: Event | None = None) -> None:
        """After an edit (`before` it) or a cancel (no `before`: it was not cancelled): an event
        open for check-in that no longer is (moved to when it opens later, cancelled) has cards
        that stop asking for 📍, so the bot's own comes off them; a move back into the window
        puts it back, as check-in opening does."""
        window, now = await self.window(SpaceRef.from_key(after.space)), self.bot.clock.now()
        was = _open(before or after, window, now, cancelled=before is not None and before.cancelled)
        if was and not _open(after, window, now, cancelled=after.cancelled):
            await self._pins_off(after)

    async def open_now(self, event: Event) -> bool:
        """Whether the event is open for check-in now (its cards ask for 📍)."""
        window, now = await self.window(SpaceRef.from_key(event.space)), self.bot.clock.now()
        return _open(event, window, now, cancelled=event.cancelled)

    async def _pins_off(self, event: Event) -> None:
        """The bot's 📍 comes off each card once an edit rendered after check-in closed is on it:
        an edit rendered before (after an RSVP a moment earlier) landing later would put it back
        (the platforms add what a card asks for and they do not remember adding), and no later
        edit takes it off."""
        for card in self.bot.tracked_messages(self.cog.name, "event", event.id):
            self.bot.refresh_card(card, partial(self.cog.render_card, event.id, card.channel),
                                  partial(self._closed_landed, event.id, card))

    async def _closed_landed(self, event_id: int, card: MessageRef) -> None:
        event = await self.bot.db.read_small(lambda c: repo.get(c, event_id))
        # Opened again meanwhile (moved back): its cards ask for 📍 again, and the bot's stays.
        if event is None or not await self.open_now(event):
            await self.bot.take_back_own_reaction(card, HERE)
        # Ended (the follow-up's or the archive's edit): the card takes no more answers, so the
        # bot's own ✅ 🤔 ❌ stop inviting them.
        if event is not None and not event.cancelled and event.over(self.bot.clock.now()):
            for emoji in EMOJI:
                await self.bot.take_back_own_reaction(card, emoji)

    async def archive(self, event_id: int) -> None:
        """A day after the end: the event's cards are edited a last time (the end and the final
        counts, which a follow-up skipped after a long downtime never showed) and are no longer
        live once that edit is on them; until then they stay live in the database, so a stop
        before it leaves them to the next start's reconcile, which archives them again. Check-in
        closed at the end: the bot's 📍 comes off them too (again, if the follow-up's was cut off)."""
        event = await self.bot.db.read_small(lambda c: repo.get(c, event_id))
        if event is None:  # nothing to show on them any more
            await self.bot.untrack(self.cog.name, "event", event_id)
            return
        if not event.cancelled:
            await self._pins_off(event)  # before retiring: its cards are found by their tracking
        await self.cog.retire(event_id)

    @staticmethod
    def archived(event: Event, now: datetime) -> bool:
        """Whether the event's cards are past being live (a reconcile finding one archives it)."""
        return now >= event.ends_at + ARCHIVE_AFTER

    async def _archive(self, job: Job) -> None:
        await self.archive(int(job.payload["event_id"]))

    async def _event(self, job: Job) -> Event | None:
        event_id = int(job.payload["event_id"])
        event = await self.bot.db.read_small(lambda c: repo.get(c, event_id))
        return None if event is None or event.cancelled else event

    async def _opened(self, job: Job) -> None:
        """Check-in opens: the cards show 📍 and `Here (0)` (the platforms add the reaction)."""
        event = await self._event(job)
        if event is not None:
            self.cog.refresh(event.id)

    async def _grace(self, job: Job) -> timedelta:
        return FOLLOWUP_GRACE

    async def _followup(self, job: Job) -> None:
        event = await self._event(job)
        if event is None:
            return
        # The card says it has ended, with the final counts, and check-in has closed: the
        # bot's 📍 no longer counts, and comes off once that edit is on the card.
        await self._pins_off(event)
        if not await self.bot.settings.get(SpaceRef.from_key(event.space), "events.followup"):
            return

        def read(conn: sqlite3.Connection) -> tuple[int, int, bool]:
            going = len(repo.in_users(conn, event))
            return going, checkin_repo.here(conn, event.id, 0)[1], goes_on(conn, event)

        going, here, planned = await self.bot.db.read(read)
        if not going and not here:
            return  # nobody said they'd come and nobody checked in: no one to thank
        # A series that goes on has its next occurrence planned already; a one-off, or the last
        # of a series, asks when the next one is.
        try:
            poll_id = await self._next_poll(event, job) if not planned else None
        except DeliveryRefused as e:  # gone, closed for now, or not allowed: a retry soon would not reach it
            log.info("event %s: no next-one poll, its channel refuses it: %s", event.id, e)
            poll_id = None
            # Made before its card was refused: nobody saw it, so it never closes with results.
            polls = self.bot.service(PollService)
            if polls is not None:
                await polls.discard(job.idempotency_key + "-poll")
        # The poll is shared only where the event's channel is linked now: a space unlinked
        # since the event was shared into it is thanked, but not sent to a poll it cannot see.
        has_poll = {event_channel(event).key, *(c.key for c in await self.cog.audience.linked_now(event))}
        await self.cog.audience.say_as(event, lambda channel: thanks_text(
            event, going=going, here=here, poll_id=poll_id if channel.key in has_poll else None,
            prefix=self.bot.prefix_for(channel.platform)), key=job.idempotency_key + "-thanks")

    async def _next_poll(self, event: Event, job: Job) -> int | None:
        polls = self.bot.service(PollService)
        if polls is None:
            return None
        now = self.bot.clock.now()
        sid = event.series_id
        skip = await self.bot.db.read(lambda c: series_repo.cancelled_times(c, sid)) if sid is not None else set()
        slots = next_slots(event, await self.bot.timezone(SpaceRef.from_key(event.space)), now, skip)
        if not slots:
            return None
        # Open until the day before the first slot, so it is settled in time.
        closes = slots[0][1] - SLOT_NOTICE
        return await polls.post_poll(
            event_channel(event), user_from_key(event.creator), truncate(f"Next {event.title}? Same time, "
                                                                         "which week?", 200),
            [text for text, _ in slots], multi=True, closes_at=closes,
            idempotency_key=job.idempotency_key + "-poll")
