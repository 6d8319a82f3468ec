"""The composition root: the Bot owns the database, settings, scheduler, cogs and
adapters, and routes neutral events to the cog that declared interest. There is no
global bot; cogs get what they need injected."""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from .adapter import Adapter, DeliveryRefused
from .clock import Clock
from .commands import CommandRegistry, CommandSpec, UsageError, convert
from .context import Context, Responder
from .emoji import canonical
from .model import (
    ActionInvoked,
    ChannelRef,
    MessageRef,
    MessageSeen,
    ReactionChanged,
    SpaceRef,
    UserRef,
)
from .process import tune_gc
from .render import Out
from .scheduler import MIGRATIONS as JOB_MIGRATIONS
from .scheduler import Scheduler
from .settings import MIGRATIONS as SETTINGS_MIGRATIONS
from .settings import Settings, SettingSpec
from .storage import Database, Migration
from .timeparse import zone

log = logging.getLogger(__name__)

CORE_MIGRATIONS: list[Migration] = [
    """
    CREATE TABLE messages (
        key TEXT PRIMARY KEY,
        platform TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        space_id TEXT NOT NULL DEFAULT '',
        cog TEXT NOT NULL,
        kind TEXT NOT NULL,
        object_id INTEGER NOT NULL,
        live INTEGER NOT NULL DEFAULT 1
    ) WITHOUT ROWID;
    CREATE INDEX messages_live ON messages(live, platform);
    CREATE INDEX messages_object ON messages(cog, kind, object_id);
    """,
]

DEFAULT_EXTENSIONS = ("cogs.admin", "cogs.polls", "cogs.events", "cogs.offline")


# --- cog declarations ------------------------------------------------------------------


