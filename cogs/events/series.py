"""Recurring meetups: a series makes its occurrences `series.ahead` before they start, each an
event of its own (id, card, RSVPs, waitlist, reminders). Making them is a durable job like a
reminder, so a restart or a crash neither skips nor doubles one: the rows are unique per
(series, local time), and a card is posted with the occurrence's idempotency key only while it
has none.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from bot.context import Context, Refusal
from bot.model import SpaceRef
from bot.render import text
from bot.scheduler import Job
from bot.settings import SettingSpec, duration_within
from bot.timeparse import TimeParseError, format_duration, parse_when

from . import repo
from . import series_repo as srepo
from .recurrence import aware_at, check_bounds, check_first, parse_rule
from .reminders import Handle, Plan, event_channel
from .repo import Event

if TYPE_CHECKING:
    from .cog import EventsCog

KIND = "event.series"
# Made a little early rather than a little late: the job for the next one is due exactly
# `ahead` before it, and must find it inside its window.
SLACK = timedelta(minutes=1)
_ahead = duration_within(timedelta(hours=1), timedelta(days=90), "from 1h to 90d")


class SeriesPlanner:
    def __init__(self, cog: EventsCog) -> None:
        self.cog = cog
        self.bot = cog.bot

    def register(self) -> None:
        self.bot.settings.register(SettingSpec(
            "series.ahead", "14d", _ahead, "a duration from 1h to 90d, e.g. 14d",
            "how far ahead the next occurrences of a recurring meetup are posted",
            normalize=format_duration))
        self.bot.settings.watch("series.ahead", self._ahead_changed)
        self.bot.scheduler.register(KIND, self._job)

    async def _ahead_changed(self, space: SpaceRef) -> None:
        """The job of each live series was set by the old value: a longer one would otherwise
        post nothing new until that job falls due."""
        for sid in await self.cog.db.read(lambda c: srepo.live_in(c, space.key)):
            await self.materialize(sid)

    # --- create ---------------------------------------------------------------------------------

    async def create(self, ctx: Context, *, title: str, first: datetime, repeat: str, until: str | None,
                     count: int | None, location: str, details: str, capacity: int | None,
                     length: timedelta, goal: int | None = None, asked: datetime | None = None,
                     also: Callable[[sqlite3.Connection], object] | None = None) -> None:
        """`asked`: the moment the command was read, before `when=` (so "in 1 hour" gets its
        1h reminder); `also`: more to write in the same unit (closing the polls it came from)."""
        tz = await ctx.timezone()
        # `when=` refuses a wall time the clocks skip or repeat, so the first one's is exact. The
        # rule's times are in whole seconds (rrule drops the rest), and so is the first:
        # "in 1 hour" read on a real clock would otherwise not be a time of its own rule.
        local = first.astimezone(tz).replace(tzinfo=None, microsecond=0)
        rule = parse_rule(repeat, local)
        if until is not None and count is not None:
            raise Refusal("give until= or count=, not both")
        end = self._until(until, ctx, tz) if until is not None else None
        check_first(rule, local, tz, ctx.now)
        check_bounds(rule.rrule, local, end, count)
        now = ctx.now
        # Rounded down like the first time, so a reminder due as the command was read stays ahead.
        since = min(asked or now, now).replace(microsecond=0)

        def unit(conn: sqlite3.Connection) -> srepo.Series:
            if also is not None:
                also(conn)
            series = srepo.insert(conn, space=ctx.space.key, platform=ctx.channel.platform,
                                  channel_id=ctx.channel.id, creator=ctx.user.key, title=title,
                                  location=location, details=details, capacity=capacity, rule=rule.rrule,
                                  words=rule.words, first_local=local, tz=tz, length=length, until=end,
                                  count=count, now=now, goal=goal)
            if series.next_after(now - timedelta(seconds=1)) is None:
                raise Refusal(f"repeat={repeat} gives no time after now with those bounds; "
                              "check until= or count=")
            return series

        series = await self.cog.db.write(unit)
        made = await self.materialize(series.id, reply=ctx, since=since)
        ahead = await self.bot.settings.get(ctx.space, "series.ahead")
        first_id = made[0].id if made else "?"
        await ctx.reply(text(f"🔁 #{first_id} repeats {rule.words}{rule.note}"
                        + (f" until {end.isoformat()}" if end else f", {count} time{'s' if count > 1 else ''}" if count else "")
                        + f"; each one is posted {format_duration(ahead)} before it starts, with its "
                        f"own RSVPs. {ctx.prefix}event cancel <id> series ends it."))

    @staticmethod
    def _until(value: str, ctx: Context, tz: Any) -> date:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
        try:
            return parse_when(value, tz, ctx.now).astimezone(tz).date()
        except TimeParseError as e:
            # A date is all until= needs: "jan 19" is that day (read at its last minute, so
            # "today" is still ahead), not a question about the time of day.
            try:
                return parse_when(f"{value} 23:59", tz, ctx.now).astimezone(tz).date()
            except TimeParseError:
                raise Refusal(f"until: {e}; give a date like 2027-03-01") from e

    # --- making occurrences -------------------------------------------------------------------------

    async def _job(self, job: Job) -> None:
        await self.materialize(int(job.payload["series_id"]), since=job.due_at)

    async def materialize(self, series_id: int, reply: Context | None = None, *,
                          since: datetime | None = None, force: bool = False) -> list[Event]:
        """Make every occurrence due to be posted by now (and, at creation, the first one
        whatever its distance, or with `force`), post their cards, and set the job for the next one. `since`: the
        moment they were due to be made (the command read, the job due); a reminder due from
        then on is theirs, even when making them ran a little later (or, after downtime, much
        later: the scheduler's grace rule then says whether it is still posted)."""
        now = self.bot.clock.now()
        since = min(since or now, now)
        series = await self.cog.db.read_small(lambda c: srepo.get(c, series_id))
        if series is None:
            return []
        space = SpaceRef.from_key(series.space)
        ahead: timedelta = await self.bot.settings.get(space, "series.ahead")
        plan = await self.cog.reminders.plan(space)

        def unit(conn: sqlite3.Connection) -> tuple[list[Event], list[Handle]]:
            s = srepo.get(conn, series_id)
            if s is None or s.ends_before is not None and s.ends_before <= s.first_local:
                return [], []
            # Absolute time (UTC): "14 days before" an occurrence is 14 × 24 h, whatever DST
            # change lies between (aware arithmetic in the zone would count wall-clock days).
            wanted = s.times(after=now, before=now + ahead + SLACK)
            if reply is not None and not wanted:
                first = s.next_after(now)
                wanted = [first] if first is not None else []
            if force:
                first = srepo.next_unmade(conn, s, now)
                wanted = [first] if first is not None else []
            have = srepo.made(conn, series_id)
            created: list[Event] = []
            handles: list[Handle] = []
            for local, aware in wanted:
                key = local.isoformat()
                if key in have:
                    continue
                event = repo.insert(conn, space=s.space, platform=s.platform, channel_id=s.channel_id,
                                    creator=s.creator, title=s.title, starts_at=aware,
                                    location=s.location, details=s.details, capacity=s.capacity,
                                    now=now, length=s.length, series_id=s.id, occurrence=key, goal=s.goal)
                created.append(event)
                handles.extend(self.cog.reminders.schedule(conn, event, plan, since))
            # The one job that makes the next: one set by an earlier `ahead` goes (the job running
            # now is claimed, not pending, so it stays to be marked sent).
            self.bot.scheduler.cancel(conn, f"series:{s.id}:make:")
            handles.extend(self._next_job(conn, s, created, now, ahead))
            return created, handles

        created, handles = await self.cog.db.write(unit)
        self.cog.reminders.arm(handles)
        await self.post_missing(series_id, reply)
        return created

    async def post_missing(self, series_id: int, reply: Context | None = None) -> None:
        """Post the cards of occurrences never posted (made just now, or made before a crash
        that came before their post: then the same idempotency key lets the platform drop a
        second copy)."""
        now = self.bot.clock.now()
        events = await self.cog.db.read(lambda c: srepo.unposted(c, series_id))
        for event in events:
            if event.cancelled or event.starts_at <= now:
                continue
            card = await self.cog.card(event)
            if reply is not None:
                ref = await reply.reply(card)
                reply = None  # the first card answers the command; the rest go to the channel
            else:
                ref = await self.bot.send(event_channel(event), card,
                                          idempotency_key=f"series:{series_id}:{event.occurrence}")
            if ref is not None:
                await self.bot.track(ref, self.cog.name, "event", event.id)
            await self.cog.audience.share(event, partial(self.cog.card, event), f"series:{series_id}:{event.occurrence}")
            await self.cog.db.write(_mark_posted(event.id))
            await self.cog.native.posted(event, ref)

    # --- ending ---------------------------------------------------------------------------------------

    def end_from(self, conn: sqlite3.Connection, event: Event) -> list[Event]:
        """Inside a write unit: end the series at this occurrence; cancel it and later ones."""
        assert event.series_id is not None and event.occurrence is not None
        srepo.update(conn, event.series_id, ends_before=datetime.fromisoformat(event.occurrence))
        self.bot.scheduler.cancel(conn, f"series:{event.series_id}:make:")
        out = []
        for e in srepo.occurrence_events(conn, event.series_id, from_local=event.occurrence):
            if not e.cancelled:
                out.append(repo.update(conn, e.id, state="cancelled"))
                self.bot.scheduler.cancel(conn, f"event:{e.id}:")
        return out

    def split_at(self, conn: sqlite3.Connection, event: Event, starts_at: datetime, now: datetime,
                 ahead: timedelta, plan: Plan) -> tuple[list[Event], list[Handle]]:
        """Inside a write unit: move this occurrence and every later one to a new time of day, as
        calendars do with "this and following": the series ends before it and a new one with the
        same rule starts at the new time, taking the occurrences already made along."""
        assert event.series_id is not None and event.occurrence is not None
        s = srepo.get(conn, event.series_id)
        assert s is not None
        old_local = datetime.fromisoformat(event.occurrence)
        new_local = starts_at.astimezone(s.tz).replace(tzinfo=None)
        if new_local.date() != old_local.date():
            raise Refusal("a series keeps its days: give a new time on the same day (e.g. "
                          "when=\"19:30\"); to move it to other days, cancel it from here with "
                          "'series' and create it again")
        shift = new_local - old_local
        done = sum(1 for _ in s.times(before=old_local.replace(tzinfo=s.tz) - timedelta(seconds=1)))
        srepo.update(conn, s.id, ends_before=old_local)
        self.bot.scheduler.cancel(conn, f"series:{s.id}:make:")
        new = srepo.insert(conn, space=s.space, platform=s.platform, channel_id=s.channel_id,
                           creator=s.creator, title=s.title, location=s.location, details=s.details,
                           capacity=s.capacity, rule=s.rule, words=s.words, first_local=new_local,
                           tz=s.tz, length=s.length, until=s.until,
                           count=s.count - done if s.count is not None else None, now=now, goal=s.goal)
        srepo.goes_on(conn, s.id, new.id)
        moved: list[Event] = []
        handles: list[Handle] = []
        for e in srepo.occurrence_events(conn, s.id, from_local=event.occurrence):
            assert e.occurrence is not None
            local = datetime.fromisoformat(e.occurrence) + shift
            starts = aware_at(local, s.tz)
            conn.execute("UPDATE events SET series_id=?, occurrence=?, starts_at=?, ends_at=?, "
                         "revision=revision+1 WHERE id=?",
                         (new.id, local.isoformat(), starts.timestamp(),
                          (starts.astimezone(UTC) + (e.ends_at - e.starts_at)).timestamp(), e.id))
            updated = repo.get(conn, e.id)
            assert updated is not None
            moved.append(updated)
            self.cog.turnout.moved(conn, e, updated, plan, now)
            handles.extend(self.cog.reminders.schedule(conn, updated, plan, now))
        handles.extend(self._next_job(conn, new, moved, now, ahead))
        return moved, handles

    def _next_job(self, conn: sqlite3.Connection, s: srepo.Series, made: list[Event], now: datetime,
                  ahead: timedelta) -> list[Handle]:
        """The job that makes the first occurrence not made yet, `ahead` before it. A key per
        occurrence: the job running now is marked sent when it returns, so the next one must be
        a job of its own."""
        nxt = s.next_after(max([now + ahead + SLACK, *(e.starts_at for e in made)]))
        if nxt is None:
            return []
        return [self.bot.scheduler.put(conn, KIND, f"series:{s.id}:make:{nxt[0].isoformat()}",
                                       nxt[1].astimezone(UTC) - ahead, {"series_id": s.id}, s.space)]

    def later(self, conn: sqlite3.Connection, event: Event) -> list[Event]:
        """This occurrence and every later one already made, not cancelled."""
        assert event.series_id is not None and event.occurrence is not None
        return [e for e in srepo.occurrence_events(conn, event.series_id, from_local=event.occurrence)
                if not e.cancelled]

    async def words(self, series_ids: set[int]) -> dict[int, str]:
        def read(conn: sqlite3.Connection) -> dict[int, str]:
            return {sid: s.words for sid in series_ids if (s := srepo.get(conn, sid)) is not None}
        return await self.cog.db.read(read) if series_ids else {}


def _mark_posted(event_id: int) -> Callable[[sqlite3.Connection], object]:
    return lambda conn: conn.execute("UPDATE events SET card_posted=1 WHERE id=?", (event_id,))
