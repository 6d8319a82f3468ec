"""FakeDiscord: just enough of Discord's REST API and gateway for discord.py 2.7.

It keeps the platform's truth (guilds, members, roles, channels, messages, reactions,
synced commands), speaks the gateway (HELLO, heartbeats, IDENTIFY/READY/GUILD_CREATE,
RESUME with replay, op 7 RECONNECT) and the REST routes the adapter uses, and checks
what Discord checks: permissions (403/50013), one acknowledgement per interaction
(40060), the 3-second deadline (10062), the token's 15 minutes (401/50027, also cut short in
the middle of an answer), nonce length and `enforce_nonce`; a request can be made to take
effect and lose its answer (a 500 after the fact, as Discord's edge gives). Every route
it does not know is recorded in `unhandled` so tests can fail on it. The native surfaces
live beside it: scheduled events (`scheduled.py`), threads (`threads.py`), roles (`roles.py`);
what they all share (permission bits, intents, JSON errors) in `wire.py`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from aiohttp import WSMsgType, web

from . import autocomplete, files
from .content import DISALLOWED_INTENTS, as_received, disallowed
from .history import History
from .people import People
from .roles import Roles
from .scheduled import ScheduledEvents
from .threads import Threads
from .wire import (
    ADD_REACTIONS,
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    ATTACH_FILES,
    BOT_PERMISSIONS,
    EMBED_LINKS,
    EVERYONE_DEFAULT,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILD_REACTIONS,
    INTENT_GUILDS,
    JSON,
    MANAGE_MESSAGES,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    THREAD_TYPES,
    VIEW_CHANNEL,
)
from .wire import error as _error
from .wire import json_response as _json
from .wire import now_iso as _now_iso

EPHEMERAL = 1 << 6
LOADING = 1 << 7
NONCE_WINDOW_S = 300.0  # how long Discord holds a nonce: "the past few minutes"
DISCORD_EPOCH_MS = 1_420_070_400_000


_MD_ESCAPED = re.compile(r"\\([^0-9A-Za-z\s])")


def unescape_markdown(s: str) -> str:
    """What a Discord client shows for escaped markdown (a backslash before punctuation)."""
    return _MD_ESCAPED.sub(r"\1", s)


def message_text(msg: JSON) -> str:
    """The text a reader sees: content, then each embed's title, description, fields, footer,
    with markdown escapes resolved and zero-width spaces dropped."""
    parts = [msg.get("content") or ""]
    for e in msg.get("embeds") or []:
        parts.append(e.get("title", ""))
        parts.append(e.get("description", ""))
        for f in e.get("fields", []):
            parts.append(f.get("name", ""))
            parts.append(f.get("value", ""))
        parts.append((e.get("footer") or {}).get("text", ""))
    return unescape_markdown("\n".join(p for p in parts if p)).replace("\u200b", "")


@dataclass
class Edit:
    channel_id: int
    message_id: int
    at: float  # loop time
    payload: JSON


@dataclass
class Session:
    id: str
    intents: int
    shard: tuple[int, int] = (0, 1)  # [shard_id, num_shards] from IDENTIFY
    seq: int = 0
    buffer: list[JSON] = field(default_factory=list)
    queue: asyncio.Queue[JSON] | None = None
    ws: web.WebSocketResponse | None = None


@dataclass
class Interaction:
    id: int
    token: str
    kind: int
    channel_id: int
    guild_id: int | None
    user_id: int
    created: float
    payload: JSON
    acked: int | None = None
    original_id: int | None = None
    message_ids: list[int] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    errors: list[JSON] = field(default_factory=list)
    # An autocomplete interaction (type 4): the focused option's type, and the choices answered.
    focused_type: int | None = None
    choices: list[JSON] | None = None
    # The token's 15 minutes run out early: after `uses_left` more webhook requests.
    uses_left: int | None = None


@dataclass
class InteractionResult:
    """What the bot answered to one interaction."""

    fake: FakeDiscord
    interaction: Interaction

    @property
    def response_type(self) -> int | None:
        return self.interaction.acked

    @property
    def deferred(self) -> bool:
        return self.interaction.acked in (5, 6)

    @property
    def messages(self) -> list[JSON]:
        """The interaction's own messages (original and followups) and whatever the bot
        posted in the channel meanwhile, in order."""
        ids = set(self.interaction.message_ids)
        return [m for m in self.fake.all_messages()
                if (int(m["id"]) in ids and not m.get("_deleted"))
                or (int(m["channel_id"]) == self.interaction.channel_id
                    and m.get("_created", 0) >= self.interaction.created
                    and m["author"]["id"] == self.fake.bot_user["id"]
                    and not m.get("_deleted"))]

    @property
    def ephemeral(self) -> bool:
        msgs = self.messages
        return bool(msgs) and all(m["flags"] & EPHEMERAL for m in msgs)

    @property
    def text(self) -> str:
        return "\n".join(message_text(m) for m in self.messages)

    @property
    def public(self) -> list[JSON]:
        return [m for m in self.messages if not m["flags"] & EPHEMERAL]


class FakeDiscord:
    def __init__(self, *, token: str = "fake-token", interaction_deadline: float = 3.0,
                 token_lifetime: float = 900.0, max_nonce: int = 25) -> None:
        self.token = token
        self.interaction_deadline = interaction_deadline
        # An interaction's token works for follow-ups and edits this long (Discord: 15 minutes).
        self.token_lifetime = token_lifetime
        # Each new interaction's token works for this many webhook requests (follow-ups, edits
        # and deletions of its messages) and then answers as an expired one: the 15 minutes
        # running out in the middle of an answer. None: only `token_lifetime` counts.
        self.token_uses: int | None = None
        self.max_nonce = max_nonce
        # A nonce sent with `enforce_nonce` is held this long (seconds); 0: the window passed.
        self.nonce_window = NONCE_WINDOW_S
        self._last_id = 0
        # Guild ids one apart in their timestamp bits, as real snowflakes made a few ms apart
        # are, so that `(guild_id >> 22) % num_shards` spreads guilds over the shards.
        self._guild_ids = itertools.count(1_200_000_000_000_000_000 >> 22)
        self.shard_count = 1  # what GET /gateway/bot recommends
        # The application's flags: as a new one's, no privileged intent enabled (content.py).
        self.app_flags = 0
        self.application_id = self.snowflake()
        self.bot_user: JSON = self._user_payload(self.application_id, "logoff", bot=True)
        self.users: dict[int, JSON] = {self.application_id: self.bot_user}
        self.guilds: dict[int, JSON] = {}
        self.channels: dict[int, JSON] = {}
        self.members: dict[tuple[int, int], JSON] = {}
        self.messages: dict[int, JSON] = {}
        self.files: dict[int, bytes] = {}  # attachment id -> the uploaded bytes (files.py)
        self.reactions: dict[int, dict[str, list[int]]] = {}  # message -> emoji -> users
        # When set: the bot's own reaction is made (people see the pill) but its answer waits for
        # the gate, as Discord's rate limit makes a card's seeding take its time.
        self.own_reaction_gate: asyncio.Event | None = None
        self.edits: list[Edit] = []
        self.requests: list[tuple[str, str, Any]] = []
        self.unhandled: list[str] = []
        self.commands: dict[int | None, list[JSON]] = {}  # guild id (None: global) -> commands
        self.command_syncs: list[tuple[int | None, list[JSON]]] = []
        self.identifies: list[JSON] = []
        self.resumes: list[JSON] = []
        self.sessions: dict[str, Session] = {}
        self.interactions: dict[int, Interaction] = {}
        self.dms_closed: set[int] = set()  # a DM to them: 403 50007, as Discord refuses one
        self.dms_failing: set[int] = set()  # a DM to them: 500, Discord's own trouble (retried by the client)
        self.unavailable: set[int] = set()
        self.gateway_down = False
        self.intercepts: list[tuple[str, re.Pattern[str], int, float]] = []
        self.lost_answers: list[tuple[str, re.Pattern[str], int]] = []
        self._nonces: dict[tuple[int, str], tuple[int, float]] = {}
        self._runner: web.AppRunner | None = None
        self._last_request = 0.0
        self.port = 0
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Awaitable[web.Response]]]] = []
        # Native surfaces (the Events tab, threads, roles), each in a module of its own.
        self.scheduled = ScheduledEvents(self)
        self.threads = Threads(self)
        self.roles = Roles(self)
        self.people = People(self)  # their edits, and Discord's own updates of their messages
        self.history = History(self)  # GET a channel's messages
        self._setup_routes()

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("GET", "/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        app.router.add_route("GET", "/attachments/{channel}/{aid}/{filename}", partial(files.download, self))
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for s in self.sessions.values():
            if s.ws is not None and not s.ws.closed:
                await s.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def snowflake(self) -> int:
        """A new id, as Discord makes them: the time (ms since 2015) in the top bits, so ids
        grow with time and `after=` an id made from a time lists what came since."""
        self._last_id = max(self._last_id + 1, (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22)
        return self._last_id

    # --- world building -------------------------------------------------------------------------

    def add_guild(self, name: str = "Guild", *, owner: str = "owner") -> int:
        gid = next(self._guild_ids) << 22
        owner_id = self.snowflake()
        self.users[owner_id] = self._user_payload(owner_id, owner)
        self.guilds[gid] = {
            "id": str(gid), "name": name, "owner_id": str(owner_id), "icon": None,
            "roles": [self._role_payload(gid, "@everyone", EVERYONE_DEFAULT, position=0)],
            "channels": [], "joined_at": _now_iso(),
        }
        self.members[(gid, owner_id)] = self._member_payload(owner_id, [])
        bot_role = self.add_role(gid, "logoff", BOT_PERMISSIONS, managed=True)
        self.members[(gid, self.application_id)] = self._member_payload(self.application_id, [bot_role])
        if self._connected():
            # A join's GUILD_CREATE has no `unavailable` key; with it, it would read as an outage ending.
            payload = self.guild_payload(gid)
            del payload["unavailable"]
            self.dispatch("GUILD_CREATE", payload, INTENT_GUILDS)
        return gid

    def remove_guild(self, guild_id: int) -> None:
        self.guilds.pop(guild_id)
        self.dispatch("GUILD_DELETE", {"id": str(guild_id), "unavailable": False}, INTENT_GUILDS)

    def outage(self, guild_id: int) -> None:
        """The server becomes unavailable (a Discord-side outage); events stop flowing."""
        self.dispatch("GUILD_DELETE", {"id": str(guild_id), "unavailable": True}, INTENT_GUILDS)
        self.unavailable.add(guild_id)

    def outage_over(self, guild_id: int) -> None:
        self.unavailable.discard(guild_id)
        self.dispatch("GUILD_CREATE", self.guild_payload(guild_id), INTENT_GUILDS)

    def owner_of(self, guild_id: int) -> int:
        return int(self.guilds[guild_id]["owner_id"])

    def add_role(self, guild_id: int, name: str, permissions: int, *, managed: bool = False) -> int:
        roles = self.guilds[guild_id]["roles"]
        role = self._role_payload(self.snowflake(), name, permissions, position=len(roles), managed=managed)
        roles.append(role)
        return int(role["id"])

    def add_channel(self, guild_id: int, name: str = "general", *,
                    overwrites: Iterable[JSON] = (), kind: int = 0) -> int:
        """A channel of Discord type `kind` (0 text, 2 voice with its text chat, 5 news)."""
        cid = self.snowflake()
        ch = {"id": str(cid), "type": kind, "guild_id": str(guild_id), "name": name,
              "position": len(self.guilds[guild_id]["channels"]), "parent_id": None, "nsfw": False,
              "topic": None, "last_message_id": None, "rate_limit_per_user": 0,
              "permission_overwrites": list(overwrites)}
        if kind == 2:
            ch.update({"bitrate": 64000, "user_limit": 0, "rtc_region": None, "video_quality_mode": 1})
        self.guilds[guild_id]["channels"].append(ch)
        self.channels[cid] = ch
        return cid

    def set_overwrite(self, channel_id: int, target_id: int, *, allow: int = 0, deny: int = 0,
                      member: bool = False) -> None:
        ow = self.channels[channel_id]["permission_overwrites"]
        ow[:] = [o for o in ow if int(o["id"]) != target_id]
        ow.append({"id": str(target_id), "type": 1 if member else 0, "allow": str(allow), "deny": str(deny)})

    def add_member(self, guild_id: int, name: str, *, roles: Iterable[int] = (), bot: bool = False) -> int:
        uid = self.snowflake()
        self.users[uid] = self._user_payload(uid, name, bot=bot)
        self.members[(guild_id, uid)] = self._member_payload(uid, list(roles))
        return uid

    @property
    def bot_id(self) -> int:
        return self.application_id

    # --- payloads --------------------------------------------------------------------------------

    @staticmethod
    def _user_payload(uid: int, name: str, *, bot: bool = False) -> JSON:
        return {"id": str(uid), "username": name, "global_name": name, "discriminator": "0",
                "avatar": None, "bot": bot, "public_flags": 0}

    @staticmethod
    def _role_payload(rid: int, name: str, permissions: int, *, position: int, managed: bool = False) -> JSON:
        return {"id": str(rid), "name": name, "color": 0, "hoist": False, "position": position,
                "permissions": str(permissions), "managed": managed, "mentionable": False, "flags": 0}

    def _member_payload(self, uid: int, roles: list[int]) -> JSON:
        return {"roles": [str(r) for r in roles], "joined_at": _now_iso(), "deaf": False, "mute": False,
                "flags": 0, "nick": None, "avatar": None, "pending": False, "premium_since": None,
                "communication_disabled_until": None}

    def member_payload(self, guild_id: int, uid: int) -> JSON:
        return {**self.members[(guild_id, uid)], "user": self.users[uid]}

    def guild_payload(self, gid: int) -> JSON:
        g = self.guilds[gid]
        members = [self.member_payload(gid, self.application_id)]
        return {**g, "unavailable": False, "large": False, "member_count": sum(1 for k in self.members if k[0] == gid),
                "members": members, "emojis": [], "stickers": [], "features": [],
                "threads": self.threads.active(gid), "presences": [], "voice_states": [], "stage_instances": [],
                "guild_scheduled_events": [self.scheduled.payload(e) for e in self.scheduled.of_guild(gid)],
                "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
                "mfa_level": 0, "nsfw_level": 0, "premium_tier": 0, "preferred_locale": "en-US",
                "system_channel_id": None, "afk_timeout": 300}

    def guild_permissions(self, guild_id: int, uid: int) -> int:
        """Server-wide permissions (no channel overwrites): what Manage Events and Manage
        Roles are checked against. Owner and administrators have everything."""
        g = self.guilds[guild_id]
        if int(g["owner_id"]) == uid:
            return ALL_PERMISSIONS
        member = self.members.get((guild_id, uid))
        if member is None:
            return 0
        roles = {r["id"]: int(r["permissions"]) for r in g["roles"]}
        perms = roles[str(guild_id)] if str(guild_id) in roles else int(g["roles"][0]["permissions"])
        for r in member["roles"]:
            perms |= roles.get(r, 0)
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def permissions(self, channel_id: int, uid: int) -> int:
        """Discord's algorithm: base from roles, then channel overwrites (@everyone, roles,
        member); owner and administrators have everything."""
        ch = self.channels.get(channel_id)
        if ch is None or ch.get("type") == 1:
            return ALL_PERMISSIONS & ~ADMINISTRATOR
        if ch.get("type") in THREAD_TYPES:  # a thread has the permissions of its channel
            return self.permissions(int(ch["parent_id"]), uid)
        gid = int(ch["guild_id"])
        g = self.guilds[gid]
        member = self.members.get((gid, uid))
        perms = self.guild_permissions(gid, uid)
        if member is None or perms == ALL_PERMISSIONS:
            return perms
        ows = {o["id"]: o for o in ch["permission_overwrites"]}
        everyone = ows.get(g["roles"][0]["id"])
        if everyone:
            perms = (perms & ~int(everyone["deny"])) | int(everyone["allow"])
        allow = deny = 0
        for r in member["roles"]:
            o = ows.get(r)
            if o and o["type"] == 0:
                allow |= int(o["allow"])
                deny |= int(o["deny"])
        perms = (perms & ~deny) | allow
        mo = ows.get(str(uid))
        if mo and mo["type"] == 1:
            perms = (perms & ~int(mo["deny"])) | int(mo["allow"])
        return perms

    def _everyone_role_id(self, gid: int) -> str:
        return str(self.guilds[gid]["roles"][0]["id"])

    # --- gateway ---------------------------------------------------------------------------------

    def _connected(self) -> bool:
        return any(s.ws is not None for s in self.sessions.values())

    @staticmethod
    def shard_of(guild_id: int, num_shards: int) -> int:
        """Discord's routing: a guild's events go to shard (guild_id >> 22) % num_shards."""
        return (guild_id >> 22) % num_shards

    def sessions_for(self, guild_id: int | None) -> list[Session]:
        """The sessions a guild's events go to; events of no guild (DMs) go to shard 0."""
        return [s for s in self.sessions.values()
                if (s.shard[0] == 0 if guild_id is None else self.shard_of(guild_id, s.shard[1]) == s.shard[0])]

    def dispatch(self, event: str, data: JSON, intent: int | None = None) -> None:
        """Send a dispatch to the session of the event's guild (buffered for resume while it is
        disconnected)."""
        raw = data.get("guild_id") or (data.get("id") if event.startswith("GUILD_") else None)
        for s in self.sessions_for(int(raw) if raw else None):
            if intent is not None and not s.intents & intent:
                continue
            self._emit(s, {"op": 0, "t": event, "d": data})

    def _emit(self, s: Session, frame: JSON) -> None:
        s.seq += 1
        frame = {**frame, "s": s.seq}
        s.buffer.append(frame)
        if s.queue is not None:
            s.queue.put_nowait(frame)

    def request_reconnect(self) -> None:
        """op 7: the client should reconnect and RESUME."""
        for s in self.sessions.values():
            if s.queue is not None:
                s.queue.put_nowait({"op": 7, "d": None})

    async def drop_connections(self, code: int = 4000) -> None:
        """Close every gateway socket abruptly (4000: unknown error, resumable)."""
        for s in self.sessions.values():
            if s.ws is not None and not s.ws.closed:
                await s.ws.close(code=code)

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        if self.gateway_down:  # an outage: the socket cannot be opened at all
            return web.Response(status=503, text="upstream connect error")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        queue: asyncio.Queue[JSON] = asyncio.Queue()
        session: Session | None = None
        writer = asyncio.create_task(self._writer(ws, queue))
        queue.put_nowait({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                op, d = frame.get("op"), frame.get("d")
                if op == 1:
                    queue.put_nowait({"op": 11, "d": None, "s": None, "t": None})
                elif op == 2:
                    if d.get("token") != self.token:
                        await ws.close(code=4004, message=b"Authentication failed.")
                        break
                    if disallowed(int(d.get("intents", 0)), self.app_flags):
                        await ws.close(code=DISALLOWED_INTENTS, message=b"Disallowed intent(s).")
                        break
                    shard = d.get("shard") or [0, 1]
                    if (not isinstance(shard, list) or len(shard) != 2 or not 0 <= shard[0] < shard[1]):
                        await ws.close(code=4010, message=b"Invalid shard.")
                        break
                    if shard[1] > max(self.shard_count, 1) * 16:
                        await ws.close(code=4011, message=b"Sharding required.")
                        break
                    self.identifies.append(d)
                    session = Session(id=f"sess{self.snowflake()}", intents=int(d.get("intents", 0)),
                                      shard=(int(shard[0]), int(shard[1])))
                    session.queue, session.ws = queue, ws
                    # A new session replaces the old one of the same shard (and any of another
                    # shard count: the bot was restarted with a new layout).
                    self.sessions = {k: v for k, v in self.sessions.items()
                                     if v.shard[0] != session.shard[0] and v.shard[1] == session.shard[1]}
                    self.sessions[session.id] = session
                    mine = [g for g in self.guilds if self.shard_of(g, session.shard[1]) == session.shard[0]]
                    self._emit(session, {"op": 0, "t": "READY", "d": {
                        "v": 10, "user": self.bot_user, "session_id": session.id,
                        "resume_gateway_url": self.gateway_url, "private_channels": [],
                        "guilds": [{"id": str(g), "unavailable": True} for g in mine],
                        "application": {"id": str(self.application_id), "flags": self.app_flags},
                        "shard": list(session.shard),
                        "session_type": "normal", "relationships": []}})
                    for gid in mine:
                        self._emit(session, {"op": 0, "t": "GUILD_CREATE", "d": self.guild_payload(gid)})
                elif op == 6:
                    self.resumes.append(d)
                    old = self.sessions.get(d.get("session_id"))
                    if old is None or d.get("token") != self.token:
                        queue.put_nowait({"op": 9, "d": False, "s": None, "t": None})
                        continue
                    session = old
                    seq = int(d.get("seq") or 0)
                    for f in session.buffer:
                        if f["s"] > seq:
                            queue.put_nowait(f)
                    session.queue, session.ws = queue, ws
                    self._emit(session, {"op": 0, "t": "RESUMED", "d": {}})
                elif op in (3, 4):
                    continue  # presence / voice state: nothing to do
                else:
                    self.unhandled.append(f"gateway op {op}")
        finally:
            writer.cancel()
            if session is not None and session.ws is ws:
                session.ws, session.queue = None, None
        return ws

    async def _writer(self, ws: web.WebSocketResponse, queue: asyncio.Queue[JSON]) -> None:
        while True:
            frame = await queue.get()
            if ws.closed:
                return
            try:
                await ws.send_str(json.dumps(frame))
            except ConnectionError:
                return

    # --- REST dispatch ---------------------------------------------------------------------------

    def _setup_routes(self) -> None:
        r = self._route
        r("GET", r"/users/@me", self._get_me)
        r("GET", r"/oauth2/applications/@me", self._get_app)
        r("GET", r"/gateway", self._get_gateway)
        r("GET", r"/gateway/bot", self._get_gateway)
        r("GET", r"/applications/(?P<app>\d+)/commands", self._get_commands)
        r("PUT", r"/applications/(?P<app>\d+)/commands", self._put_commands)
        r("GET", r"/applications/(?P<app>\d+)/guilds/(?P<guild>\d+)/commands", self._get_commands)
        r("PUT", r"/applications/(?P<app>\d+)/guilds/(?P<guild>\d+)/commands", self._put_commands)
        r("POST", r"/channels/(?P<channel>\d+)/messages", self._post_message)
        r("GET", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)", self._get_message)
        r("PATCH", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)", self._patch_message)
        r("DELETE", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)", self._delete_message)
        r("PUT", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)/reactions/(?P<emoji>[^/]+)/@me",
          self._put_reaction)
        r("DELETE", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)/reactions/(?P<emoji>[^/]+)/@me",
          self._delete_own_reaction)
        r("GET", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)/reactions/(?P<emoji>[^/]+)",
          self._get_reaction_users)
        r("DELETE", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)/reactions(?:/(?P<emoji>[^/]+))?",
          self._delete_reactions)
        r("POST", r"/users/@me/channels", self._create_dm)
        r("POST", r"/interactions/(?P<iid>\d+)/(?P<token>[^/]+)/callback", self._interaction_callback)
        r("POST", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)", self._followup)
        r("GET", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\d+)", self._get_webhook_message)
        r("PATCH", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\d+)",
          self._patch_webhook_message)
        r("DELETE", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\d+)",
          self._delete_webhook_message)
        for surface in (self.scheduled, self.threads, self.roles, self.history):
            surface.routes(r)

    def _route(self, method: str, pattern: str, handler: Callable[..., Awaitable[web.Response]]) -> None:
        self._routes.append((method, re.compile(pattern + "$"), handler))

    def inject_429(self, method: str, path_pattern: str, times: int = 1, retry_after: float = 0.05) -> None:
        """The next `times` requests matching answer 429 (with a Via header, as Discord's edge does)."""
        self.intercepts.append((method, re.compile(path_pattern), times, retry_after))

    def lose_answers(self, method: str, path_pattern: str, times: int = 1) -> None:
        """The next `times` requests matching take effect (a message is created, an interaction
        acknowledged) but their answer is lost: a 500 as Discord's edge gives when the request
        timed out inside Discord after the fact. A client that retries does it a second time."""
        self.lost_answers.append((method, re.compile(path_pattern), times))

    async def _unknown(self, request: web.Request) -> web.Response:
        self.unhandled.append(f"{request.method} {request.path}")
        return _error(404, 0, "404: Not Found")

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        self._last_request = asyncio.get_running_loop().time()
        body = await self._read_body(request)
        self.requests.append((request.method, path, body))
        for i, (method, pattern, times, retry_after) in enumerate(self.intercepts):
            if method == request.method and pattern.search(path) and times > 0:
                self.intercepts[i] = (method, pattern, times - 1, retry_after)
                return _json({"message": "You are being rate limited.", "retry_after": retry_after,
                              "global": False}, 429, {"Via": "1.1 google", "X-RateLimit-Scope": "user"})
        auth = request.headers.get("Authorization", "")
        webhook = path.startswith(("/webhooks/", "/interactions/"))
        if not webhook and auth != f"Bot {self.token}":
            return _error(401, 0, "401: Unauthorized")
        for method, pattern, handler in self._routes:
            m = pattern.match(path)
            if m and method == request.method:
                response = await handler(request, body, **m.groupdict())
                return self._lose_answer(request.method, path, response)
        self.unhandled.append(f"{request.method} {path}")
        return _error(404, 0, "404: Not Found")

    def _lose_answer(self, method: str, path: str, response: web.Response) -> web.Response:
        if response.status >= 300:
            return response
        for i, (m, pattern, times) in enumerate(self.lost_answers):
            if m == method and pattern.search(path) and times > 0:
                self.lost_answers[i] = (m, pattern, times - 1)
                return _error(500, 0, "500: Internal Server Error")
        return response

    @staticmethod
    async def _read_body(request: web.Request) -> Any:
        if not request.can_read_body:
            return None
        ctype = request.headers.get("Content-Type", "")
        if ctype.startswith("multipart/"):
            form = await request.post()
            payload = json.loads(str(form.get("payload_json") or "{}"))
            files = []
            for key, value in form.items():
                if key.startswith("files[") and isinstance(value, web.FileField):
                    files.append({"filename": value.filename, "data": value.file.read(),
                                  "content_type": value.content_type})
            payload["_files"] = files
            return payload
        raw = await request.read()
        return json.loads(raw) if raw else None

    # --- REST handlers -------------------------------------------------------------------------

    async def _get_me(self, request: web.Request, body: Any) -> web.Response:
        return _json(self.bot_user)

    async def _get_app(self, request: web.Request, body: Any) -> web.Response:
        return _json({"id": str(self.application_id), "name": "logoff", "description": "", "icon": None,
                      "bot_public": True, "bot_require_code_grant": False, "verify_key": "0" * 64,
                      "owner": self._user_payload(self.snowflake(), "dev"), "flags": self.app_flags})

    async def _get_gateway(self, request: web.Request, body: Any) -> web.Response:
        return _json({"url": self.gateway_url, "shards": self.shard_count,
                      "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0,
                                              "max_concurrency": 1}})

    async def _get_commands(self, request: web.Request, body: Any, app: str, guild: str | None = None) -> web.Response:
        return _json(self.commands.get(int(guild) if guild else None, []))

    async def _put_commands(self, request: web.Request, body: Any, app: str, guild: str | None = None) -> web.Response:
        if int(app) != self.application_id:
            return _error(403, 20012, "You are not authorized to perform this action on this application")
        problems = self._check_commands(body)
        if problems:
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        key = int(guild) if guild else None
        stored = []
        for cmd in body:
            # Where a command is offered: `contexts` (0 guild, 1 the bot's DM, 2 private
            # channels; null: everywhere), or the older `dm_permission` Discord derives from it.
            contexts = cmd.get("contexts")
            if contexts is None and cmd.get("dm_permission") is False:
                contexts = [0]
            stored.append({"id": str(self.snowflake()), "application_id": app, "version": str(self.snowflake()),
                           "type": 1, "guild_id": guild, "default_member_permissions": None,
                           "nsfw": False, "integration_types": [0], **cmd, "contexts": contexts,
                           "dm_permission": contexts is None or 1 in contexts})
        self.commands[key] = stored
        self.command_syncs.append((key, body))
        return _json(stored)

    @staticmethod
    def _check_commands(cmds: list[JSON]) -> list[str]:
        """The structural rules Discord enforces on command registration."""
        problems: list[str] = []
        name_ok = re.compile(r"^[-_\w]{1,32}$")

        def check_options(where: str, options: list[JSON]) -> None:
            if len(options) > 25:
                problems.append(f"{where}: more than 25 options")
            seen_optional = False
            for o in options:
                w = f"{where} {o.get('name')}"
                if not name_ok.match(o.get("name", "")) or o["name"] != o["name"].lower():
                    problems.append(f"{w}: bad name")
                if not 1 <= len(o.get("description", "")) <= 100:
                    problems.append(f"{w}: description must be 1-100 characters")
                if o["type"] in (1, 2):
                    check_options(w, o.get("options", []))
                    continue
                if o.get("required"):
                    if seen_optional:
                        problems.append(f"{w}: required options must come first")
                else:
                    seen_optional = True
                if len(o.get("choices", [])) > 25:
                    problems.append(f"{w}: more than 25 choices")
                problems.extend(autocomplete.check_option(w, o))

        if len(cmds) > 100:
            problems.append("more than 100 commands")
        names = [c.get("name") for c in cmds]
        if len(set(names)) != len(names):
            problems.append("duplicate command names")
        for c in cmds:
            contexts = c.get("contexts")
            if contexts is not None and (not isinstance(contexts, list) or not contexts
                                         or any(x not in (0, 1, 2) for x in contexts)):
                problems.append(f"{c.get('name')}: contexts must be a list of 0, 1 and 2")
            if not name_ok.match(c.get("name", "")) or c["name"] != c["name"].lower():
                problems.append(f"{c.get('name')}: bad name")
            if not 1 <= len(c.get("description", "")) <= 100:
                problems.append(f"{c.get('name')}: description must be 1-100 characters")
            check_options(c.get("name", "?"), c.get("options", []))
        return problems

    def _check_send(self, channel_id: int, body: JSON) -> web.Response | None:
        ch = self.channels.get(channel_id)
        if ch is None:
            return _error(404, 10003, "Unknown Channel")
        if ch["type"] == 1:
            recipient = int(ch["recipients"][0]["id"])
            if recipient in self.dms_closed:
                return _error(403, 50007, "Cannot send messages to this user")
            if recipient in self.dms_failing:
                return _error(500, 0, "500: Internal Server Error")
            return None
        thread = ch["type"] in THREAD_TYPES
        perms = self.permissions(channel_id, self.application_id)
        need = VIEW_CHANNEL | (SEND_MESSAGES_IN_THREADS if thread else SEND_MESSAGES)
        if body.get("embeds"):
            need |= EMBED_LINKS
        if body.get("_files"):
            need |= ATTACH_FILES
        if perms & need != need:
            return _error(403, 50013, "Missing Permissions")
        return self.threads.reopen(ch) if thread else None

    def _check_message_body(self, body: JSON) -> list[str]:
        problems = []
        if len(body.get("content") or "") > 2000:
            problems.append("content: Must be 2000 or fewer in length.")
        embeds = body.get("embeds") or []
        if len(embeds) > 10:
            problems.append("embeds: at most 10")
        for e in embeds:
            total = 0
            for k, limit in (("title", 256), ("description", 4096)):
                v = e.get(k) or ""
                total += len(v)
                if len(v) > limit:
                    problems.append(f"embed {k}: Must be {limit} or fewer in length.")
            fields = e.get("fields") or []
            if len(fields) > 25:
                problems.append("embed fields: at most 25")
            for f in fields:
                total += len(f.get("name", "")) + len(f.get("value", ""))
                if not f.get("name") or len(f["name"]) > 256:
                    problems.append("embed field name: 1-256")
                if not f.get("value") or len(f["value"]) > 1024:
                    problems.append("embed field value: 1-1024")
            footer = (e.get("footer") or {}).get("text", "")
            total += len(footer)
            if len(footer) > 2048:
                problems.append("embed footer: at most 2048")
            if total > 6000:
                problems.append("embed: 6000 characters in total at most")
        for row in body.get("components") or []:
            for c in row.get("components", []):
                if len(c.get("custom_id", "")) > 100:
                    problems.append("custom_id: at most 100")
        nonce = body.get("nonce")
        if nonce is not None and len(str(nonce)) > self.max_nonce:
            problems.append("nonce: Must be 25 or fewer in length.")
        return problems + files.problems(body)

    def _create_message(self, channel_id: int, author_id: int, body: JSON, *, flags: int = 0,
                        interaction: Interaction | None = None) -> JSON:
        mid = self.snowflake()
        ch = self.channels[channel_id]
        msg: JSON = {
            "id": str(mid), "type": 0 if interaction is None else 20, "channel_id": str(channel_id),
            "author": self.users[author_id], "content": body.get("content") or "",
            "embeds": body.get("embeds") or [], "components": body.get("components") or [],
            "attachments": files.new_attachments(self, channel_id, body),
            "mentions": [], "mention_roles": [], "mention_everyone": False, "pinned": False, "tts": False,
            "timestamp": _now_iso(), "edited_timestamp": None, "flags": flags,
            "nonce": body.get("nonce"),
        }
        if "guild_id" in ch:
            msg["guild_id"] = ch["guild_id"]
        if interaction is not None:
            msg["webhook_id"] = str(self.application_id)
            msg["application_id"] = str(self.application_id)
        pinged, everyone = self.pings(msg["content"], body.get("allowed_mentions"))
        msg["mentions"] = [self.users[u] for u in pinged if u in self.users]
        msg["mention_everyone"] = everyone
        msg["_created"] = time.monotonic()
        msg["_allowed_mentions"] = body.get("allowed_mentions")
        msg["_enforce_nonce"] = body.get("enforce_nonce", False)
        msg["_files"] = body.get("_files", [])
        self.messages[mid] = msg
        if not flags & EPHEMERAL:
            ch["last_message_id"] = str(mid)
            self.dispatch("MESSAGE_CREATE", self._public(msg), INTENT_GUILD_MESSAGES)
        return msg

    @staticmethod
    def pings(content: str, allowed: JSON | None) -> tuple[list[int], bool]:
        """Who Discord would notify for this content under these allowed_mentions."""
        ids = [int(x) for x in re.findall(r"<@!?(\d+)>", content)]
        has_everyone = bool(re.search(r"@(everyone|here)", content))
        if allowed is None:
            return ids, has_everyone
        parse = allowed.get("parse", [])
        users = ids if "users" in parse else [i for i in ids if str(i) in {str(u) for u in allowed.get("users", [])}]
        return users, has_everyone and "everyone" in parse

    def _public(self, msg: JSON) -> JSON:
        out = {k: v for k, v in msg.items() if not k.startswith("_")}
        out["reactions"] = [
            {"emoji": {"id": None, "name": e}, "count": len(us), "count_details": {"burst": 0, "normal": len(us)},
             "burst_colors": [], "me": self.application_id in us, "me_burst": False}
            for e, us in self.reactions.get(int(msg["id"]), {}).items() if us]
        return out

    async def _post_message(self, request: web.Request, body: JSON, channel: str) -> web.Response:
        cid = int(channel)
        refused = self._check_send(cid, body)
        if refused is not None:
            return refused
        problems = self._check_message_body(body)
        if problems:
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            seen = self._nonces.get((self.application_id, str(nonce)))
            if seen is not None and time.monotonic() - seen[1] < self.nonce_window and seen[0] in self.messages:
                return _json(self._public(self.messages[seen[0]]))
        msg = self._create_message(cid, self.application_id, body)
        if nonce is not None and body.get("enforce_nonce"):
            self._nonces[(self.application_id, str(nonce))] = (int(msg["id"]), time.monotonic())
        return _json(self._public(msg))

    def _find_message(self, channel: str, message: str) -> JSON | None:
        msg = self.messages.get(int(message))
        if msg is None or msg["channel_id"] != channel or msg.get("_deleted") or msg["flags"] & EPHEMERAL:
            return None
        return msg

    async def _get_message(self, request: web.Request, body: Any, channel: str, message: str) -> web.Response:
        if int(channel) not in self.channels:
            return _error(404, 10003, "Unknown Channel")
        if not self.permissions(int(channel), self.application_id) & READ_MESSAGE_HISTORY:
            return _error(403, 50001, "Missing Access")
        msg = self._find_message(channel, message)
        if msg is None:
            return _error(404, 10008, "Unknown Message")
        return _json(self._public(msg))

    def _apply_edit(self, msg: JSON, body: JSON) -> None:
        for key in ("content", "embeds", "components", "flags"):
            if key in body:
                msg[key] = body[key] if body[key] is not None else ("" if key == "content" else [])
        if "attachments" in body or body.get("_files"):
            msg["attachments"] = files.edited_attachments(self, msg, body)
            msg["_files"] = [*msg.get("_files", []), *body.get("_files", [])]
        if "allowed_mentions" in body:
            msg["_allowed_mentions"] = body["allowed_mentions"]
        msg["edited_timestamp"] = _now_iso()
        self.edits.append(Edit(int(msg["channel_id"]), int(msg["id"]), asyncio.get_running_loop().time(), body))
        if not msg["flags"] & EPHEMERAL:
            self.dispatch("MESSAGE_UPDATE", self._public(msg), INTENT_GUILD_MESSAGES)

    async def _patch_message(self, request: web.Request, body: JSON, channel: str, message: str) -> web.Response:
        msg = self._find_message(channel, message)
        if msg is None:
            return _error(404, 10008, "Unknown Message")
        if msg["author"]["id"] != self.bot_user["id"]:
            return _error(403, 50005, "Cannot edit a message authored by another user")
        problems = self._check_message_body({**msg, **body})
        if problems:
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        self._apply_edit(msg, body)
        return _json(self._public(msg))

    async def _delete_message(self, request: web.Request, body: Any, channel: str, message: str) -> web.Response:
        msg = self._find_message(channel, message)
        if msg is None:
            return _error(404, 10008, "Unknown Message")
        self._mark_deleted(msg)
        return web.Response(status=204)

    def _mark_deleted(self, msg: JSON) -> None:
        """The message is gone: later reads, edits and reactions get 10008 Unknown Message.
        MESSAGE_DELETE carries only ids; `guild_id` is absent in a DM (not null)."""
        msg["_deleted"] = True
        data: JSON = {"id": msg["id"], "channel_id": msg["channel_id"]}
        if msg.get("guild_id"):
            data["guild_id"] = msg["guild_id"]
        if not msg["flags"] & EPHEMERAL:
            self.dispatch("MESSAGE_DELETE", data, self._message_intent(int(msg["channel_id"])))

    def _message_intent(self, channel_id: int) -> int:
        dm = self.channels[channel_id]["type"] == 1
        return INTENT_DIRECT_MESSAGES if dm else INTENT_GUILD_MESSAGES

    async def _put_reaction(self, request: web.Request, body: Any, channel: str, message: str,
                            emoji: str) -> web.Response:
        msg = self._find_message(channel, message)
        if msg is None:
            return _error(404, 10008, "Unknown Message")
        users_by_emoji = self.reactions.setdefault(int(message), {})
        if emoji not in users_by_emoji or not users_by_emoji[emoji]:
            if not self.permissions(int(channel), self.application_id) & ADD_REACTIONS:
                return _error(403, 50013, "Missing Permissions")
            if len([e for e, us in users_by_emoji.items() if us]) >= 20:
                return _error(400, 30010, "Maximum number of reactions reached (20)")
        self._react(int(channel), int(message), emoji, self.application_id, True)
        if self.own_reaction_gate is not None:
            await self.own_reaction_gate.wait()
        return web.Response(status=204)

    async def _delete_own_reaction(self, request: web.Request, body: Any, channel: str, message: str,
                                   emoji: str) -> web.Response:
        """Delete Own Reaction: 204 whether or not it was there; 10008 for a message gone."""
        if self._find_message(channel, message) is None:
            return _error(404, 10008, "Unknown Message")
        self._react(int(channel), int(message), emoji, self.application_id, False)
        return web.Response(status=204)

    async def _get_reaction_users(self, request: web.Request, body: Any, channel: str, message: str,
                                  emoji: str) -> web.Response:
        if self._find_message(channel, message) is None:
            return _error(404, 10008, "Unknown Message")
        limit = min(int(request.query.get("limit", "25")), 100)
        after = int(request.query.get("after", "0"))
        users = sorted(u for u in self.reactions.get(int(message), {}).get(emoji, []) if u > after)
        return _json([self.users[u] for u in users[:limit]])

    async def _delete_reactions(self, request: web.Request, body: Any, channel: str, message: str,
                                emoji: str | None = None) -> web.Response:
        """Delete All Reactions (for one emoji, with `emoji`): needs Manage Messages."""
        if self._find_message(channel, message) is None:
            return _error(404, 10008, "Unknown Message")
        try:
            self.clear_reactions(int(message), by=self.application_id,
                                 emoji=emoji)
        except PermissionError:
            return _error(403, 50013, "Missing Permissions")
        return web.Response(status=204)

    def clear_reactions(self, message_id: int, *, by: int, emoji: str | None = None) -> None:
        """User `by` (with Manage Messages) removes every reaction of a message, or every one
        of `emoji`: one MESSAGE_REACTION_REMOVE_ALL / _REMOVE_EMOJI, no event per user."""
        msg = self.messages[message_id]
        cid = int(msg["channel_id"])
        if not self.permissions(cid, by) & MANAGE_MESSAGES:
            raise PermissionError("50013 Missing Permissions: Manage Messages")
        by_emoji = self.reactions.setdefault(message_id, {})
        if emoji is None:
            by_emoji.clear()
        else:
            by_emoji.pop(emoji, None)
        data: JSON = {"channel_id": str(cid), "message_id": str(message_id)}
        if msg.get("guild_id"):
            data["guild_id"] = msg["guild_id"]
        if emoji is None:
            self.dispatch("MESSAGE_REACTION_REMOVE_ALL", data, INTENT_GUILD_REACTIONS)
        else:
            self.dispatch("MESSAGE_REACTION_REMOVE_EMOJI", {**data, "emoji": {"id": None, "name": emoji}},
                          INTENT_GUILD_REACTIONS)

    async def _create_dm(self, request: web.Request, body: JSON) -> web.Response:
        uid = int(body["recipient_id"])
        for ch in self.channels.values():
            if ch["type"] == 1 and ch["recipients"][0]["id"] == str(uid):
                return _json(ch)
        cid = self.snowflake()
        ch = {"id": str(cid), "type": 1, "recipients": [self.users[uid]], "last_message_id": None}
        self.channels[cid] = ch
        return _json(ch)

    # --- reactions from users ------------------------------------------------------------------

    def _react(self, channel_id: int, message_id: int, emoji: str, user_id: int, added: bool,
               *, dispatch: bool = True) -> bool:
        users = self.reactions.setdefault(message_id, {}).setdefault(emoji, [])
        if added == (user_id in users):
            return False  # Discord ignores a duplicate add or a remove of nothing
        (users.append if added else users.remove)(user_id)
        ch = self.channels[channel_id]
        if not dispatch or ("guild_id" in ch and int(ch["guild_id"]) in self.unavailable):
            return True
        gid = int(ch["guild_id"]) if "guild_id" in ch else None
        self.dispatch_reaction(channel_id=channel_id, message_id=message_id, user_id=user_id,
                               emoji=emoji, guild_id=gid, added=added)
        return True

    def reaction_event(self, *, channel_id: int, message_id: int, user_id: int,
                       emoji: str | JSON, guild_id: int | None, added: bool = True,
                       member: JSON | bool | None = True) -> JSON:
        """A MESSAGE_REACTION_ADD/REMOVE payload as Discord shapes it. `emoji` is a unicode
        name or an emoji object ({"id", "name", "animated"}). `member` (ADD in a guild only):
        True for the user's member object in that guild if they have one, False or None for
        none, or the object to send."""
        data: JSON = {"user_id": str(user_id), "channel_id": str(channel_id),
                      "message_id": str(message_id), "type": 0, "burst": False,
                      "emoji": {"id": None, "name": emoji} if isinstance(emoji, str) else emoji}
        if guild_id is not None:
            data["guild_id"] = str(guild_id)
        if added:
            msg = self.messages.get(message_id)
            if msg is not None:
                data["message_author_id"] = msg["author"]["id"]
            data["burst_colors"] = []
            if member is True and guild_id is not None and (guild_id, user_id) in self.members:
                data["member"] = self.member_payload(guild_id, user_id)
            elif isinstance(member, dict) and guild_id is not None:
                data["member"] = member
        return data

    def dispatch_reaction(self, *, channel_id: int, message_id: int, user_id: int,
                          emoji: str | JSON, guild_id: int | None, added: bool = True,
                          member: JSON | bool | None = True) -> None:
        """Deliver a reaction event with the ids given, whether or not they agree with the
        truth (a forged event, or one racing a deletion); the truth is not changed."""
        data = self.reaction_event(channel_id=channel_id, message_id=message_id, user_id=user_id,
                                   emoji=emoji, guild_id=guild_id, added=added, member=member)
        self.dispatch("MESSAGE_REACTION_ADD" if added else "MESSAGE_REACTION_REMOVE", data,
                      INTENT_GUILD_REACTIONS)

    def delete_message(self, message_id: int, *, by: int) -> None:
        """User `by` deletes a message in the client: their own, or anyone's with Manage
        Messages (a moderator removing a card). Raises PermissionError as Discord answers 403."""
        msg = self.messages[message_id]
        if msg.get("_deleted"):
            raise LookupError(f"message {message_id} is already deleted (10008 Unknown Message)")
        cid = int(msg["channel_id"])
        if int(msg["author"]["id"]) != by and not self.permissions(cid, by) & MANAGE_MESSAGES:
            raise PermissionError("50013 Missing Permissions: Manage Messages")
        self._mark_deleted(msg)

    def bulk_delete(self, channel_id: int, message_ids: Iterable[int], *, by: int) -> None:
        """A moderator purges 2-100 messages of a guild channel at once: one MESSAGE_DELETE_BULK."""
        ids = list(message_ids)
        ch = self.channels[channel_id]
        if not 2 <= len(ids) <= 100:
            raise ValueError("50035 Invalid Form Body: messages must hold 2 to 100 ids")
        if "guild_id" not in ch or not self.permissions(channel_id, by) & MANAGE_MESSAGES:
            raise PermissionError("50013 Missing Permissions: Manage Messages")
        for mid in ids:
            msg = self.messages[mid]
            if int(msg["channel_id"]) != channel_id:
                raise ValueError(f"message {mid} is not in channel {channel_id}")
            msg["_deleted"] = True
        data = {"ids": [str(m) for m in ids], "channel_id": str(channel_id), "guild_id": ch["guild_id"]}
        self.dispatch("MESSAGE_DELETE_BULK", data, INTENT_GUILD_MESSAGES)

    def add_reaction(self, message_id: int, emoji: str, user_id: int, *, dispatch: bool = True) -> bool:
        """A user reacts. `dispatch=False` changes only the truth (as if no bot were connected)."""
        msg = self.messages[message_id]
        return self._react(int(msg["channel_id"]), message_id, emoji, user_id, True, dispatch=dispatch)

    def remove_reaction(self, message_id: int, emoji: str, user_id: int, *, dispatch: bool = True) -> bool:
        msg = self.messages[message_id]
        return self._react(int(msg["channel_id"]), message_id, emoji, user_id, False, dispatch=dispatch)

    def user_message(self, channel_id: int, user_id: int, content: str = "",
                     reply_to: int | None = None) -> JSON:
        """A user posts in a channel (or a DM with the bot). What of its content the bot gets
        depends on its intents (content.py)."""
        body: JSON = {"content": content}
        msg = self._create_message_as(channel_id, user_id, body, reply_to)
        return msg

    def _create_message_as(self, channel_id: int, user_id: int, body: JSON, reply_to: int | None) -> JSON:
        mid = self.snowflake()
        ch = self.channels[channel_id]
        gid = ch.get("guild_id")  # none in a DM
        msg: JSON = {"id": str(mid), "type": 19 if reply_to else 0, "channel_id": str(channel_id),
                     "author": self.users[user_id], "content": body["content"], "embeds": [], "components": [],
                     "attachments": [], "mentions": self.mentioned(body["content"]), "mention_roles": [],
                     "mention_everyone": False, "pinned": False, "tts": False, "timestamp": _now_iso(),
                     "edited_timestamp": None, "flags": 0, "_created": time.monotonic()}
        if gid is not None:
            msg["guild_id"] = gid
        self.messages[mid] = msg
        event = self._public(msg)
        if gid is not None:
            event["member"] = {k: v for k, v in self.members[(int(gid), user_id)].items()}
        if reply_to is not None:
            ref = self.messages[reply_to]
            event["message_reference"] = {"message_id": str(reply_to), "channel_id": str(channel_id),
                                          "type": 0, **({"guild_id": gid} if gid is not None else {})}
            event["referenced_message"] = self._public(ref)
            msg["message_reference"] = event["message_reference"]
        intent = self._message_intent(channel_id)
        for s in self.sessions_for(int(gid) if gid is not None else None):
            if s.intents & intent:
                e = as_received(event, s.intents, self.bot_user["id"])
                self._emit(s, {"op": 0, "t": "MESSAGE_CREATE", "d": e})
        return msg

    def mentioned(self, text: str) -> list[JSON]:
        """The users a person's message mentions (`<@id>`): Discord's `mentions` of it."""
        return [self.users[u] for u in dict.fromkeys(self.pings(text, None)[0]) if u in self.users]

    # --- interactions ----------------------------------------------------------------------------

    def _find_command(self, name: str, guild_id: int | None) -> JSON:
        for key in (guild_id, None):
            for cmd in self.commands.get(key, []):
                if cmd["name"] == name:
                    return cmd
        raise LookupError(f"no synced command /{name}")

    def _interaction_base(self, kind: int, channel_id: int, user_id: int) -> tuple[Interaction, JSON]:
        ch = self.channels[channel_id]
        gid = int(ch["guild_id"]) if "guild_id" in ch else None
        iid = self.snowflake()
        token = f"tok{iid}x" + "a" * 20
        payload: JSON = {
            "id": str(iid), "type": kind, "token": token, "version": 1,
            "application_id": str(self.application_id), "attachment_size_limit": 8 * 1024 * 1024,
            "channel_id": str(channel_id), "channel": {k: v for k, v in ch.items() if k != "recipients"},
            "locale": "en-US", "entitlements": [], "authorizing_integration_owners": {"0": str(gid or 0)},
            "context": 0 if gid else 1,
            "app_permissions": str(self.permissions(channel_id, self.application_id)),
        }
        if gid is not None:
            payload["guild_id"] = str(gid)
            payload["guild_locale"] = "en-US"
            payload["guild"] = {"id": str(gid), "locale": "en-US", "features": []}
            payload["member"] = {**self.member_payload(gid, user_id),
                                 "permissions": str(self.permissions(channel_id, user_id))}
        else:
            payload["user"] = self.users[user_id]
        inter = Interaction(iid, token, kind, channel_id, gid, user_id, time.monotonic(), payload,
                            uses_left=self.token_uses)
        self.interactions[iid] = inter
        return inter, payload

    @staticmethod
    def invocation(cmd: JSON, command: str) -> tuple[JSON, JSON, list[JSON]]:
        """The `data` of an interaction naming `command` ("poll create"), the part of it its
        options go in, and those options' schema: subcommands nest as the client nests them."""
        schema = cmd.get("options", [])
        data: JSON = {"id": cmd["id"], "name": cmd["name"], "type": 1}
        target: JSON = data
        for word in command.split()[1:]:
            sub = next((o for o in schema if o["name"] == word and o["type"] in (1, 2)), None)
            if sub is None:
                raise LookupError(f"/{command}: no subcommand {word}")
            entry: JSON = {"name": word, "type": sub["type"], "options": []}
            target.setdefault("options", []).append(entry)
            target, schema = entry, sub.get("options", [])
        return data, target, schema

    def command_payload(self, command: str, options: JSON, *, guild_id: int | None) -> JSON:
        """`command` is e.g. "poll create"; option values are typed per the synced schema, as
        the Discord client would send them."""
        words = command.split()
        cmd = self._find_command(words[0], guild_id)
        if guild_id is None and cmd.get("contexts") is not None and 1 not in cmd["contexts"]:
            raise LookupError(f"/{words[0]} is guild-only (contexts {cmd['contexts']}): "
                              "the client does not offer it in a DM")
        data, target, schema = self.invocation(cmd, command)
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        given = []
        for name, value in options.items():
            spec = next((o for o in schema if o["name"] == name), None)
            if spec is None:
                raise LookupError(f"/{command}: no option {name}")
            if spec.get("choices") and value not in [c["value"] for c in spec["choices"]]:
                raise ValueError(f"/{command}: {value!r} is not a choice of {name}")
            given.append({"name": name, "type": spec["type"], "value": value})
        missing = [o["name"] for o in schema if o.get("required") and o["name"] not in options]
        if missing:
            raise ValueError(f"/{command}: the client would not send without {missing}")
        target.setdefault("options", []).extend(given)
        return data

    async def send_interaction(self, command: str, options: JSON | None = None, *, user: int, channel: int,
                               wait_s: float = 5.0, settle: float = 0.05) -> InteractionResult:
        """A user runs a slash command; returns once the bot has answered (or raises)."""
        gid = int(self.channels[channel]["guild_id"]) if "guild_id" in self.channels[channel] else None
        data = self.command_payload(command, options or {}, guild_id=gid)
        inter, payload = self._interaction_base(2, channel, user)
        payload["data"] = data
        return await self._run_interaction(inter, payload, wait_s, settle)

    async def send_raw_interaction(self, data: Any, *, user: int, channel: int, wait_s: float = 5.0,
                                   settle: float = 0.05) -> InteractionResult:
        """An application-command INTERACTION_CREATE (type 2) whose `data` is whatever is given:
        a valid envelope around a stale, forged or broken command. Returns once answered."""
        inter, payload = self._interaction_base(2, channel, user)
        payload["data"] = data
        return await self._run_interaction(inter, payload, wait_s, settle)

    async def send_autocomplete(self, command: str, options: JSON | None = None, *, focused: str,
                                typed: str, user: int, channel: int, wait_s: float = 5.0) -> list[JSON]:
        """A user types `typed` into option `focused` (the other `options` filled in already);
        returns the choices the bot answered with, once it has (or raises)."""
        gid = int(self.channels[channel]["guild_id"]) if "guild_id" in self.channels[channel] else None
        data, kind = autocomplete.payload(self, command, options or {}, focused, typed, guild_id=gid)
        inter, payload = self._interaction_base(autocomplete.AUTOCOMPLETE, channel, user)
        inter.focused_type = kind
        payload["data"] = data
        await self._run_interaction(inter, payload, wait_s, 0.0)
        if inter.choices is None:
            raise AssertionError(f"autocomplete of /{command} {focused} was not answered with choices "
                                 f"(acked={inter.acked}, errors={inter.errors})")
        return inter.choices

    async def press_button(self, message_id: int, custom_id: str, *, user: int,
                           wait_s: float = 5.0, settle: float = 0.05) -> InteractionResult:
        msg = self.messages[message_id]
        ids = [c.get("custom_id") for row in msg["components"] for c in row.get("components", [])]
        if custom_id not in ids:
            raise LookupError(f"message {message_id} has no button {custom_id} (has {ids})")
        inter, payload = self._interaction_base(3, int(msg["channel_id"]), user)
        payload["data"] = {"custom_id": custom_id, "component_type": 2}
        payload["message"] = self._public(msg)
        return await self._run_interaction(inter, payload, wait_s, settle)

    async def _run_interaction(self, inter: Interaction, payload: JSON, wait_s: float,
                               settle: float) -> InteractionResult:
        self.dispatch("INTERACTION_CREATE", payload)
        try:
            await asyncio.wait_for(inter.done.wait(), wait_s)
        except TimeoutError:
            raise AssertionError(f"the bot did not answer interaction {payload.get('data')} "
                                 f"within {wait_s}s (acked={inter.acked}, errors={inter.errors})") from None
        await self.quiet(settle)
        return InteractionResult(self, inter)

    async def quiet(self, period: float = 0.05, wait_s: float = 5.0) -> None:
        """Wait until the bot has made no request for `period` seconds (it finished what an
        event set off: seeding reactions, follow-ups, card edits)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + wait_s
        while loop.time() < end:
            idle = loop.time() - self._last_request
            if idle >= period:
                return
            await asyncio.sleep(period - idle)

    def _interaction_by_token(self, token: str) -> Interaction | None:
        return next((i for i in self.interactions.values() if i.token == token), None)

    def _expired_token(self, token: str) -> web.Response | None:
        inter = self._interaction_by_token(token)
        return None if inter is None else self._token_expired(inter)

    def _token_expired(self, inter: Interaction) -> web.Response | None:
        """Past its lifetime a token is refused on every webhook route, as Discord does."""
        used_up = inter.uses_left is not None and inter.uses_left <= 0
        if inter.uses_left is not None:
            inter.uses_left -= 1
        if not used_up and time.monotonic() - inter.created <= self.token_lifetime:
            return None
        inter.errors.append({"code": 50027})
        inter.done.set()  # nothing more can be said through it
        return _error(401, 50027, "Invalid Webhook Token")

    async def _interaction_callback(self, request: web.Request, body: JSON, iid: str, token: str) -> web.Response:
        inter = self.interactions.get(int(iid))
        if inter is None or inter.token != token:
            return _error(404, 10062, "Unknown interaction")
        if time.monotonic() - inter.created > self.interaction_deadline:
            inter.errors.append({"code": 10062, "late_by": time.monotonic() - inter.created})
            inter.done.set()  # the client shows "The application did not respond"
            return _error(404, 10062, "Unknown interaction")
        if inter.acked is not None:
            inter.errors.append({"code": 40060})
            return _error(400, 40060, "Interaction has already been acknowledged.")
        kind = body["type"]
        data = body.get("data") or {}
        flags = int(data.get("flags") or 0)
        if (kind == autocomplete.RESULT) != (inter.kind == autocomplete.AUTOCOMPLETE):
            inter.errors.append({"code": 50035, "callback": kind})
            return _error(400, 50035, f"Invalid Form Body: type: callback {kind} does not answer "
                                      f"an interaction of type {inter.kind}")
        if kind == autocomplete.RESULT:
            problems = autocomplete.check_result(body, inter.focused_type)
            if problems:
                inter.errors.append({"code": 50035, "problems": problems})
                inter.done.set()  # the client shows that loading the options failed
                return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        inter.acked = kind
        resource: JSON | None = None
        if kind == 4:
            problems = self._check_message_body({**data, "_files": body.get("_files", [])})
            if problems:
                inter.acked = None
                return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
            msg = self._create_message(inter.channel_id, self.application_id, {**data, "_files": body.get("_files", [])}, flags=flags, interaction=inter)
            inter.original_id = int(msg["id"])
            inter.message_ids.append(inter.original_id)
            resource = {"type": 4, "message": self._public(msg)}
            inter.done.set()
        elif kind == 5:
            msg = self._create_message(inter.channel_id, self.application_id, {"content": ""},
                                       flags=flags | LOADING, interaction=inter)
            inter.original_id = int(msg["id"])
            inter.message_ids.append(inter.original_id)
            resource = {"type": 5, "message": self._public(msg)}
        elif kind == 6:
            inter.done.set()
        elif kind == autocomplete.RESULT:
            inter.choices = list(data["choices"])
            inter.done.set()
        elif kind == 7:
            msg = self.messages[int(inter.payload["message"]["id"])]
            self._apply_edit(msg, data)
            resource = {"type": 7, "message": self._public(msg)}
            inter.done.set()
        else:
            self.unhandled.append(f"interaction callback type {kind}")
            return _error(400, 50035, "unsupported callback type")
        original = self.messages.get(inter.original_id or 0)
        out: JSON = {"interaction": {"id": iid, "type": inter.kind,
                                     "response_message_id": str(inter.original_id) if inter.original_id else None,
                                     "response_message_loading": kind == 5,
                                     "response_message_ephemeral": bool(original and original["flags"] & EPHEMERAL)}}
        if resource is not None:
            out["resource"] = resource
        return _json(out)

    async def _followup(self, request: web.Request, body: JSON, app: str, token: str) -> web.Response:
        inter = self._interaction_by_token(token)
        if inter is None or int(app) != self.application_id:
            return _error(404, 10015, "Unknown Webhook")
        if inter.acked is None:
            return _error(404, 10015, "Unknown Webhook")
        expired = self._token_expired(inter)
        if expired is not None:
            return expired
        problems = self._check_message_body(body)
        if problems:
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        original = self.messages.get(inter.original_id or 0)
        if original is not None and original["flags"] & LOADING and not original.get("_deleted"):
            # The first followup after a deferral replaces the "thinking" message (its flags stay).
            body = {**body, "flags": original["flags"] & ~LOADING}
            self._apply_edit(original, body)
            inter.done.set()
            return _json(self._public(original))
        msg = self._create_message(inter.channel_id, self.application_id, body,
                                   flags=int(body.get("flags") or 0), interaction=inter)
        inter.message_ids.append(int(msg["id"]))
        inter.done.set()
        return _json(self._public(msg))

    def _webhook_message(self, token: str, mid: str) -> tuple[Interaction | None, JSON | None]:
        inter = self._interaction_by_token(token)
        if inter is None:
            return None, None
        target = inter.original_id if mid == "@original" else int(mid)
        if target not in inter.message_ids:
            return inter, None
        msg = self.messages.get(target or 0)
        return inter, (None if msg is None or msg.get("_deleted") else msg)

    async def _get_webhook_message(self, request: web.Request, body: Any, app: str, token: str,
                                   mid: str) -> web.Response:
        expired = self._expired_token(token)
        if expired is not None:
            return expired
        _, msg = self._webhook_message(token, mid)
        if msg is None:
            return _error(404, 10008, "Unknown Message")
        return _json(self._public(msg))

    async def _patch_webhook_message(self, request: web.Request, body: JSON, app: str, token: str,
                                     mid: str) -> web.Response:
        expired = self._expired_token(token)
        if expired is not None:
            return expired
        inter, msg = self._webhook_message(token, mid)
        if inter is None or msg is None:
            return _error(404, 10008, "Unknown Message")
        problems = self._check_message_body(body)
        if problems:
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        self._apply_edit(msg, {**body, "flags": msg["flags"] & ~LOADING})
        inter.done.set()
        return _json(self._public(msg))

    async def _delete_webhook_message(self, request: web.Request, body: Any, app: str, token: str,
                                      mid: str) -> web.Response:
        expired = self._expired_token(token)
        if expired is not None:
            return expired
        inter, msg = self._webhook_message(token, mid)
        if inter is None or msg is None:
            return _error(404, 10008, "Unknown Message")
        msg["_deleted"] = True
        inter.done.set()
        return web.Response(status=204)

    # --- inspecting ---------------------------------------------------------------------------------

    def all_messages(self) -> list[JSON]:
        return sorted(self.messages.values(), key=lambda m: int(m["id"]))

    def channel_messages(self, channel_id: int, *, by_bot: bool = True) -> list[JSON]:
        """Visible (non-ephemeral, not deleted) messages of a channel, oldest first."""
        return [m for m in self.all_messages()
                if int(m["channel_id"]) == channel_id and not m["flags"] & EPHEMERAL and not m.get("_deleted")
                and (not by_bot or m["author"]["id"] == self.bot_user["id"])]

    def edits_of(self, message_id: int) -> list[Edit]:
        return [e for e in self.edits if e.message_id == message_id]

    def reaction_users(self, message_id: int, emoji: str) -> list[int]:
        return list(self.reactions.get(message_id, {}).get(emoji, []))

    async def wait_for(self, predicate: Callable[[], bool], wait_s: float = 5.0, what: str = "condition") -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + wait_s
        while not predicate():
            if loop.time() > end:
                raise AssertionError(f"timed out after {wait_s}s waiting for {what}")
            await asyncio.sleep(0.01)
