"""The composition root: the Bot owns the database, settings, scheduler, live cards, the
features (cogs) and the platforms (adapters). Routing lives in `dispatch`, tracking in
`tracking`, live cards in `livecards`; features and platforms come from the registry
(`plugins`). There is no global bot; cogs get what they need injected."""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from . import resend, surfaces
from .adapter import Adapter, Capabilities, NamesSpaces, Partitioned, TakesBackReactions
from .clock import Clock
from .cog import LISTENER_ATTR, Cog
from .commands import CommandRegistry, CommandSpec
from .dispatch import Dispatch
from .jobs import MIGRATIONS as JOB_MIGRATIONS
from .livecards import Landed, LiveCards, Render
from .metrics import Metrics
from .model import ChannelRef, MessageRef, SpaceRef, UserRef
from .opendb import make_database
from .plugins import features, platforms
from .process import tune_gc
from .ratelimit import RateLimiter
from .render import Out
from .scheduler import Scheduler
from .settings import MIGRATIONS as SETTINGS_MIGRATIONS
from .settings import Settings, SettingSpec
from .storage import Database
from .timeparse import zone
from .tracking import Tracker
from .web import WebHost

log = logging.getLogger(__name__)

S = TypeVar("S")


class Bot(Dispatch):
    def __init__(self, db: Database, *, clock: Clock | None = None, timezone: str = "UTC",
                 prefix: str = "!", rate_limit: bool = True) -> None:
        super().__init__()
        self.db = db
        self.clock = clock or Clock()
        self.prefix = prefix
        self.settings = Settings(db)
        self.metrics = Metrics()
        self.web = WebHost()
        db.on_commit = self.metrics.committed
        self.metrics.watch_queue(lambda: db.queue_depth)
        self.scheduler = Scheduler(db, self.clock, self.metrics)
        self.scheduler.serves = self.serves_space
        db.on_reconnect = self.database_back
        self.scheduler.reaches = self.reaches_space
        self.commands = CommandRegistry()
        self.tracker = Tracker(db)
        self.adapters: dict[str, Adapter] = {}
        self.cards = LiveCards(self.adapters, self.clock)
        self.limiter = (RateLimiter(self.clock, burst=50, per_second=2.0) if rate_limit
                        else RateLimiter.unlimited(self.clock))
        self.cogs: dict[str, Cog] = {}
        self._services: dict[type, tuple[str, Any]] = {}
        self._interest_handlers: list[surfaces.InterestHandler] = []
        self.started = False
        self._background: set[asyncio.Task[None]] = set()
        self.settings.register(SettingSpec(
            "timezone", timezone, zone, "an IANA name such as Europe/Berlin",
            "the timezone times are read and shown in", normalize=lambda z: z.key), owner="core")

    # --- set-up -----------------------------------------------------------------------------

    async def setup(self, extensions: Iterable[str] | None = None) -> None:
        """Migrate the core's tables and load the features (all registered ones by default)."""
        if not self.db.is_open:
            await self.db.open()
        await self.db.migrate("settings", SETTINGS_MIGRATIONS)
        await self.db.migrate("jobs", JOB_MIGRATIONS)
        await self.tracker.load()
        for platform in platforms().values():
            self.settings.register_platform(platform.section, platform.settings, platform.capabilities)
        for name in features() if extensions is None else extensions:
            module = importlib.import_module(name)
            await module.setup(self)

    async def add_cog(self, cog: Cog) -> None:
        if not cog.name or cog.name in self.cogs:
            raise ValueError(f"cog needs a unique name, got {cog.name!r}")
        await self.db.migrate(cog.name, cog.migrations)
        self.cogs[cog.name] = cog
        self.settings.owner = self.scheduler.owner = cog.name
        for attr in dir(type(cog)):
            fn = getattr(type(cog), attr)
            spec: CommandSpec | None = getattr(fn, "__logoff_command__", None)
            if spec is not None:
                self.commands.add(CommandSpec(spec.path, spec.description, spec.options,
                                              spec.moderator_only, getattr(cog, attr), cog))
            if (listener := getattr(fn, LISTENER_ATTR, None)) is not None:
                what, key = listener
                self.add_listener(cog.name, what, key, getattr(cog, attr))
        try:
            await cog.setup()
        finally:
            self.settings.owner = self.scheduler.owner = ""

    def add_adapter(self, adapter: Adapter) -> None:
        if adapter.platform in self.adapters:
            raise ValueError(f"two adapters for {adapter.platform}")
        self.adapters[adapter.platform] = adapter
        adapter.attach(self)

    def database_back(self) -> None:
        """The database answers again after an outage: reactions made meanwhile were not
        recorded, so read every live card's reactions again."""
        if not self.started:
            return
        for adapter in self.adapters.values():
            task = asyncio.create_task(self.reconcile(adapter))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    def serves_space(self, key: str) -> bool:
        """Whether this process runs the space's scheduled work (a job with no space: yes)."""
        if not key:
            return True
        platform, _, ident = key.partition(":")
        adapter = self.adapters.get(platform)
        return adapter is not None and (not isinstance(adapter, Partitioned) or adapter.serves(ident))

    def reaches_space(self, key: str) -> bool:
        """Whether this process can post there (any space of a platform it is on)."""
        return not key or key.partition(":")[0] in self.adapters

    async def start(self) -> None:
        tune_gc()
        for platform in self.adapters:
            self.cards.hold(platform)
        for adapter in list(self.adapters.values()):
            try:
                await adapter.start()
                await self.finished_starting(adapter.platform)
            finally:
                self.cards.release(adapter.platform)
        await self.scheduler.start()
        self.started = True
        for cog in list(self.cogs.values()):
            try:
                await cog.started()
            except Exception:
                log.exception("catching up %s at start failed", cog.name)

    async def stop(self) -> None:
        """Graceful: no new jobs, pending card edits sent, adapters closed (a reaction
        still in flight there commits), then the last edits, then the database."""
        self.started = False  # a reconnect from here on starts no reading of the cards
        await self.scheduler.stop()
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        await self._drain_cards(2.0)
        for adapter in list(self.adapters.values()):
            try:
                await adapter.stop()
            except Exception:
                log.exception("stopping adapter %s failed", adapter.platform)
        await self._drain_cards(1.0)
        await self.cards.close()
        for cog in list(self.cogs.values()):
            try:
                await cog.stopping()
            except Exception:
                log.exception("stopping %s failed", cog.name)
        await self.db.close()

    async def settle(self) -> None:
        await self.cards.idle()

    async def advance(self, delta: timedelta,
                      moved: Callable[[datetime], Awaitable[None]] | None = None) -> None:
        await self.scheduler.advance(delta, self.cards.idle, moved)
        await self.cards.idle()

    async def _drain_cards(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self.cards.idle(), timeout=seconds)
        except TimeoutError:
            log.warning("gave up waiting for live-card edits at shutdown")

    # --- what cogs use (CogHost) ------------------------------------------------------------------

    def adapter(self, platform: str) -> Adapter:
        try:
            return self.adapters[platform]
        except KeyError:
            raise RuntimeError(f"the {platform} adapter is not running") from None

    def capabilities(self, platform: str) -> Capabilities | None:
        return adapter.capabilities if (adapter := self.adapters.get(platform)) else None

    def space_name(self, space: SpaceRef) -> str | None:
        named = self.adapters.get(space.platform)
        return named.space_name(space.id) if isinstance(named, NamesSpaces) else None

    async def send(self, channel: ChannelRef, out: Out, *,
                   idempotency_key: str | None = None) -> MessageRef:
        return await resend.send(self.db, self.adapter(channel.platform), channel, out, idempotency_key)

    async def edit(self, message: MessageRef, out: Out) -> None:
        await self.adapter(message.platform).edit(message, out)

    async def take_back_own_reaction(self, message: MessageRef, emoji: str) -> None:
        adapter = self.adapters.get(message.platform)
        if isinstance(adapter, TakesBackReactions):
            try:
                await adapter.take_back_own_reaction(message, emoji)
            except Exception as e:  # the card keeps it: a check-in by it is refused as too early
                log.warning("taking the bot's %s off %s failed: %s", emoji, message.key, e)

    async def send_dm(self, user: UserRef, out: Out, *,
                      idempotency_key: str | None = None) -> MessageRef | None:
        """None when the platform refuses it (closed DMs); `DeliveryFailed`: only this time failed;
        `NotServedHere`: the person's platform is not in this process (nothing tried)."""
        return await resend.send_dm(self.db, self.adapters, user, out, idempotency_key)

    async def mark_sends(self, sends: Sequence[tuple[ChannelRef | UserRef, Out, str]]) -> None:
        await resend.mark_sends(self.db, self.adapters, sends)

    async def track(self, message: MessageRef, cog: str, kind: str, object_id: int) -> None:
        """Route future reactions on `message` to `cog` (durably, so after a restart too)."""
        await self.tracker.track(message, cog, kind, object_id)

    async def untrack(self, cog: str, kind: str, object_id: int, *, durably: bool = True, card: MessageRef | None = None) -> None:
        """The object is no longer live (closed, cancelled): stop routing its reactions."""
        await self.tracker.untrack(cog, kind, object_id, durably=durably, card=card)

    def tracked_messages(self, cog: str, kind: str, object_id: int) -> list[MessageRef]:
        return self.tracker.messages_of(cog, kind, object_id)

    def refresh_card(self, message: MessageRef, render: Render, landed: Landed | None = None) -> None:
        self.cards.refresh(message, render, landed)

    def provide(self, kind: type[S], service: S, owner: str) -> None:
        """Offer a typed service to other cogs (the polls cog offers PollService)."""
        if kind in self._services:
            raise ValueError(f"{kind.__name__} is provided by both {self._services[kind][0]} and {owner}")
        self._services[kind] = (owner, service)

    def service(self, kind: type[S]) -> S | None:
        found = self._services.get(kind)
        return found[1] if found else None

    def config_summaries(self) -> list[Callable[[SpaceRef], Awaitable[list[str]]]]:
        return [cog.config_summary for cog in self.cogs.values()]

    # --- native surfaces (bot/surfaces.py) ----------------------------------------------------

    def listings(self, platform: str) -> surfaces.Listings | None:
        adapter = self._surface(platform, "listings")
        return adapter if isinstance(adapter, surfaces.Listings) else None

    def threads(self, platform: str) -> surfaces.Threads | None:
        adapter = self._surface(platform, "threads")
        return adapter if isinstance(adapter, surfaces.Threads) else None

    def roles(self, platform: str) -> surfaces.Roles | None:
        adapter = self._surface(platform, "roles")
        return adapter if isinstance(adapter, surfaces.Roles) else None

    def _surface(self, platform: str, flag: str) -> Adapter | None:
        adapter = self.adapters.get(platform)
        return adapter if adapter is not None and getattr(adapter.capabilities, flag) else None

    def on_listing_interest(self, handler: surfaces.InterestHandler) -> None:
        self._interest_handlers.append(handler)

    async def listing_interest_changed(self, space: SpaceRef, native_id: str, count: int | None) -> None:
        for handler in self._interest_handlers:
            try:
                await handler(space, native_id, count)
            except Exception:
                log.exception("handling a listing's interest in %s failed", space.key)


async def build_bot(database: str, *, clock: Clock | None = None, timezone: str = "UTC",
                    prefix: str = "!", extensions: Iterable[str] | None = None,
                    group_commit: bool = True, rate_limit: bool = True,
                    synchronous: str = "FULL", database_password: str | None = None) -> Bot:
    db = make_database(database, password=database_password, group_commit=group_commit,
                       synchronous=synchronous)
    await db.open()
    bot = Bot(db, clock=clock, timezone=timezone, prefix=prefix, rate_limit=rate_limit)
    try:
        await bot.setup(extensions)
    except BaseException:
        await db.close()
        raise
    return bot
