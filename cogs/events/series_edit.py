"""Changing a recurring meetup inside a write unit: making its next occurrence, ending it, and
moving it to a new time of day. A series that moved goes on as one of its own that `follows` it,
so "this one and every later one" walks that chain (series_repo.chain)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.context import Refusal
from bot.timeparse import format_time

from . import repo
from . import series_repo as srepo
from .recurrence import aware_at
from .reminders import Handle, Plan
from .repo import Event

if TYPE_CHECKING:
    from .cog import EventsCog

KIND = "event.series"
# The job that posts the cards of occurrences just made if their poster does not: it dies
# holding their claim, or its send fails.
CARDS = "event.series.cards"
# Made a little early rather than a little late: the job for the next one is due exactly
# `ahead` before it, and must find it inside its window.
SLACK = timedelta(minutes=1)
# How long a card claimed for posting is left to its claimer: longer than a send takes; past
# it, one its process died while sending is posted by the series' jobs, tried again until then
# (the same idempotency key lets the platform drop a second copy).
CLAIM = timedelta(minutes=5)


def cards_key(series_id: int) -> str:
    return f"series:{series_id}:cards"


class SeriesEdits:
    def __init__(self, cog: EventsCog) -> None:
        self.cog = cog
        self.bot = cog.bot

    def make(self, conn: sqlite3.Connection, s: srepo.Series, wanted: list[tuple[datetime, datetime]],
             now: datetime, since: datetime, plan: Plan, ahead: timedelta,
             cards: bool = True) -> tuple[list[Event], list[Handle]]:
        """Inside a write unit: make the occurrences wanted that are not made yet, with their
        reminders, and the job for the next one. Their cards are posted after the commit
        (SeriesPlanner.post_missing); `cards`: with a job that posts them should that not
        happen (the series' own job needs none: it is run again itself)."""
        have = srepo.made(conn, s.id)
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
            handles.extend(self.cog.reminders.schedule(conn, event, plan, since, fresh=True))
        # The one job that makes the next: one set by an earlier `ahead` goes (the job running
        # now is claimed, not pending, so it stays to be marked sent).
        self.bot.scheduler.cancel(conn, f"series:{s.id}:make:")
        handles.extend(self._next_job(conn, s, created, now, ahead))
        if created and cards:  # due once a claim taken now has lapsed; posting them all cancels it
            handles.extend(self.cards_job(conn, s.id, now + CLAIM + SLACK, s.space))
        return created, handles

    def cards_job(self, conn: sqlite3.Connection, series_id: int, due: datetime, space: str) -> list[Handle]:
        """The series' cards job, to run by `due`: one that ran and waits to retry, or runs now,
        keeps the marks of its sends (put again, it would post a card that is out a second time)."""
        handle = self.bot.scheduler.hasten(conn, CARDS, cards_key(series_id), due, {"series_id": series_id}, space)
        return [handle] if handle is not None else []

    def unmade(self, conn: sqlite3.Connection, series_id: int, now: datetime) -> Event | None:
        """The series' next occurrence not made yet, as it would be made (id 0: it has none yet),
        so that an edit of it is checked before anything is written."""
        s = srepo.get(conn, series_id)
        nxt = srepo.next_unmade(conn, s, now) if s is not None else None
        if s is None or nxt is None:
            return None
        return Event(0, s.space, s.platform, s.channel_id, s.creator, s.title, nxt[1], s.location, s.details,
                     s.capacity, "active", 0, nxt[1] + s.length, s.id, nxt[0].isoformat(), s.goal)

    def make_unmade(self, conn: sqlite3.Connection, planned: Event, now: datetime, plan: Plan,
                    ahead: timedelta) -> tuple[int, list[Handle]]:
        """Inside the unit of an edit: make the occurrence `unmade` gave, which the edit then
        changes; refused if the series has changed since (the edit was checked against it)."""
        assert planned.series_id is not None
        s = srepo.get(conn, planned.series_id)
        nxt = srepo.next_unmade(conn, s, now) if s is not None else None
        if s is None or nxt is None or nxt[0].isoformat() != planned.occurrence:
            raise Refusal("the series changed while this edit was read; give the command again")
        made, handles = self.make(conn, s, [nxt], now, now, plan, ahead)
        return made[0].id, handles

    def end_from(self, conn: sqlite3.Connection, event: Event) -> list[Event]:
        """Inside a write unit: end the series at this occurrence, and the series it went on as;
        cancel it and every later one."""
        assert event.series_id is not None and event.occurrence is not None
        srepo.update(conn, event.series_id, ends_before=datetime.fromisoformat(event.occurrence))
        out = []
        for sid in srepo.chain(conn, event.series_id):
            if sid != event.series_id:
                self._end_all(conn, sid)
            self.bot.scheduler.cancel(conn, f"series:{sid}:make:")
            for e in srepo.occurrence_events(conn, sid, from_local=event.occurrence if sid == event.series_id else ""):
                if not e.cancelled:
                    out.append(repo.update(conn, e.id, state="cancelled"))
                    self.bot.scheduler.cancel(conn, f"event:{e.id}:")
        return out

    def split_at(self, conn: sqlite3.Connection, event: Event, starts_at: datetime, now: datetime,
                 ahead: timedelta, plan: Plan, zone: ZoneInfo) -> tuple[list[Event], list[Handle]]:
        """Inside a write unit: move this occurrence and every later one to a new time of day, as
        calendars do with "this and following": the series ends before it and a new one with the
        same rule starts at the new time, taking the occurrences already made along (also those
        of a series it went on as, which ends: they are all later ones). The new time is a wall
        time in the space's zone `zone`, and the new series goes on in it, so one made before the
        space's zone changed meets at that time there from now on; cancelled ones keep the time
        they were cancelled at."""
        assert event.series_id is not None and event.occurrence is not None
        s = srepo.get(conn, event.series_id)
        assert s is not None
        old_local = datetime.fromisoformat(event.occurrence)
        if aware_at(old_local, s.tz).astimezone(zone).date() != old_local.date():
            raise Refusal(self._other_days(event, s, old_local, zone))
        new_local = starts_at.astimezone(zone).replace(tzinfo=None)
        if new_local.date() != old_local.date():
            raise Refusal(self._keeps_days(event, old_local, starts_at, zone))
        if self._keeps_time(conn, s, new_local, zone):
            return self._back_to_time(conn, event, starts_at, now, plan)
        done = sum(1 for _ in s.times(before=old_local.replace(tzinfo=s.tz) - timedelta(seconds=1)))
        # The new series takes over from the one that made the latest of them: its fields, and
        # its end (a cancel with 'series' keeps holding), read before the split ends them all.
        tail = self._tail(conn, s)
        end = (datetime.combine(tail.ends_before.date(), new_local.time())
               if tail.ends_before is not None else None)
        srepo.update(conn, s.id, ends_before=old_local)
        self.bot.scheduler.cancel(conn, f"series:{s.id}:make:")
        along = srepo.occurrence_events(conn, s.id, from_local=event.occurrence)
        for sid in srepo.chain(conn, s.id)[1:]:
            self._end_all(conn, sid)
            along.extend(srepo.occurrence_events(conn, sid))
        new = srepo.insert(conn, space=s.space, platform=s.platform, channel_id=s.channel_id,
                           creator=s.creator, title=tail.title, location=tail.location, details=tail.details,
                           capacity=tail.capacity, rule=s.rule, words=s.words, first_local=new_local,
                           tz=zone, length=tail.length, until=s.until,
                           count=s.count - done if s.count is not None else None, now=now, goal=tail.goal,
                           ends_before=end)
        srepo.goes_on(conn, s.id, new.id)
        moved: list[Event] = []
        handles: list[Handle] = []
        for e in along:
            assert e.occurrence is not None
            local = datetime.combine(datetime.fromisoformat(e.occurrence).date(), new_local.time())
            # A cancelled one stays at its time, but is the new series' one of its day: that
            # series does not make it again, and the feed's EXDATE names a time of its rule.
            # The one edited is at the moment given (the second reading of a wall time the
            # clocks show twice is no time of the rule): the later ones keep the wall time.
            starts = e.starts_at if e.cancelled else starts_at if e.id == event.id else aware_at(local, zone)
            conn.execute("UPDATE events SET series_id=?, occurrence=?, starts_at=?, ends_at=?, "
                         "revision=revision+1 WHERE id=?",
                         (new.id, local.isoformat(), starts.timestamp(),
                          (starts.astimezone(UTC) + (e.ends_at - e.starts_at)).timestamp(), e.id))
            updated = repo.get(conn, e.id)
            assert updated is not None
            moved.append(updated)
            if not e.cancelled:
                self.cog.turnout.moved(conn, e, updated, plan, now)
                handles.extend(self.cog.reminders.schedule(conn, updated, plan, now))
        handles.extend(self._next_job(conn, new, moved, now, ahead))
        if srepo.unposted(conn, new.id):
            # One moved along may not be posted yet (made by this very edit, or its poster died):
            # the job that would post it was written for the old series, which no longer has it.
            handles.extend(self.cards_job(conn, new.id, now + CLAIM + SLACK, s.space))
        return moved, handles

    @staticmethod
    def _keeps_days(event: Event, old_local: datetime, starts_at: datetime, zone: ZoneInfo) -> str:
        """What was read, the day the series keeps for this one (not the one it was moved alone
        to), and a `when=` on that day, written in full so it is read the same from any day."""
        there = datetime.combine(old_local.date(), starts_at.astimezone(zone).time())
        return (f"a series keeps its days: I read when= as {format_time(starts_at, zone)}, but #{event.id} "
                f"is the series' one of {old_local:%a %d %b %Y}; for a new time of day for it and every "
                f"later one, give it on the same day, e.g. when=\"{there:%Y-%m-%d %H:%M}\"; to move it to "
                "other days, cancel it from here with 'series' and create it again")

    @staticmethod
    def _other_days(event: Event, s: srepo.Series, old_local: datetime, zone: ZoneInfo) -> str:
        return (f"#{event.id} is shown as {format_time(event.starts_at, zone)}, but its series repeats "
                f"{s.words} at {old_local:%H:%M} {s.tz.key}, the zone it was made in, where "
                f"this one is on {old_local:%a %d %b %Y}: in {zone.key} its days are other days, so a "
                f"new time of day for it and every later one can't keep them; to meet at a new time "
                f"in this zone, end it from here with 'event cancel {event.id} series' and create it "
                f"again, or move this one alone (without 'series')")

    @staticmethod
    def _keeps_time(conn: sqlite3.Connection, s: srepo.Series, new_local: datetime, zone: ZoneInfo) -> bool:
        """Whether every series this one goes on as that still makes times meets at `new_local`'s
        time of day in `zone` already: then the schedule stays as it is, and a split would only
        reset the later ones moved on their own."""
        rows = [t for sid in srepo.chain(conn, s.id) if (t := srepo.get(conn, sid)) is not None]
        return all(t.first_local.time() == new_local.time() and t.tz.key == zone.key for t in rows
                   if t.ends_before is None or t.ends_before > t.first_local)

    def _back_to_time(self, conn: sqlite3.Connection, event: Event, starts_at: datetime, now: datetime,
                      plan: Plan) -> tuple[list[Event], list[Handle]]:
        """The series' own time for this occurrence (it may have been moved on its own); every
        later one keeps its start."""
        handles: list[Handle] = []
        current = event
        if starts_at != event.starts_at:
            current = repo.update(conn, event.id, starts_at=starts_at,
                                  ends_at=starts_at.astimezone(UTC) + (event.ends_at - event.starts_at))
            self.cog.turnout.moved(conn, event, current, plan, now)
            handles = self.cog.reminders.schedule(conn, current, plan, now)
        return [current, *(e for e in self.later(conn, event) if e.id != event.id)], handles

    @staticmethod
    def _tail(conn: sqlite3.Connection, s: srepo.Series) -> srepo.Series:
        """Of the series and those it went on as, the one that makes its latest times: the one
        starting last among those with a time left (one merged into a later split, or cancelled
        from its first, has none). Its end is the end of them all: a series ends at a split only
        where the one it went on as starts, on the same day."""
        rows = [t for sid in srepo.chain(conn, s.id) if (t := srepo.get(conn, sid)) is not None]
        return max([t for t in rows if t.ends_before is None or t.ends_before > t.first_local] or [s],
                   key=lambda t: t.first_local)

    def _end_all(self, conn: sqlite3.Connection, series_id: int) -> None:
        """A series that went on from one ended before it ends too: from its first time on."""
        t = srepo.get(conn, series_id)
        assert t is not None
        if t.ends_before is None or t.ends_before > t.first_local:
            srepo.update(conn, series_id, ends_before=t.first_local)
        self.bot.scheduler.cancel(conn, f"series:{series_id}:make:")

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
        """This occurrence and every later one already made, not cancelled, also those of the
        series it went on as (which are all later: each starts where one before it ended)."""
        assert event.series_id is not None and event.occurrence is not None
        return [e for sid in srepo.chain(conn, event.series_id)
                for e in srepo.occurrence_events(conn, sid, from_local=event.occurrence if sid == event.series_id else "")
                if not e.cancelled]
