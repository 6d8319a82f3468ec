"""The Matrix adapter on matrix-nio.

Inbound: one sync loop, events handled in timeline order. `!` messages become
`bot.run_text_command`, `m.reaction` annotations and their redactions become
`ReactionChanged`, other `m.text` from humans becomes `MessageSeen`. Outbound: `m.notice`
with HTML, live cards as `m.replace` edits, seeded reactions, idempotency keys as txn ids.

Nothing is lost across restarts: the sync token is stored after its events are handled, a
`limited` timeline is back-filled from /messages down to the previous token, and at start
the reactions of live cards are re-read from /relations.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import nio
from nio import AsyncClient, AsyncClientConfig, ErrorResponse, MessageDirection

from bot.adapter import Capabilities
from bot.config import MatrixConfig
from bot.model import ChannelRef, MessageRef, MessageSeen, ReactionChanged, UserRef
from bot.render import Attachment, Card, Out

from . import inbound, render
from .store import MatrixStore, StoredReaction

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger(__name__)
# nio logs every event that fails its schema as a multi-line WARNING with the schema and the
# whole event: anyone in a room could fill the log with them. The adapter reads raw events
# through its own checks (inbound.py), so those reports say nothing an operator can act on.
logging.getLogger("nio.events.misc").setLevel(logging.ERROR)

R = TypeVar("R")

PLATFORM = "matrix"
MODERATOR_LEVEL = 50
# Room versions in which the creators are not in the power-level map but outrank everyone.
_LEGACY_ROOM_VERSIONS = {str(v) for v in range(1, 12)}
_SEEN_MEMORY = 20_000
_BACKFILL_PAGES = 50
_SYNC_FILTER: dict[str, Any] = {
    "presence": {"types": []},
    "account_data": {"types": []},
    "room": {
        "timeline": {"limit": 100},
        "state": {"lazy_load_members": True},
        "ephemeral": {"types": []},
        "account_data": {"types": []},
    },
}


class MatrixError(RuntimeError):
    """A request the homeserver refused; the message names the request and the error."""


class MatrixAdapter:
    platform = PLATFORM
    capabilities = Capabilities(buttons=False, reactions=True, ephemeral=False, dm=False,
                                edits_per_window=5, edit_window_s=5.0, max_reactions=20)

    def __init__(self, config: MatrixConfig, *, sync_timeout_ms: int = 30_000,
                 max_retries: int = 3, max_retry_wait_s: float = 10.0,
                 request_timeout_s: float = 60.0) -> None:
        self.config = config
        self.sync_timeout_ms = sync_timeout_ms
        self.max_retries = max_retries
        self.max_retry_wait_s = max_retry_wait_s
        # nio would sleep through M_LIMIT_EXCEEDED forever (and for however long the server
        # asks); it gives the error back instead and `_call` retries with a bound.
        self.client = AsyncClient(
            config.homeserver, config.user_id, device_id=config.device_id,
            config=AsyncClientConfig(max_limit_exceeded=0, max_timeouts=3,
                                     request_timeout=request_timeout_s))
        self.user_id = config.user_id
        self.bot: Bot | None = None
        self.store: MatrixStore | None = None
        self._since: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._running = asyncio.Event()
        self._running.set()
        self._handling = asyncio.Lock()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._senders: OrderedDict[str, str] = OrderedDict()  # event id -> sender, for replies
        self._power: dict[str, Mapping[str, Any]] = {}  # room -> m.room.power_levels content
        self._creators: dict[str, inbound.RoomCreate] = {}
        # Observability for operators and tests.
        self.limited_syncs = 0
        self.backfilled_events = 0
        self.rate_limited = 0
        self.synced = asyncio.Condition()
        self.sync_count = 0

    # --- Adapter protocol ----------------------------------------------------------------------

    def attach(self, bot: Bot) -> None:
        self.bot = bot

    async def start(self) -> None:
        bot = self._bot()
        self.store = MatrixStore(bot.db)
        await self.store.migrate()
        await self._login()
        self._since = await self.store.sync_token(self.user_id)
        self._stopping = False
        # The first sync is handled before start() returns: state (power levels, creators)
        # is complete and what happened while the bot was down is applied before reconcile.
        await self._sync_once(timeout_ms=0, first=True)
        await self._reconcile_all()
        self._task = asyncio.create_task(self._sync_loop(), name="logoff-matrix-sync")
        log.info("matrix: connected as %s (device %s)", self.user_id, self.client.device_id)

    async def stop(self) -> None:
        self._stopping = True
        self._running.set()
        if self._task is not None:
            # Let the batch being handled finish: its token is not stored yet, and cutting a
            # command or reaction in half would leave it claimed but not applied.
            try:
                async with asyncio.timeout(10):
                    await self._handling.acquire()
                self._handling.release()
            except TimeoutError:
                log.warning("matrix: stopping in the middle of handling a sync")
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        await self.client.close()

    async def send(self, channel: ChannelRef, out: Out, *,
                   idempotency_key: str | None = None) -> MessageRef:
        room_id = channel.id
        tz = await self._tz(room_id)
        if isinstance(out, Attachment):
            content = render.file_message(out, await self._upload(out))
        else:
            content = render.notice(out, tz)
        # Synapse answers a repeated txn_id with the first event id, so a reminder re-sent
        # after a crash lands once.
        event_id = await self._send_event(room_id, "m.room.message", content, idempotency_key)
        ref = MessageRef(PLATFORM, room_id, event_id, room_id)
        self._remember_sender(event_id, self.user_id)
        if isinstance(out, Card) and out.reactions:
            await self._seed(ref, out.reactions, idempotency_key)
        return ref

    async def edit(self, message: MessageRef, out: Out) -> None:
        if isinstance(out, Attachment):
            raise MatrixError("a file message cannot be edited into place")
        content = render.replacement(message.id, out, await self._tz(message.channel_id))
        await self._send_event(message.channel_id, "m.room.message", content, None)

    async def send_dm(self, user: UserRef, out: Out) -> MessageRef | None:
        return None  # capabilities.dm is False: the cogs mention in the room instead

    async def fetch_reactions(self, message: MessageRef) -> Mapping[str, Sequence[UserRef]] | None:
        present = await self._relations(message.channel_id, message.id)
        if present is None:
            return None
        out: dict[str, list[UserRef]] = {}
        for r in present:
            out.setdefault(r.key, []).append(self._user(message.channel_id, r.sender))
        return out

    # --- for operators and tests ---------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """Hold the sync loop: the sync in flight finishes, the next waits until exit."""
        self._running.clear()
        try:
            yield
        finally:
            self._running.set()

    async def wait_synced(self, n: int = 1) -> None:
        """Wait until `n` more syncs have been handled (wrap in asyncio.timeout)."""
        async with self.synced:
            target = self.sync_count + n
            await self.synced.wait_for(lambda: self.sync_count >= target)

    # --- login ----------------------------------------------------------------------------------

    async def _login(self) -> None:
        assert self.store is not None
        token = self.config.access_token()
        if token:
            await self._use_token(token)
            return
        stored = await self.store.session(self.user_id)
        if stored is not None:
            device_id, token = stored
            self.client.device_id = device_id
            if await self._use_token(token, fatal=False):
                return
            log.warning("matrix: the stored session of %s is no longer valid; logging in again",
                        self.user_id)
            await self.store.forget_session(self.user_id)
        password = self.config.password()
        if not password:
            raise MatrixError(f"no access token or password for {self.user_id}: set the environment "
                              "variable named by access_token_env or password_env")
        self.client.device_id = self.config.device_id
        resp = await self._call(lambda: self.client.login(password, device_name="logoff"))
        if not isinstance(resp, nio.LoginResponse):
            raise MatrixError(f"login as {self.user_id} failed: {_why(resp)}")
        self.user_id = resp.user_id
        await self.store.save_session(resp.user_id, resp.device_id, resp.access_token)

    async def _use_token(self, token: str, *, fatal: bool = True) -> bool:
        self.client.access_token = token
        resp = await self._call(self.client.whoami)
        if isinstance(resp, nio.WhoamiResponse):
            if resp.user_id != self.config.user_id:
                log.warning("matrix: the access token belongs to %s, not %s as configured",
                            resp.user_id, self.config.user_id)
            self.user_id = self.client.user_id = resp.user_id
            self.client.user = resp.user_id
            if resp.device_id:
                self.client.device_id = resp.device_id
            return True
        self.client.access_token = ""
        if fatal:
            raise MatrixError(f"the access token for {self.config.user_id} was refused: {_why(resp)}")
        return False

    # --- sync -----------------------------------------------------------------------------------

    async def _sync_loop(self) -> None:
        failures = 0
        while not self._stopping:
            await self._running.wait()
            if self._stopping:
                return
            try:
                await self._sync_once(timeout_ms=self.sync_timeout_ms)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as e:
                failures += 1
                wait = min(30.0, 0.5 * 2 ** min(failures, 6))
                # Connection trouble is expected now and then; keep going, quietly at first.
                level = logging.WARNING if failures < 5 else logging.ERROR
                log.log(level, "matrix: sync failed (%s); retrying in %.1fs", e, wait)
                await asyncio.sleep(wait)

    async def _sync_once(self, *, timeout_ms: int, first: bool = False) -> None:
        assert self.store is not None
        since = self._since
        resp = await self._call(lambda: self.client.sync(
            timeout=timeout_ms, sync_filter=_SYNC_FILTER, since=since, full_state=first or None))
        if not isinstance(resp, nio.SyncResponse):
            raise MatrixError(f"sync: {_why(resp)}")
        if self._stopping:
            return
        async with self._handling:
            await self._handle_sync(resp, since)

    async def _handle_sync(self, resp: nio.SyncResponse, since: str | None) -> None:
        assert self.store is not None
        for room_id in resp.rooms.invite:
            await self._join(room_id)
        for room_id, info in resp.rooms.join.items():
            self._note_state(room_id, _sources(info.state))
            events = _sources(info.timeline.events)
            if since is None:
                self._note_state(room_id, events)
                # A fresh account: history before the bot existed is not for it.
                for src in events:
                    self._mark_seen(inbound.text(src.get("event_id")))
                continue
            if info.timeline.limited and not self._joins_in(events):
                events = await self._backfill(room_id, info.timeline.prev_batch, since) + events
            await self.receive(room_id, events)
        self._since = resp.next_batch
        await self.store.save_sync_token(self.user_id, resp.next_batch)
        async with self.synced:
            self.sync_count += 1
            self.synced.notify_all()

    async def _join(self, room_id: str) -> None:
        resp = await self._call(lambda: self.client.join(room_id))
        if isinstance(resp, nio.JoinResponse):
            log.info("matrix: joined %s", room_id)
        else:
            log.warning("matrix: could not join %s: %s", room_id, _why(resp))

    async def _backfill(self, room_id: str, prev_batch: str | None,
                        since: str) -> list[dict[str, Any]]:
        """The events a limited sync left out, oldest first: /messages backwards from the
        gap down to the previous sync token (or to an event already handled)."""
        self.limited_syncs += 1
        older: list[dict[str, Any]] = []
        token = prev_batch
        for _ in range(_BACKFILL_PAGES):
            if not token:
                break
            resp = await self._call(lambda start=token: self.client.room_messages(
                room_id, start=start, end=since, direction=MessageDirection.back, limit=100))
            if not isinstance(resp, nio.RoomMessagesResponse):
                log.warning("matrix: back-filling %s failed: %s; reconciling its cards instead",
                            room_id, _why(resp))
                await self._reconcile_room(room_id)
                break
            reached = False
            for src in _sources(resp.chunk):  # newest first
                if inbound.text(src.get("event_id")) in self._seen:
                    reached = True
                    break
                older.append(src)
            # A short page means the previous token was reached (`end=since` bounds it).
            if reached or len(resp.chunk) < 100 or not resp.end or resp.end == token:
                break
            token = resp.end
        else:
            log.warning("matrix: gap in %s longer than %d pages; reconciling its cards",
                        room_id, _BACKFILL_PAGES)
            await self._reconcile_room(room_id)
        older.reverse()
        self.backfilled_events += len(older)
        return older

    def _joins_in(self, events: Sequence[dict[str, Any]]) -> bool:
        return any(inbound.is_join_of(src, self.user_id) for src in events)

    def _note_state(self, room_id: str, events: Sequence[dict[str, Any]]) -> None:
        for src in events:
            self._note_state_event(room_id, src)

    def _note_state_event(self, room_id: str, src: dict[str, Any]) -> None:
        state = inbound.state_event(src)
        if state is None:
            return
        kind, content = state
        if kind == "m.room.power_levels":
            self._power[room_id] = content
        elif kind == "m.room.create":
            self._creators[room_id] = inbound.room_create(src, content)

    # --- inbound events -------------------------------------------------------------------------

    async def receive(self, room_id: str, events: Sequence[dict[str, Any]]) -> None:
        """A room's timeline events, raw as the homeserver sent them, oldest first."""
        # Events before the bot's own join are the room's past, not requests to it.
        start = 0
        for i, src in enumerate(events):
            if inbound.is_join_of(src, self.user_id):
                start = i + 1
        for src in events[:start]:
            self._mark_seen(inbound.text(src.get("event_id")))
            self._note_state_event(room_id, src)
        for src in events[start:]:
            # Power levels change in timeline order: a command is judged by the levels of
            # its moment, also when a back-filled batch holds a demotion after it.
            self._note_state_event(room_id, src)
            ev = inbound.envelope(src)
            if ev is None or not self._mark_seen(ev.event_id):
                continue
            try:
                await self._handle_event(room_id, src, ev)
            except Exception:
                log.exception("matrix: handling event %s in %s failed", ev.event_id, room_id)

    def _mark_seen(self, event_id: str | None) -> bool:
        """False if this event was handled already."""
        if not event_id or event_id in self._seen:
            return False
        self._seen[event_id] = None
        if len(self._seen) > _SEEN_MEMORY:
            self._seen.popitem(last=False)
        return True

    async def _handle_event(self, room_id: str, src: dict[str, Any], ev: inbound.Envelope) -> None:
        if ev.type == "m.room.message":
            self._remember_sender(ev.event_id, ev.sender)
        if ev.sender == self.user_id:
            return
        if (message := inbound.text_message(ev)) is not None:
            await self._on_message(room_id, ev, message)
        elif (reaction := inbound.reaction(ev)) is not None:
            await self._on_reaction(room_id, ev, reaction)
        elif (redacts := inbound.redacted(src, ev)) is not None:
            await self._on_redaction(room_id, redacts)

    async def _on_message(self, room_id: str, ev: inbound.Envelope,
                          message: inbound.TextMessage) -> None:
        bot = self._bot()
        body, reply_to = message.body, message.in_reply_to
        if reply_to:
            body = _strip_reply_fallback(body)
        user = self._user(room_id, ev.sender)
        channel = ChannelRef(PLATFORM, room_id, room_id)
        if body.startswith(bot.prefix):
            assert self.store is not None
            if not await self.store.claim_command(ev.event_id):
                return
            await bot.run_text_command(
                self, body[len(bot.prefix):], user=user, channel=channel,
                is_moderator=self.is_moderator(room_id, ev.sender),
                responder=self._responder(channel))
            return
        replied = self._senders.get(reply_to) if reply_to else None
        ts_ms = ev.ts_ms if ev.ts_ms is not None else time.time() * 1000
        try:
            at = datetime.fromtimestamp(ts_ms / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            at = datetime.now(UTC)  # a timestamp no calendar holds: the moment it arrived
        await bot.message_seen(MessageSeen(
            channel, user, at, ev.event_id,
            self._user(room_id, replied) if replied else None, body))

    async def _on_reaction(self, room_id: str, ev: inbound.Envelope,
                           reaction: inbound.Reaction) -> None:
        bot = self._bot()
        message = MessageRef(PLATFORM, room_id, reaction.target, room_id)
        if not bot.is_tracked(message):
            return
        assert self.store is not None
        stored = StoredReaction(ev.event_id, room_id, reaction.target, ev.sender, reaction.key)
        # A second reaction that is the same emoji to a person (another spelling of it)
        # adds nothing; the choice stays while either is there.
        if not await self.store.add_reaction(stored):
            return  # handled before the last restart, or the same emoji is there already
        await bot.reaction_changed(ReactionChanged(
            message, self._user(room_id, ev.sender), reaction.key, True))

    async def _on_redaction(self, room_id: str, redacts: str) -> None:
        assert self.store is not None
        bot = self._bot()
        card = MessageRef(PLATFORM, room_id, redacts, room_id)
        if bot.is_tracked(card):
            await bot.message_gone(card)
            return
        stored = await self.store.pop_reaction(redacts)
        if stored is None:
            return
        message = MessageRef(PLATFORM, stored.room_id, stored.target, stored.room_id)
        await bot.reaction_changed(ReactionChanged(
            message, self._user(stored.room_id, stored.sender), stored.key, False))

    def _responder(self, channel: ChannelRef) -> Callable[[Out, bool], Awaitable[MessageRef | None]]:
        async def respond(out: Out, ephemeral: bool) -> MessageRef | None:
            # Matrix has no ephemeral messages: a refusal is said in the room like any reply.
            return await self.send(channel, out)

        return respond

    # --- who is who -----------------------------------------------------------------------------

    def is_moderator(self, room_id: str, user_id: str) -> bool:
        create = self._creators.get(room_id)
        if create and user_id in create.creators and create.version not in _LEGACY_ROOM_VERSIONS:
            return True  # room v12+: creators outrank every power level
        levels = self._power.get(room_id)
        if levels is None:
            room = self.client.rooms.get(room_id)
            return bool(room and room.power_levels.get_user_level(user_id) >= MODERATOR_LEVEL)
        return inbound.power_level(levels, user_id) >= MODERATOR_LEVEL

    def _user(self, room_id: str, user_id: str) -> UserRef:
        room = self.client.rooms.get(room_id)
        name = room.user_name(user_id) if room else None
        return UserRef(PLATFORM, user_id, name or user_id[1:].split(":", 1)[0],
                       is_bot=user_id == self.user_id)

    def _remember_sender(self, event_id: str, sender: str) -> None:
        if event_id:
            self._senders[event_id] = sender
            if len(self._senders) > _SEEN_MEMORY:
                self._senders.popitem(last=False)

    # --- reconciliation -------------------------------------------------------------------------

    async def _reconcile_all(self) -> None:
        bot = self._bot()
        for message in bot.live_messages(PLATFORM):
            try:
                await bot.reconcile_reactions(message, await self.fetch_reactions(message))
            except Exception:
                log.exception("matrix: reconciling %s failed", message.key)

    async def _reconcile_room(self, room_id: str) -> None:
        bot = self._bot()
        for message in bot.live_messages(PLATFORM):
            if message.channel_id == room_id:
                await bot.reconcile_reactions(message, await self.fetch_reactions(message))

    async def _relations(self, room_id: str, event_id: str) -> list[StoredReaction] | None:
        """Every present annotation of an event, oldest first (redacted ones are not
        returned by the server); the stored reaction map is brought in line with it."""
        assert self.store is not None
        found: list[StoredReaction] = []
        token: str | None = None
        base = (f"/_matrix/client/v1/rooms/{quote(room_id, safe='')}/relations/"
                f"{quote(event_id, safe='')}/m.annotation")
        while True:
            query = {"limit": "100", "dir": "f"} | ({"from": token} if token else {})
            status, data = await self._get_json(f"{base}?{urlencode(query)}")
            if status in (403, 404):
                return None  # the event is gone, or the bot left the room
            if status != 200:
                raise MatrixError(f"reading reactions of {event_id}: {status} {data.get('errcode')}")
            chunk = data.get("chunk")
            for src in chunk if isinstance(chunk, list) else ():
                ev = inbound.envelope(src)
                reaction = inbound.reaction(ev) if ev is not None else None
                if ev is None or reaction is None or ev.sender == self.user_id:
                    continue
                found.append(StoredReaction(ev.event_id, room_id, event_id, ev.sender, reaction.key))
            token = inbound.text(data.get("next_batch"))
            if not token:
                break
        await self.store.replace_reactions(event_id, found)
        for r in found:
            self._mark_seen(r.event_id)
        return found

    # --- outbound -------------------------------------------------------------------------------

    async def _send_event(self, room_id: str, kind: str, content: dict[str, Any],
                          txn_id: str | None) -> str:
        resp = await self._call(lambda: self.client.room_send(room_id, kind, content, tx_id=txn_id))
        if not isinstance(resp, nio.RoomSendResponse):
            raise MatrixError(f"sending {kind} to {room_id}: {_why(resp)}")
        return resp.event_id

    async def _seed(self, ref: MessageRef, keys: Sequence[str], idempotency_key: str | None) -> None:
        for i, key in enumerate(keys[: self.capabilities.max_reactions]):
            content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": ref.id, "key": key}}
            txn = f"{idempotency_key}-r{i}" if idempotency_key else None
            resp = await self._call(
                lambda c=content, t=txn: self.client.room_send(ref.channel_id, "m.reaction", c, tx_id=t))
            if isinstance(resp, nio.RoomSendResponse):
                continue
            if isinstance(resp, ErrorResponse) and resp.status_code == "M_DUPLICATE_ANNOTATION":
                # Seeded before a crash (or by an earlier attempt): the reaction is there.
                log.debug("matrix: %s was already seeded on %s", key, ref.id)
                continue
            log.warning("matrix: seeding %s on %s failed: %s", key, ref.id, _why(resp))

    async def _upload(self, att: Attachment) -> str:
        resp, _ = await self.client.upload(
            lambda *_: att.data, content_type=att.mime, filename=att.filename,
            filesize=len(att.data))
        if not isinstance(resp, nio.UploadResponse):
            raise MatrixError(f"uploading {att.filename}: {_why(resp)}")
        return resp.content_uri

    # --- requests with bounded rate-limit retries -----------------------------------------------

    async def _call(self, request: Callable[[], Awaitable[R]]) -> R:
        """Run a nio request; on M_LIMIT_EXCEEDED wait as asked (at most max_retry_wait_s)
        and retry at most max_retries times, then hand the error back."""
        for attempt in range(self.max_retries + 1):
            resp = await request()
            if not (isinstance(resp, ErrorResponse) and resp.status_code == "M_LIMIT_EXCEEDED"):
                return resp
            self.rate_limited += 1
            if attempt == self.max_retries:
                return resp
            wait = min((resp.retry_after_ms or 1000) / 1000, self.max_retry_wait_s)
            log.warning("matrix: rate limited; retrying in %.2fs (%d/%d)", wait, attempt + 1,
                        self.max_retries)
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    async def _get_json(self, path: str) -> tuple[int, dict[str, Any]]:
        for attempt in range(self.max_retries + 1):
            headers = {"Authorization": f"Bearer {self.client.access_token}"}
            resp = await self.client.send("GET", path, headers=headers)
            try:
                data = await resp.json(content_type=None)
            except ValueError:
                data = {}
            finally:
                resp.release()
            if resp.status != 429 or attempt == self.max_retries:
                return resp.status, data if isinstance(data, dict) else {}
            self.rate_limited += 1
            await asyncio.sleep(min(data.get("retry_after_ms", 1000) / 1000, self.max_retry_wait_s))
        raise AssertionError("unreachable")

    # --- helpers --------------------------------------------------------------------------------

    def _bot(self) -> Bot:
        if self.bot is None:
            raise RuntimeError("the Matrix adapter is not attached to a bot")
        return self.bot

    async def _tz(self, room_id: str) -> ZoneInfo:
        return await self._bot().timezone(ChannelRef(PLATFORM, room_id, room_id).space)


def _sources(events: Sequence[Any]) -> list[dict[str, Any]]:
    """The raw JSON of nio's parsed events (nio keeps it, whatever it made of it)."""
    return [src for ev in events if isinstance(src := getattr(ev, "source", None), dict)]


def _why(resp: object) -> str:
    if isinstance(resp, ErrorResponse):
        return f"{resp.status_code or ''} {resp.message or ''}".strip()
    return type(resp).__name__


def _strip_reply_fallback(body: str) -> str:
    """A reply's body starts with "> quoted" lines and a blank line; the command follows."""
    lines = body.split("\n")
    i = 0
    while i < len(lines) and lines[i].startswith(">"):
        i += 1
    if i and i < len(lines) and lines[i] == "":
        return "\n".join(lines[i + 1:])
    return body


def create(config: MatrixConfig) -> MatrixAdapter:
    return MatrixAdapter(config)
