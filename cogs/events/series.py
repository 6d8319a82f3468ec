"""Recurring meetups: a series makes its occurrences `series.ahead` before they start, each an
event of its own (id, card, RSVPs, waitlist, reminders). Making them is a durable job like a
reminder, so a restart or a crash neither skips nor doubles one: the rows are unique per
(series, local time), and a card is posted with the occurrence's idempotency key only while it
has none, by whoever claims it first (an edit making the occurrence, the series' job, or the job
that making it wrote to post it should its poster die holding the claim).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from bot.context import Context, Refusal
from bot.durations import Unreadable, other_digits
from bot.model import ChannelRef, SpaceRef
from bot.render import text
from bot.scheduler import Job
from bot.settings import SettingSpec, duration_within
from bot.timedates import DateRefused
from bot.timeparse import TimeParseError, format_duration, parse_when

from . import series_repo as srepo
from .recurrence import aware_at, check_bounds, check_first, parse_rule, until_refusal
from .reminders import Handle, event_channel
from .repo import Event
from .series_edit import CARDS, CLAIM, KIND, SLACK, SeriesEdits, cards_key

log = logging.getLogger(__name__)
_ahead = duration_within(timedelta(hours=1), timedelta(days=90), "from 1h to 90d")


class SeriesPlanner(SeriesEdits):
    def register(self) -> None:
        self.bot.settings.register(SettingSpec(
            "series.ahead", "14d", _ahead, "a duration from 1h to 90d, e.g. 14d",
            "how far ahead the next occurrences of a recurring meetup are posted",
            normalize=format_duration))
        self.bot.settings.watch("series.ahead", self._ahead_changed)
        self.bot.scheduler.register(KIND, self._job)
        self.bot.scheduler.register(CARDS, self._cards_job)
        self._since = self.bot.clock.now()
        self.bot.on_started(self._earlier_claims)

    async def _earlier_claims(self, platform: str) -> None:
        """A card claimed by an earlier run that died before sending it: on the embedded store
        one process runs the bot, so every claim from before this start is a dead run's, and its
        card is posted now rather than once the claim lapses. On a shared store a claim carries no
        process, and another live process may be sending it: it is left to lapse."""
        if self.cog.db.shared:
            return
        now = self.bot.clock.now()

        def unit(conn: sqlite3.Connection) -> dict[int, Handle]:
            sids = srepo.release_old_claims(conn, platform=platform, before=self._since, lease=CLAIM)
            # A job left claimed is run again at start with the marks of its sends (cards_job).
            return {sid: h for sid in sids if (s := srepo.get(conn, sid)) is not None
                    for h in self.cards_job(conn, sid, now, s.space)}

        handles = await self.cog.db.write(unit)
        if handles:
            log.info("series %s: posting cards claimed by an earlier run that stopped before sending them",
                     ", ".join(map(str, handles)))
        self.cog.reminders.arm(list(handles.values()))

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
        # A wall time the clocks show twice is the rule's at its first reading; asked for at the
        # second, the first meetup is made at that moment and the later ones keep the wall time.
        exact = first.astimezone(UTC).replace(microsecond=0)
        second = exact if aware_at(local, tz).astimezone(UTC) != exact else None
        rule = parse_rule(repeat, local)
        if until is not None and count is not None:
            raise Refusal("give until= or count=, not both")
        check_first(rule, local, tz, ctx.now)
        end = self._until(until, ctx, tz, rule.rrule, local) if until is not None else None
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
            if second is None and series.next_after(now - timedelta(seconds=1)) is None:
                raise Refusal(f"repeat={repeat} gives no time after now with those bounds; "
                              "check until= or count=")
            return series

        series = await self.cog.db.write(unit)
        made = await self.materialize(series.id, reply=ctx, since=since, first_at=second)
        ahead = await self.bot.settings.get(ctx.space, "series.ahead")
        first_id = made[0].id if made else "?"
        await ctx.reply(text(f"🔁 #{first_id} repeats {rule.words}{rule.note}"
                        + (f" until {end.isoformat()}" if end else f", {count} time{'s' if count > 1 else ''}" if count else "")
                        + f"; each one is posted {format_duration(ahead)} before it starts, with its "
                        f"own RSVPs. {ctx.prefix}event cancel <id> series ends it."))

    @staticmethod
    def _until(value: str, ctx: Context, tz: Any, rule: str, first: datetime) -> date:
        def reading(typed: str) -> str | None:
            # What until= itself makes of it typed with 0-9: a time of day there is refused too.
            try:
                return f" ({SeriesPlanner._until(typed, ctx, tz, rule, first):%a %d %b %Y})"
            except Refusal:
                return None

        try:
            other_digits(value, reading)
        except TimeParseError as e:
            raise Refusal(f"until: {e}") from e
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
        try:
            at = parse_when(value, tz, ctx.now, allow_past=True)
        except TimeParseError as e:
            # A date is all until= needs: "jan 19" is that day (read at its last minute, so
            # "today" is still ahead), not a question about the time of day. One passed
            # ("yesterday") is refused by check_bounds as before the first time, as any is.
            try:
                return parse_when(f"{value} 23:59", tz, ctx.now, allow_past=True).astimezone(tz).date()
            except TimeParseError:
                # Its own words for what is said with ways to write a time, never those ways
                cause = e.__cause__
                said = f"'{value}' {cause.said}" if isinstance(cause, DateRefused) else \
                    f"I can't read '{value}' as a date" if isinstance(cause, Unreadable) else str(e)
                raise Refusal(f"until: {said}; give a date from the first time's day "
                              f"({first:%a %d %b %Y}) on, e.g. until={first.date().isoformat()}") from e
        raise Refusal(until_refusal(value, at, tz, rule, first))

    # --- making occurrences -------------------------------------------------------------------------

    async def _job(self, job: Job) -> None:
        await self.materialize(int(job.payload["series_id"]), since=job.due_at, job=True)

    async def _cards_job(self, job: Job) -> None:
        # Also those the series went on as: a split after the job was written moves an unposted
        # occurrence to a series of its own.
        sids = await self.cog.db.read(lambda c: srepo.chain(c, int(job.payload["series_id"])))
        held = [i for sid in sids for i in await self._post(sid)]
        if held:
            raise RuntimeError("a card is still claimed by another poster; tried again later")

    async def materialize(self, series_id: int, reply: Context | None = None, *,
                          since: datetime | None = None, job: bool = False,
                          first_at: datetime | None = None) -> list[Event]:
        """Make every occurrence due to be posted by now (and, at creation, the first one
        whatever its distance), post their cards, and set the job for the next one. `since`: the
        moment they were due to be made (the command read, the job due); a reminder due from
        then on is theirs, even when making them ran a little later (or, after downtime, much
        later: the scheduler's grace rule then says whether it is still posted). `job`: run by
        the series' job, which is tried again while a card it would post is claimed elsewhere.
        `first_at`: the moment of the first occurrence, where it is not the rule's (create)."""
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
            if first_at is not None:
                wanted = [(s.first_local, first_at), *(w for w in wanted if w[0] != s.first_local)]
            return self.make(conn, s, wanted, now, since, plan, ahead, cards=not job)

        created, handles = await self.cog.db.write(unit)
        self.cog.reminders.arm(handles)
        if not job:
            await self.post_missing(series_id, reply)
        elif held := await self._post(series_id):
            # Its claimer may have died before sending: the retry posts it once the claim lapses.
            raise RuntimeError(f"the cards of #{', #'.join(map(str, held))} are being posted elsewhere")
        return created

    async def post_missing(self, series_id: int, reply: Context | None = None) -> None:
        """Outside a job: the first card answers the command (`reply`), and the rest are posted
        by the series' cards job, run now. A send the process dies after, before its card is
        marked posted, is then a job's keyed send, which the job's re-run finds on the platform
        however long after (bot/resend.py), not only while the platform holds its key."""
        if reply is not None:
            await self._post(series_id, reply)
        now = self.bot.clock.now()

        def unit(conn: sqlite3.Connection) -> list[Handle]:
            s = srepo.get(conn, series_id)
            if s is None or not [e for e in srepo.unposted(conn, series_id) if not e.cancelled and e.starts_at > now]:
                return []  # nothing to post
            return self.cards_job(conn, series_id, now, s.space)  # none while a run of it posts them

        for handle in await self.cog.db.write(unit):
            await self.bot.scheduler.run_now(handle)

    async def _post(self, series_id: int, reply: Context | None = None) -> list[int]:
        """Post the cards of occurrences never posted (made just now, or made before a crash
        that came before their post: then the same idempotency key, and inside a job the marks of
        its sends, keep the platform from showing a second copy); with `reply`, only the one
        answering it. Gives those left unposted because another is posting them."""
        now = self.bot.clock.now()
        events = [e for e in await self.cog.db.read(lambda c: srepo.unposted(c, series_id))
                  if not e.cancelled and e.starts_at > now]
        if not events:
            return []
        skipped: list[int] = []
        left: list[int] | None = None
        for event in events:
            # Claimed before it is sent: an edit making it and the series' job may both get here.
            # Its lease from now, not from the loop's start: posting many may take a while.
            if not await self.cog.db.write(partial(srepo.claim_card, event_id=event.id,
                                                   now=self.bot.clock.now(), lease=CLAIM)):
                skipped.append(event.id)
                continue
            try:
                card = await self.cog.card(event)
                if reply is not None:
                    ref = await reply.reply(card)
                else:
                    ref = await self.bot.send(event_channel(event), card,
                                              idempotency_key=f"series:{series_id}:{event.occurrence}")
            except Exception:  # not sent: a later try posts it (a stop leaves it to the lease)
                await self.cog.db.write(partial(srepo.card_done, event_id=event.id, posted=False))
                raise
            # Marked at once: a failure in what follows must not leave the claim to lapse and
            # the card to be posted again. The last one settles the job in the same commit, and
            # the jobs sharing it into linked channels are written with the mark (else a stop
            # between the two leaves it posted and never shared).
            others = await self.cog.audience.to_share(event)
            left, owed = await self.cog.db.write(partial(self._done, series_id, event, others, event is events[-1]))
            if ref is not None:
                await self.bot.track(ref, self.cog.name, "event", event.id)
            for handle in owed:
                await self.bot.scheduler.run_now(handle)
            await self.cog.native.posted(event, ref)
            if reply is not None:
                break
        if left is None:  # the last was someone else's to post
            left = await self.cog.db.write(partial(self._settle, series_id))
        return [i for i in skipped if i in left]

    def _done(self, series_id: int, event: Event, others: list[ChannelRef], last: bool,
              conn: sqlite3.Connection) -> tuple[list[int] | None, list[Handle]]:
        srepo.card_done(conn, event_id=event.id, posted=True)
        owed = self.cog.audience.owe(conn, event, others, f"series:{series_id}:{event.occurrence}")
        return self._settle(series_id, conn) if last else None, owed

    def _settle(self, series_id: int, conn: sqlite3.Connection) -> list[int]:
        """Those still unposted that a poster would post; with none, the job posting them is done."""
        left = [e.id for e in srepo.unposted(conn, series_id)
                if not e.cancelled and e.starts_at > self.bot.clock.now()]
        if not left:
            self.bot.scheduler.cancel(conn, cards_key(series_id))
        return left

    async def words(self, series_ids: set[int], tz: ZoneInfo) -> dict[int, str]:
        """Each series' rule as a space in `tz` reads it."""
        def read(conn: sqlite3.Connection) -> dict[int, str]:
            return {sid: s.words_in(tz) for sid in series_ids if (s := srepo.get(conn, sid)) is not None}
        return await self.cog.db.read(read) if series_ids else {}
