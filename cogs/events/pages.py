"""The events' web part: `calendar` / `calendar reset`, the space's feed and upcoming-events page
at `/cal/<token>`, and each event's page at `/e/<id>-<mac>` (links.py says why those are
unguessable). A part of the events cog (a mixin), so its commands are the cog's own."""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.commands import Option, command
from bot.context import Context, Refusal
from bot.model import SpaceRef
from bot.render import Link, line, text

from . import links, repo
from . import series_repo as srepo
from .editing import Editing
from .feed import feed_name, one_event, space_calendar, space_title, version
from .page_html import CSP, event_page, space_page
from .repo import Event
from .upcoming import Next, coming

ICS = "text/calendar; charset=utf-8"
FEED_CACHE = 256  # spaces whose last feed is kept
PAGE_SHOWN = 100


class WebPages(Editing):
    _web_key: bytes | None
    _feeds: OrderedDict[str, tuple[tuple[object, ...], bytes]]  # space -> (version, feed)

    def add_routes(self) -> None:
        self._web_key = None
        self._feeds = OrderedDict()
        host = self.bot.web
        host.add_get("/cal/{token}.ics", self._calendar_ics)
        host.add_get("/cal/{token}", self._calendar_page)
        host.add_get("/e/{token}.ics", self._event_ics)
        host.add_get("/e/{token}", self._event_page)

    def page_url(self, event_id: int, key: bytes) -> str | None:
        return self.bot.web.url(f"/e/{links.event_token(key, event_id)}")

    async def web_key(self) -> bytes:
        if self._web_key is None:
            self._web_key = await self.db.write(links.secret)
        return self._web_key

    # --- commands ---------------------------------------------------------------------------------

    # One command with an optional word, not a group: where commands are grouped (slash
    # commands), a group cannot be run bare, and the bare `calendar` is the one everyone needs.
    @command("calendar", "this space's calendar feed to subscribe to (reset: a new secret "
             "address, for moderators)",
             Option("action", "reset: a new address; the old one stops working", kind="choice",
                    choices=("reset",), required=False))
    async def calendar(self, ctx: Context, action: str | None = None) -> None:
        if action == "reset" and not ctx.is_moderator:
            raise Refusal(f"only moderators can use {ctx.prefix}calendar reset; ask one of them")
        await self._say_calendar(ctx, new=action == "reset")

    async def _say_calendar(self, ctx: Context, *, new: bool) -> None:
        if not self.bot.web.enabled:
            raise Refusal("the web part is off here, so there is no calendar feed; an admin can add "
                          "a [web] section to the config (or run logoff try --web 127.0.0.1:8080)")
        token = await self.db.write(lambda c: links.calendar_token(c, ctx.space.key, new=new))
        feed, page = self.bot.web.url(f"/cal/{token}.ics"), self.bot.web.url(f"/cal/{token}")
        said = "🔄 New calendar address; the old one no longer works." if new else "📆 This space's calendar."
        await ctx.reply(text(line(said), line("Subscribe: ", Link(feed) if feed else ""),
                             line("Upcoming: ", Link(page) if page else ""),
                             line("Anyone with the address can read it; a moderator can say "
                                  f"{ctx.prefix}calendar reset for a new one.")))

    # --- pages ------------------------------------------------------------------------------------

    async def _space_of(self, request: web.Request) -> str:
        token = request.match_info["token"]
        space = await self.db.read_small(lambda c: links.space_of_calendar(c, token))
        if space is None:
            raise web.HTTPNotFound()
        return space

    async def _event_of(self, request: web.Request) -> Event:
        key = await self.web_key()
        event_id = links.event_from_token(key, request.match_info["token"])
        event = await self.db.read_small(lambda c: repo.get(c, event_id)) if event_id else None
        if event is None:
            raise web.HTTPNotFound()
        return event

    def _feed_name(self, space: SpaceRef) -> str:
        caps = self.bot.capabilities(space.platform)
        return feed_name(self.bot.space_name(space), caps.label if caps and caps.label else space.platform)

    async def _calendar_ics(self, request: web.Request) -> web.Response:
        space = await self._space_of(request)
        tz = await self.bot.timezone(SpaceRef.from_key(space))
        now = self.bot.clock.now()
        scope = await self.audience.scope(SpaceRef.from_key(space))
        name = self._feed_name(SpaceRef.from_key(space))
        # Calendar apps poll the feed; it is built again only when something in it changed.
        key = (*await self.db.read(lambda c: version(c, scope)), tz.key, now.date(), name)
        cache = self._feeds
        hit = cache.get(space)
        if hit is not None and hit[0] == key:
            cache.move_to_end(space)
            body = hit[1]
        else:
            body = await self.db.read(lambda c: space_calendar(c, scope, tz, now, name))
            cache[space] = (key, body)
            if len(cache) > FEED_CACHE:
                cache.popitem(last=False)
        return web.Response(body=body, headers={"Content-Type": ICS})

    async def _calendar_page(self, request: web.Request) -> web.Response:
        space = await self._space_of(request)
        tz = await self.bot.timezone(SpaceRef.from_key(space))
        key = await self.web_key()
        now = self.bot.clock.now()
        scope = await self.audience.scope(SpaceRef.from_key(space))
        entries, _ = await self.db.read(lambda c: coming(c, scope, now, PAGE_SHOWN))
        items = [e if isinstance(e, Next) else (*e, self.page_url(e[0].id, key) or "") for e in entries]
        html = space_page("Upcoming meetups", items, tz, f"{request.match_info['token']}.ics",
                          space_title(self.bot.space_name(SpaceRef.from_key(space))))
        return _html(html)

    async def _event_ics(self, request: web.Request) -> web.Response:
        event = await self._event_of(request)
        tz = await self.bot.timezone(SpaceRef.from_key(event.space))
        return web.Response(body=one_event(event, tz, self.bot.clock.now()),
                            headers={"Content-Type": ICS,
                                     "Content-Disposition": f"attachment; filename=event-{event.id}.ics"})

    async def _event_page(self, request: web.Request) -> web.Response:
        event = await self._event_of(request)
        space = SpaceRef.from_key(event.space)
        tz: ZoneInfo = await self.bot.timezone(space)
        names = bool(await self.settings.get(space, "web.names"))

        def read(conn: sqlite3.Connection) -> tuple[repo.Roster, str | None]:
            return repo.roster(conn, event), srepo.repeats_of(conn, event, tz)

        roster, repeats = await self.db.read(read)
        token = request.match_info["token"]
        labels = await self.audience.labels(event, everyone=True) if names else {}
        return _html(event_page(event, roster, tz, self.bot.clock.now(), names=names, ics_href=f"{token}.ics",
                                page=self.bot.web.url(f"/e/{token}") or "", repeats=repeats, labels=labels))


def _html(body: str) -> web.Response:
    return web.Response(text=body, content_type="text/html", charset="utf-8",
                        headers={"Content-Security-Policy": CSP})
