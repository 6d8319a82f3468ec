"""What organisers read after their events: `stats [days]` (events held, going, checked in,
show-up rate, and a chart) and `event export <id>` (the attendee list as a CSV file, for the
creator and moderators).

Both read only the events' own rows: names people gave when they answered, statuses, check-ins.
Nothing anyone wrote in the chat is stored, so none of it can be in them; the chart shows
counts, never names. A part of the events cog (a mixin), so its commands are the cog's own."""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.adapter import DeliveryFailed
from bot.commands import Option, command
from bot.context import Context, Refusal
from bot.render import Attachment, line, text

from . import checkin_repo
from .chart import Bar, png, text_chart
from .checkin_repo import ExportRow, Turnout
from .editing import EVENT_ID
from .pages import WebPages
from .turnout_render import last, stats_text

DEFAULT_DAYS, MAX_DAYS = 90, 730
# The contract's columns first, in its order (a reader may take them by position); extras after.
CSV_HEADER = ("name", "platform", "status", "checked in", "waitlist position")
# What spreadsheets would run as a formula (OWASP; ASVS 1.2.10 adds NUL). A name that starts with
# a quote is left as given: whether a spreadsheet takes a leading quote off on CSV import differs
# between them, so doubling it would show some people a name with two.
FORMULA = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


class Reports(WebPages):
    @command("stats", "turnout of this space's past events, with a chart",
             Option("days", f"how many days back (default {DEFAULT_DAYS})", kind="int", required=False,
                    min=1, max=MAX_DAYS, placeholder="days"))
    async def stats(self, ctx: Context, days: int | None = None) -> None:
        days = days or DEFAULT_DAYS
        now = ctx.now
        scope = await self.audience.scope(ctx.space)
        rows = await self.db.read(lambda c: checkin_repo.held(c, scope, now - timedelta(days=days), now))
        await ctx.reply(stats_text(rows, days))
        if not rows:
            return
        bars = chart_bars(rows, await ctx.timezone())
        title = f"Turnout, {last(days)}"
        image = await asyncio.to_thread(png, bars, title)
        await ctx.reply(Attachment("turnout.png", image, "image/png", caption=f"📊 {title}: going and checked in",
                                   alt=text_chart(bars)))

    @command("event export", "attendees as a CSV file: name, platform, status, checked in "
             "(for the creator and moderators)", EVENT_ID)
    async def export(self, ctx: Context, id: int) -> None:
        event = await self.event_here(ctx, id)
        if event.creator != ctx.user.key and not ctx.is_moderator:
            raise Refusal(f"only the event's creator or a moderator can export the attendees of event #{id}; "
                          f"{ctx.prefix}event attendees {id} shows the lists")

        def read(conn: sqlite3.Connection) -> list[ExportRow]:
            return checkin_repo.export_rows(conn, event)

        rows = await self.db.read(read)
        out = Attachment(f"event-{id}-attendees.csv", self._csv(rows), "text/csv",
                         caption=f"📄 Attendees of event #{id} ({len(rows)})")
        caps = self.bot.capabilities(ctx.channel.platform)
        if caps is not None and not caps.ephemeral:
            # Where a reply cannot be private, the list goes to the one who asked or nowhere:
            # never into the channel.
            try:
                sent = await self.bot.send_dm(ctx.user, out) if caps.direct_messages else None
            except DeliveryFailed as e:  # the platform's trouble, not the person's settings
                raise Refusal(f"the direct message with the attendees of event #{id} did not go through "
                              "just now; nothing was posted here; say "
                              f"{ctx.prefix}event export {id} again in a moment") from e
            if sent is not None:
                await ctx.reply(text(line(f"📄 I sent you the attendees of event #{id} as a CSV file "
                                          "by direct message.")))
                return
            raise Refusal(f"I couldn't send you the attendees of event #{id} by direct message, and "
                          "a reply here would be public; allow direct messages from me and say "
                          f"{ctx.prefix}event export {id} again")
        await ctx.reply(out, ephemeral=True)

    def _csv(self, rows: list[ExportRow]) -> bytes:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(CSV_HEADER)
        for r in rows:
            platform = r.user.partition(":")[0]
            caps = self.bot.capabilities(platform)
            writer.writerow((_cell(r.name or r.user.partition(":")[2]), caps.label if caps and caps.label else platform,
                             r.status or "not answered", "yes" if r.here else "no", r.waitlist or ""))
        return buf.getvalue().encode("utf-8")


def _cell(value: str) -> str:
    """A name as text in a spreadsheet: one that starts like a formula gets a leading quote (OWASP's
    guard against CSV injection), so it is never run."""
    return "'" + value if value.startswith(FORMULA) else value


def chart_bars(rows: list[Turnout], tz: ZoneInfo) -> list[Bar]:
    return [Bar(f"#{r.event.id} {r.event.starts_at.astimezone(tz):%d %b}", r.going, r.here) for r in rows]