def on_reaction(kind: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Reactions on messages this cog tracked with `kind`: handler(self, event, object_id)."""
    return _mark("reaction", kind)


def on_reconcile(kind: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """At start: handler(self, message, object_id, {emoji: [users]}) with the platform's truth."""
    return _mark("reconcile", kind)


def on_action(prefix: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Buttons whose action id is "<prefix>:<arg>": handler(self, ctx, event, arg)."""
    return _mark("action", prefix)


def on_message() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Every chat message's metadata: handler(self, event)."""
    return _mark("message", "")


def _mark(what: str, key: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.__logoff_listener__ = (what, key)  # type: ignore[attr-defined]
        return fn

    return deco


class Cog:
    """A feature. Subclasses declare `name`, `migrations`, commands and listeners."""

    name: ClassVar[str] = ""
    migrations: ClassVar[Sequence[Migration]] = ()

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.db = bot.db
        self.settings = bot.settings
        self.scheduler = bot.scheduler
        self.clock = bot.clock

    async def setup(self) -> None:
        """After migrations: register settings and job handlers."""


@dataclass(frozen=True, slots=True)
class Tracked:
    message: MessageRef
    cog: str
    kind: str
    object_id: int


# --- live cards --------------------------------------------------------------------------


class LiveCards:
    """Coalescing editor: at most one edit in flight per message, the trailing state
    always rendered, and per-channel edits kept under the adapter's rate."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._render: dict[str, tuple[MessageRef, Callable[[], Awaitable[Out]]]] = {}
        self._dirty: set[str] = set()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._window: dict[str, list[float]] = {}
        self._gone: set[str] = set()  # deleted on the platform while an edit was pending
        self._closed = False
        self.edits = 0

    def refresh(self, message: MessageRef, render: Callable[[], Awaitable[Out]]) -> None:
        if self._closed:
            return  # shutting down: the card is re-rendered on the next change after start
        self._render[message.key] = (message, render)
        self._dirty.add(message.key)
        if message.key not in self._tasks:
            self._tasks[message.key] = asyncio.create_task(self._run(message.key))

    async def _run(self, key: str) -> None:
        try:
            while key in self._dirty:
                self._dirty.discard(key)
                message, render = self._render[key]
                adapter = self.bot.adapters.get(message.platform)
                if adapter is None:
                    return
                try:
                    # The slot is taken only after rendering, with no await before the edit
                    # starts, so a slow render (or another card's edit in the same channel
                    # meanwhile) cannot push an extra edit into the window.
                    while True:
                        await self._pace(message, adapter)
                        out = await render()
                        if self._take_slot(message, adapter):
                            break
                    if key in self._gone:
                        return
                    await adapter.edit(message, out)
                    self.edits += 1
                except Exception:
                    log.exception("editing live card %s failed", key)
        finally:
            self._tasks.pop(key, None)
            self._render.pop(key, None)
            self._gone.discard(key)

    def drop(self, key: str) -> None:
        """The message is gone on the platform: no edit of it is sent from now on."""
        self._dirty.discard(key)
        if key in self._tasks:
            self._gone.add(key)

    def _stamps(self, message: MessageRef, adapter: Adapter) -> list[float]:
        stamps = self._window.setdefault(f"{message.platform}:{message.channel_id}", [])
        now = asyncio.get_running_loop().time()
        while stamps and now - stamps[0] >= adapter.capabilities.edit_window_s:
            stamps.pop(0)
        return stamps

    async def _pace(self, message: MessageRef, adapter: Adapter) -> None:
        """Wait until the channel has room for one more edit in its window."""
        caps = adapter.capabilities
        if caps.edits_per_window <= 0:
            return
        while len(stamps := self._stamps(message, adapter)) >= caps.edits_per_window:
            wait = caps.edit_window_s - (asyncio.get_running_loop().time() - stamps[0])
            await asyncio.sleep(wait + 0.01)

    def _take_slot(self, message: MessageRef, adapter: Adapter) -> bool:
        limit = adapter.capabilities.edits_per_window
        if limit <= 0:
            return True
        stamps = self._stamps(message, adapter)
        if len(stamps) >= limit:
            return False
        stamps.append(asyncio.get_running_loop().time())
        return True

    async def idle(self) -> None:
        """Wait until every pending edit has been sent."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def close(self) -> None:
        self._closed = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


# --- abuse control ---------------------------------------------------------------------


class RateLimiter:
    """Token bucket per user for commands: a flood is slowed, others are untouched."""

    def __init__(self, burst: int = 8, per_second: float = 2.0) -> None:
        self.burst, self.rate = burst, per_second
        self._buckets: dict[str, tuple[float, float]] = {}
        self._warned: dict[str, float] = {}

    def allow(self, user: UserRef) -> bool:
        now = time.monotonic()
        tokens, last = self._buckets.get(user.key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if tokens >= 1:
            self._buckets[user.key] = (tokens - 1, now)
            return True
        self._buckets[user.key] = (tokens, now)
        return False

    def should_warn(self, user: UserRef) -> bool:
        now = time.monotonic()
        if now - self._warned.get(user.key, -1e9) > 10:
            self._warned[user.key] = now
            return True
        return False


# --- the bot ---------------------------------------------------------------------------------


class Bot:
    def __init__(self, db: Database, *, clock: Clock | None = None, timezone: str = "UTC",
                 prefix: str = "!", rate_limit: bool = True) -> None:
        self.db = db
        self.clock = clock or Clock()
        self.prefix = prefix
        self.settings = Settings(db)
        self.scheduler = Scheduler(db, self.clock)
        self.commands = CommandRegistry()
        self.cards = LiveCards(self)
        # The console is one person at a keyboard (or a script): no flood control there.
        self.limiter = RateLimiter(burst=50, per_second=2.0) if rate_limit else RateLimiter(burst=10**9, per_second=10**9)
        self.adapters: dict[str, Adapter] = {}
        self.cogs: dict[str, Cog] = {}
        self._listeners: dict[tuple[str, str], Callable[..., Awaitable[Any]]] = {}
        self._message_listeners: list[Callable[[MessageSeen], Awaitable[Any]]] = []
        # Live messages as stored rows (platform, channel, message, space, cog, kind, object id):
        # start-up loads every live card, and building objects for 50k of them costs ~0.4 s.
        self._tracked: dict[str, tuple[str, str, str, str, str, str, int]] = {}
        self._by_object: dict[tuple[str, str, int], set[str]] = {}  # (cog, kind, id) -> message keys
        self.default_timezone = timezone
        self.started = False
        self.settings.register(SettingSpec(
            "timezone", timezone, zone, "an IANA name such as Europe/Berlin",
            "the timezone times are read and shown in", normalize=lambda z: z.key))

    # --- set-up -----------------------------------------------------------------------------

    async def setup(self, extensions: Iterable[str] = DEFAULT_EXTENSIONS) -> None:
        if self.db._conn is None:
            await self.db.open()
        await self.db.migrate("core", CORE_MIGRATIONS)
        await self.db.migrate("settings", SETTINGS_MIGRATIONS)
        await self.db.migrate("jobs", JOB_MIGRATIONS)
        for name in extensions:
            module = importlib.import_module(name)
            await module.setup(self)
        rows = await self.db.fetchall(
            "SELECT key, platform, channel_id, message_id, space_id, cog, kind, object_id FROM messages "
            "WHERE live=1")
        tracked, by_object = self._tracked, self._by_object
        for key, *row in rows:
            tracked[key] = tuple(row)  # type: ignore[assignment]
            by_object.setdefault((row[4], row[5], row[6]), set()).add(key)

    async def add_cog(self, cog: Cog) -> None:
        if not cog.name or cog.name in self.cogs:
            raise ValueError(f"cog needs a unique name, got {cog.name!r}")
        await self.db.migrate(cog.name, cog.migrations)
        self.cogs[cog.name] = cog
        for attr in dir(type(cog)):
            fn = getattr(type(cog), attr)
            spec: CommandSpec | None = getattr(fn, "__logoff_command__", None)
            if spec is not None:
                bound = CommandSpec(spec.path, spec.description, spec.options, spec.moderator_only,
                                    getattr(cog, attr), cog)
                self.commands.add(bound)
            listener = getattr(fn, "__logoff_listener__", None)
            if listener is not None:
                what, key = listener
                if what == "message":
                    self._message_listeners.append(getattr(cog, attr))
                else:
                    self._listeners[(what, f"{cog.name}:{key}" if what != "action" else key)] = getattr(cog, attr)
        await cog.setup()

    def add_adapter(self, adapter: Adapter) -> None:
        self.adapters[adapter.platform] = adapter
        adapter.attach(self)

    async def start(self) -> None:
        tune_gc()
        for adapter in list(self.adapters.values()):
            await adapter.start()
        await self.scheduler.start()
        self.started = True

    async def stop(self) -> None:
        """Graceful: no new jobs, pending card edits sent, adapters closed (a reaction
        still in flight there commits), then the last edits, then the database."""
        await self.scheduler.stop()
        await self._drain_cards(2.0)
        for adapter in list(self.adapters.values()):
            try:
                await adapter.stop()
            except Exception:
                log.exception("stopping adapter %s failed", adapter.platform)
        await self._drain_cards(1.0)
        await self.cards.close()
        await self.db.close()
        self.started = False

    async def _drain_cards(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self.cards.idle(), timeout=seconds)
        except TimeoutError:
            log.warning("gave up waiting for live-card edits at shutdown")

    # --- helpers for cogs -------------------------------------------------------------------

    async def timezone(self, space: SpaceRef) -> ZoneInfo:
        return await self.settings.get(space, "timezone")

    def adapter(self, platform: str) -> Adapter:
        try:
            return self.adapters[platform]
        except KeyError:
            raise RuntimeError(f"the {platform} adapter is not running") from None

    async def send(self, channel: ChannelRef, out: Out, *, idempotency_key: str | None = None) -> MessageRef:
        return await self.adapter(channel.platform).send(channel, out, idempotency_key=idempotency_key)

    async def track(self, message: MessageRef, cog: str, kind: str, object_id: int) -> None:
        """Route future reactions on `message` to `cog` (durably, so after a restart too)."""
        await self.db.write(lambda c: c.execute(
            "INSERT OR REPLACE INTO messages(key, platform, channel_id, message_id, space_id, cog, kind,"
            " object_id, live) VALUES(?,?,?,?,?,?,?,?,1)",
            (message.key, message.platform, message.channel_id, message.id, message.space_id,
             cog, kind, object_id)))
        self._remember(Tracked(message, cog, kind, object_id))

    def _remember(self, t: Tracked) -> None:
        self._forget(t.message.key)
        m = t.message
        self._tracked[m.key] = (m.platform, m.channel_id, m.id, m.space_id, t.cog, t.kind, t.object_id)
        self._by_object.setdefault((t.cog, t.kind, t.object_id), set()).add(m.key)

    def _forget(self, key: str) -> None:
        row = self._tracked.pop(key, None)
        if row is not None:
            obj = (row[4], row[5], row[6])
            keys = self._by_object.get(obj)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_object[obj]

    def _lookup(self, message: MessageRef) -> Tracked | None:
        """The tracked card this reference names: the same message in the same channel and
        space. A platform event naming a card's id with another channel or server (forged,
        or a platform whose ids are unique only per channel) is not about that card."""
        row = self._tracked.get(message.key)
        if row is None or row[1] != message.channel_id or row[3] != message.space_id:
            return None
        return Tracked(MessageRef(row[0], row[1], row[2], row[3]), row[4], row[5], row[6])

    async def untrack(self, cog: str, kind: str, object_id: int) -> None:
        """The object is no longer live (closed, cancelled): stop routing its reactions."""
        await self.db.write(lambda c: c.execute(
            "UPDATE messages SET live=0 WHERE cog=? AND kind=? AND object_id=?", (cog, kind, object_id)))
        for key in list(self._by_object.get((cog, kind, object_id), ())):
            self._forget(key)

    def tracked_messages(self, cog: str, kind: str, object_id: int) -> list[MessageRef]:
        return [MessageRef(*self._tracked[k][:4]) for k in self._by_object.get((cog, kind, object_id), ())]

    def live_messages(self, platform: str) -> list[MessageRef]:
        return [MessageRef(*row[:4]) for row in self._tracked.values() if row[0] == platform]

    def is_tracked(self, message: MessageRef) -> bool:
        return self._lookup(message) is not None

    async def message_gone(self, message: MessageRef) -> None:
        """A tracked card was deleted or redacted on the platform (by a moderator, say):
        it is not edited again and its reactions no longer count. `event show` and the
        like post a fresh card."""
        if self._lookup(message) is None:
            return
        self.cards.drop(message.key)
        await self.db.write(lambda c: c.execute("UPDATE messages SET live=0 WHERE key=?", (message.key,)))
        self._forget(message.key)
        log.info("card %s was removed on the platform; no longer tracking it", message.key)

    # --- inbound, called by adapters --------------------------------------------------------

    async def run_text_command(self, adapter: Adapter, text: str, *, user: UserRef, channel: ChannelRef,
                               is_moderator: bool, responder: Responder) -> None:
        """`text` is the message without its prefix ("poll create ...")."""
        if user.is_bot:
            return  # bots do not command bots (and a bot loop must never start here)
        ctx = Context(self, adapter, user, channel, is_moderator, responder, self.prefix_for(adapter.platform))
        if not await self._admit(ctx):
            return
        try:
            spec, raw = self.commands.resolve(text, ctx.prefix)
        except UsageError as e:
            await ctx.warn(self._usage_message(e, ctx.prefix))
            return
        await self._invoke(spec, raw, ctx)

    async def run_command(self, spec: CommandSpec, raw: Mapping[str, Any], ctx: Context) -> None:
        """A structured invocation (slash command): raw option values by name."""
        if ctx.user.is_bot or not await self._admit(ctx):
            return
        await self._invoke(spec, {k: str(v) for k, v in raw.items() if v is not None}, ctx)

    async def _admit(self, ctx: Context) -> bool:
        if self.limiter.allow(ctx.user):
            return True
        if self.limiter.should_warn(ctx.user):
            await self._safe(ctx.warn("slow down a little: you are sending commands faster than I take them; "
                                      "try again in a few seconds"), "rate-limit reply")
        return False

    def _usage_message(self, e: UsageError, prefix: str) -> str:
        msg = str(e)
        msg = msg[0].upper() + msg[1:] if msg else msg
        if e.usage:
            msg += f". Usage: {e.usage}"
            if e.spec:
                msg += f" (see {prefix}help {e.spec.name})"
        return msg

    def prefix_for(self, platform: str) -> str:
        """How commands are typed on a platform, for hints in cards and replies."""
        adapter = self.adapters.get(platform)
        return (adapter.capabilities.command_prefix if adapter else "") or self.prefix

    async def _invoke(self, spec: CommandSpec, raw: dict[str, str], ctx: Context) -> None:
        if spec.moderator_only and not ctx.is_moderator:
            await ctx.warn(f"only moderators can use {ctx.prefix}{spec.name}; ask one of them")
            return
        try:
            kwargs = await convert(spec, raw, ctx)
            assert spec.callback is not None
            await spec.callback(ctx, **kwargs)
        except UsageError as e:
            await self._safe(ctx.warn(self._usage_message(e, ctx.prefix)), "usage reply")
        except DeliveryRefused as e:
            log.warning("command %s: the platform refused a post: %s", spec.name, e)
            await self._safe(ctx.warn(str(e)), "refusal reply")
        except Exception:
            log.exception("command %s failed (user %s, channel %s)", spec.name, ctx.user.key, ctx.channel.key)
            await self._safe(ctx.warn("something went wrong on my side while doing that; please try "
                                      "again, and tell a moderator if it keeps happening"), "error reply")

    async def reaction_changed(self, event: ReactionChanged) -> None:
        if event.user.is_bot:
            return
        tracked = self._lookup(event.message)
        key = canonical(event.emoji)
        if tracked is None or key is None:
            return
        if key != event.emoji:
            event = ReactionChanged(event.message, event.user, key, event.added)
        handler = self._listeners.get(("reaction", f"{tracked.cog}:{tracked.kind}"))
        if handler:
            await self._safe(handler(event, tracked.object_id), f"reaction on {event.message.key}")

    async def reconcile_reactions(self, message: MessageRef,
                                  reactions: Mapping[str, Sequence[UserRef]] | None) -> None:
        tracked = self._lookup(message)
        if tracked is None:
            return
        if reactions is None:  # the message is gone: stop asking for it at every start
            await self.db.write(lambda c: c.execute("UPDATE messages SET live=0 WHERE key=?", (message.key,)))
            self._forget(message.key)
            return
        humans: dict[str, list[UserRef]] = {}
        for emoji, users in reactions.items():
            key = canonical(emoji)
            if key is None:
                continue
            merged = humans.setdefault(key, [])
            seen = set(merged)
            for u in users:
                if not u.is_bot and u not in seen:
                    seen.add(u)
                    merged.append(u)
        handler = self._listeners.get(("reconcile", f"{tracked.cog}:{tracked.kind}"))
        if handler:
            await self._safe(handler(message, tracked.object_id, humans), f"reconcile {message.key}")

    async def action_invoked(self, event: ActionInvoked, ctx: Context) -> None:
        if event.user.is_bot:
            return
        prefix, _, arg = event.action_id.partition(":")
        handler = self._listeners.get(("action", prefix))
        if handler is None:
            await self._safe(ctx.warn("that button no longer works; use the command instead"), "action")
            return
        try:
            await handler(ctx, event, arg)
        except Exception:
            log.exception("action %s failed (user %s)", event.action_id, event.user.key)
            await self._safe(ctx.warn("something went wrong on my side; please try again"), "action error")

    async def message_seen(self, event: MessageSeen) -> None:
        if event.author.is_bot:
            return
        for listener in self._message_listeners:
            await self._safe(listener(event), f"message in {event.channel.key}")

    async def _safe(self, aw: Awaitable[Any], what: str) -> None:
        """An exception in one handler is logged and never takes the bot down."""
        try:
            await aw
        except Exception:
            log.exception("%s failed", what)


async def build_bot(database: str, *, clock: Clock | None = None, timezone: str = "UTC", prefix: str = "!",
                    extensions: Iterable[str] = DEFAULT_EXTENSIONS, group_commit: bool = True,
                    rate_limit: bool = True, synchronous: str = "FULL") -> Bot:
    db = Database(database, group_commit=group_commit, synchronous=synchronous)
    await db.open()
    bot = Bot(db, clock=clock, timezone=timezone, prefix=prefix, rate_limit=rate_limit)
    try:
        await bot.setup(extensions)
    except BaseException:
        await db.close()
        raise
    return bot

