"""Guild scheduled events in the fake: the Events tab of a server.

Routes, payloads and refusals as Discord has them: EXTERNAL events only (what a bot lists
for a meetup), 50035 for a bad length or a start in the past, 30038 beyond 100 SCHEDULED or
ACTIVE events, 403/50013 without Create Events or Manage Events, 10070 for an unknown event,
180000 for changing a finished one. Gateway: GUILD_SCHEDULED_EVENT_CREATE/UPDATE/DELETE and
USER_ADD/REMOVE under the GUILD_SCHEDULED_EVENTS intent. Status follows the wall clock, as
Discord starts and completes EXTERNAL events by itself; a test whose bot runs on a manual clock
sets `clock` to it, so Discord's time moves with the bot's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .wire import (
    CREATE_EVENTS,
    INTENT_GUILD_SCHEDULED_EVENTS,
    JSON,
    MANAGE_EVENTS,
    bad_length,
    error,
    invalid_form,
    json_response,
    lost,
    missing_permissions,
    outage,
)

if TYPE_CHECKING:
    from .server import FakeDiscord

Route = Callable[[str, str, Callable[..., Awaitable[web.Response]]], None]

SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4
EXTERNAL = 3
GUILD_ONLY = 2
MAX_LIVE = 100
EDITABLE = ("name", "description", "scheduled_start_time", "scheduled_end_time", "entity_metadata",
            "privacy_level", "status", "entity_type", "channel_id")


def _time(value: Any) -> datetime | None:
    try:
        t = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


class ScheduledEvents:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.events: dict[int, JSON] = {}  # id -> stored payload (without user_count)
        self.interested: dict[int, list[int]] = {}  # id -> user ids, in the order they came
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.refusals: list[web.Response] = []  # how the next edits are answered, whatever they ask
        self.outages: dict[str, int] = {}  # method -> how many of the next such requests meet an outage
        self.lost: dict[str, int] = {}  # method -> how many of the next such requests take effect, answer lost

    def routes(self, r: Route) -> None:
        base = r"/guilds/(?P<guild>\d+)/scheduled-events"
        r("GET", base, self._list)
        r("POST", base, outage(self.outages, "POST", lost(self.lost, "POST", self._create)))
        r("GET", base + r"/(?P<event>\d+)", self._get)
        r("PATCH", base + r"/(?P<event>\d+)", outage(self.outages, "PATCH", self._patch))
        r("DELETE", base + r"/(?P<event>\d+)", outage(self.outages, "DELETE", self._delete))
        r("GET", base + r"/(?P<event>\d+)/users", self._users)

    # --- the truth -----------------------------------------------------------------------------

    def status(self, ev: JSON) -> int:
        if ev["status"] in (COMPLETED, CANCELED):
            return int(ev["status"])
        now = self.clock()
        end, start = _time(ev["scheduled_end_time"]), _time(ev["scheduled_start_time"])
        if end is not None and now >= end:
            ev["status"] = COMPLETED
        elif start is not None and now >= start:
            ev["status"] = ACTIVE
        return int(ev["status"])

    def of_guild(self, guild_id: int) -> list[JSON]:
        """The events Discord lists for the server (SCHEDULED or ACTIVE), oldest first."""
        return [ev for eid, ev in sorted(self.events.items())
                if int(ev["guild_id"]) == guild_id and self.status(ev) in (SCHEDULED, ACTIVE)]

    def payload(self, ev: JSON, with_count: bool = False) -> JSON:
        self.status(ev)
        out = dict(ev)
        if with_count:
            out["user_count"] = len(self.interested.get(int(ev["id"]), []))
        return out

    def _dispatch(self, event: str, data: JSON) -> None:
        self.fake.dispatch(event, data, INTENT_GUILD_SCHEDULED_EVENTS)

    def _find(self, guild: str, event: str) -> JSON | None:
        ev = self.events.get(int(event))
        return ev if ev is not None and ev["guild_id"] == guild else None

    def _may_manage(self, guild_id: int, ev: JSON | None, uid: int) -> bool:
        """Create Events covers one's own events; Manage Events everyone's."""
        perms = self.fake.guild_permissions(guild_id, uid)
        if perms & MANAGE_EVENTS:
            return True
        return bool(perms & CREATE_EVENTS) and (ev is None or int(ev["creator_id"]) == uid)

    def _validate(self, body: JSON, ev: JSON | None) -> web.Response | None:
        """Discord's checks of an EXTERNAL event; on PATCH only the fields sent."""
        merged = {**(ev or {}), **body}
        if "name" in body or ev is None:
            if not 1 <= len(str(body.get("name") or "")) <= 100:
                return bad_length("name", 1, 100)
        if len(str(body.get("description") or "")) > 1000:
            return bad_length("description", 0, 1000)
        if merged.get("entity_type") != EXTERNAL:
            self.fake.unhandled.append(f"scheduled event of entity_type {merged.get('entity_type')}")
            return invalid_form("entity_type", "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3}.")
        if merged.get("privacy_level") != GUILD_ONLY:
            return invalid_form("privacy_level", "BASE_TYPE_CHOICES", "Value must be one of {2}.")
        if merged.get("channel_id") is not None:
            return invalid_form("channel_id", "GUILD_SCHEDULED_EVENT_CHANNEL_NOT_ALLOWED",
                                "External events cannot have a channel.")
        location = str((merged.get("entity_metadata") or {}).get("location") or "")
        if not 1 <= len(location) <= 100:
            return bad_length("entity_metadata.location", 1, 100)
        start, end = _time(merged.get("scheduled_start_time")), _time(merged.get("scheduled_end_time"))
        if start is None:
            return invalid_form("scheduled_start_time", "DATE_TIME_TYPE_PARSE", "Could not parse.")
        if end is None:
            return invalid_form("scheduled_end_time", "GUILD_SCHEDULED_EVENT_END_TIME_REQUIRED",
                                "External events require an end time.")
        if "scheduled_start_time" in body and start <= self.clock():
            return invalid_form("scheduled_start_time", "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
                                "Cannot schedule event in the past.")
        if end <= start:
            return invalid_form("scheduled_end_time", "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
                                "Cannot schedule event to end before starting.")
        return None

    def _new(self, guild_id: int, creator: int, body: JSON) -> JSON:
        eid = self.fake.snowflake()
        ev: JSON = {
            "id": str(eid), "guild_id": str(guild_id), "channel_id": None, "creator_id": str(creator),
            "name": body["name"], "description": body.get("description"),
            "scheduled_start_time": _time(body["scheduled_start_time"]).isoformat(),  # type: ignore[union-attr]
            "scheduled_end_time": _time(body["scheduled_end_time"]).isoformat(),  # type: ignore[union-attr]
            "privacy_level": GUILD_ONLY, "status": SCHEDULED, "entity_type": EXTERNAL, "entity_id": None,
            "entity_metadata": {"location": body["entity_metadata"]["location"]},
            "creator": self.fake.users[creator], "image": None, "recurrence_rule": None,
        }
        self.events[eid] = ev
        self.interested[eid] = []
        self._dispatch("GUILD_SCHEDULED_EVENT_CREATE", self.payload(ev))
        return ev

    # --- REST ------------------------------------------------------------------------------------

    async def _list(self, request: web.Request, body: Any, guild: str) -> web.Response:
        if int(guild) not in self.fake.guilds:
            return error(404, 10004, "Unknown Guild")
        with_count = request.query.get("with_user_count") in ("1", "true", "True")
        return json_response([self.payload(ev, with_count) for ev in self.of_guild(int(guild))])

    async def _create(self, request: web.Request, body: JSON, guild: str) -> web.Response:
        gid = int(guild)
        if gid not in self.fake.guilds:
            return error(404, 10004, "Unknown Guild")
        if not self._may_manage(gid, None, self.fake.bot_id):
            return missing_permissions()
        problem = self._validate(body, None)
        if problem is not None:
            return problem
        if len(self.of_guild(gid)) >= MAX_LIVE:
            return error(400, 30038, "Maximum number of uncompleted guild scheduled events reached (100)")
        return json_response(self.payload(self._new(gid, self.fake.bot_id, body)))

    async def _get(self, request: web.Request, body: Any, guild: str, event: str) -> web.Response:
        ev = self._find(guild, event)
        if ev is None:
            return error(404, 10070, "Unknown Guild Scheduled Event")
        with_count = request.query.get("with_user_count") in ("1", "true", "True")
        return json_response(self.payload(ev, with_count))

    async def _patch(self, request: web.Request, body: JSON, guild: str, event: str) -> web.Response:
        ev = self._find(guild, event)
        if ev is None:
            return error(404, 10070, "Unknown Guild Scheduled Event")
        if self.refusals:
            return self.refusals.pop(0)
        if not self._may_manage(int(guild), ev, self.fake.bot_id):
            return missing_permissions()
        unknown = set(body) - set(EDITABLE)
        if unknown:
            self.fake.unhandled.append(f"PATCH scheduled event fields {sorted(unknown)}")
        current = self.status(ev)
        if current in (COMPLETED, CANCELED):
            return error(400, 180000, "Cannot update a finished event")
        wanted = body.get("status", current)
        allowed = {SCHEDULED: (SCHEDULED, ACTIVE, CANCELED), ACTIVE: (ACTIVE, COMPLETED)}[current]
        if wanted not in allowed:
            return invalid_form("status", "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
                                "Invalid status transition.")
        if current == ACTIVE and "scheduled_start_time" in body:
            return invalid_form("scheduled_start_time", "GUILD_SCHEDULED_EVENT_ACTIVE",
                                "Cannot change the start time of an active event.")
        problem = self._validate(body, ev)
        if problem is not None:
            return problem
        for key in EDITABLE:
            if key in body:
                ev[key] = body[key]
        self._dispatch("GUILD_SCHEDULED_EVENT_UPDATE", self.payload(ev))
        return json_response(self.payload(ev))

    async def _delete(self, request: web.Request, body: Any, guild: str, event: str) -> web.Response:
        ev = self._find(guild, event)
        if ev is None:
            return error(404, 10070, "Unknown Guild Scheduled Event")
        if not self._may_manage(int(guild), ev, self.fake.bot_id):
            return missing_permissions()
        self._remove(ev)
        return web.Response(status=204)

    def _remove(self, ev: JSON) -> None:
        eid = int(ev["id"])
        self.events.pop(eid)
        self.interested.pop(eid, None)
        self._dispatch("GUILD_SCHEDULED_EVENT_DELETE", self.payload(ev))

    async def _users(self, request: web.Request, body: Any, guild: str, event: str) -> web.Response:
        ev = self._find(guild, event)
        if ev is None:
            return error(404, 10070, "Unknown Guild Scheduled Event")
        limit = int(request.query.get("limit", "100"))
        if not 1 <= limit <= 100:
            return invalid_form("limit", "NUMBER_TYPE_MAX", "Must be between 1 and 100.")
        users = sorted(self.interested[int(event)])
        if "before" in request.query:
            users = [u for u in users if u < int(request.query["before"])][-limit:]
        else:
            users = [u for u in users if u > int(request.query.get("after", "0"))][:limit]
        with_member = request.query.get("with_member") in ("1", "true", "True")
        out = []
        for uid in users:
            entry: JSON = {"guild_scheduled_event_id": event, "user": self.fake.users[uid]}
            if with_member and (int(guild), uid) in self.fake.members:
                entry["member"] = self.fake.member_payload(int(guild), uid)
            out.append(entry)
        return json_response(out)

    # --- what people do in the client --------------------------------------------------------------

    def add(self, guild_id: int, name: str, *, by: int, start: datetime | None = None,
            hours: float = 2.0, location: str = "Somewhere", description: str = "") -> int:
        """Someone lists an event in the client (not through the bot)."""
        start = start or self.clock() + timedelta(days=1)
        body = {"name": name, "description": description, "scheduled_start_time": start.isoformat(),
                "scheduled_end_time": (start + timedelta(hours=hours)).isoformat(),
                "entity_metadata": {"location": location}}
        return int(self._new(guild_id, by, body)["id"])

    def refuse_next_edit(self, answer: web.Response) -> None:
        """Discord answers the next edit of an event with `answer` (one of wire.py's errors)
        and changes nothing."""
        self.refusals.append(answer)

    def mark_interested(self, event_id: int, user_id: int, interested: bool = True) -> bool:
        """A member clicks "Interested" (or takes it back). Discord ignores a repeat."""
        ev = self.events[event_id]
        users = self.interested[event_id]
        if interested == (user_id in users):
            return False
        (users.append if interested else users.remove)(user_id)
        self._dispatch("GUILD_SCHEDULED_EVENT_USER_ADD" if interested else "GUILD_SCHEDULED_EVENT_USER_REMOVE",
                       {"guild_scheduled_event_id": str(event_id), "user_id": str(user_id),
                        "guild_id": ev["guild_id"]})
        return True

    def delete_by_hand(self, event_id: int, *, by: int) -> None:
        """A moderator deletes the event in the client. PermissionError as Discord's 403."""
        ev = self.events[event_id]
        if not self._may_manage(int(ev["guild_id"]), ev, by):
            raise PermissionError("50013 Missing Permissions: Manage Events")
        self._remove(ev)

    def cancel_by_hand(self, event_id: int, *, by: int) -> None:
        """A moderator cancels a SCHEDULED event in the client: it stays, CANCELED."""
        ev = self.events[event_id]
        if not self._may_manage(int(ev["guild_id"]), ev, by):
            raise PermissionError("50013 Missing Permissions: Manage Events")
        ev["status"] = CANCELED
        self._dispatch("GUILD_SCHEDULED_EVENT_UPDATE", self.payload(ev))
