"""Inbound routing: what adapters call, and how each call reaches the cog that declared it.

Commands go through flood control, the parser and the moderator check to their callback;
a `Refusal` or `UsageError` raised anywhere below becomes the `⚠️` reply, any other
exception a logged error and an apology. Reactions reach the cog that tracks the card,
with the emoji canonicalised. An exception in one handler never takes the bot down.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from .adapter import Adapter, DeliveryRefused
from .chat import ChatListeners
from .clock import Clock
from .commands import CommandRegistry, CommandSpec, UsageError, convert
from .context import Context, Refusal, Responder
from .emoji import canonical
from .groupcommit import Committed, counting_commits
from .livecards import LiveCards
from .metrics import Metrics
from .model import (
    ActionInvoked,
    ChannelRef,
    MessageDeleted,
    MessageEdited,
    MessageRef,
    MessageSeen,
    ReactionChanged,
    SpaceRef,
    UserRef,
)
from .ratelimit import RateLimiter
from .rereading import Read, reread
from .settings import Settings
from .starting import StartWatch
from .storage import StorageUnavailable
from .suggestions import Suggestion, Suggestions
from .timelinks import LinkedChannels, reading_with
from .tracking import Tracker

log = logging.getLogger(__name__)
Handler = Callable[..., Awaitable[Any]]
S = TypeVar("S")


RECONCILE_AT_ONCE = 8


def _said(e: StorageUnavailable, committed: Committed) -> str:
    # "Nothing was changed" is false once an earlier write of it committed (events take several).
    return e.partly if committed.writes else e.said


async def _no_reply(out: Any, ephemeral: bool) -> None:
    log.warning("a suggester tried to reply; suggestions only answer with values")


class Dispatch(StartWatch):
    """The part of the Bot that adapters call."""

    prefix: str
    clock: Clock
    settings: Settings
    commands: CommandRegistry
    tracker: Tracker
    limiter: RateLimiter
    cards: LiveCards
    adapters: dict[str, Adapter]
    metrics: Metrics

    def __init__(self) -> None:
        self._listeners: dict[tuple[str, str], Handler] = {}
        self._owners: dict[tuple[str, str], str] = {}
        self._chat = ChatListeners(self._safe)
        self._suggestions: Suggestions | None = None
        StartWatch.__init__(self)

    def add_listener(self, owner: str, what: str, key: str, handler: Handler) -> None:
        if self._chat.add(what, handler):
            return
        # Reactions and reconciles are per tracked kind, which is the cog's own; action ids
        # are shared by every platform's buttons, so two cogs must not claim one prefix.
        slot = (what, key if what == "action" else f"{owner}:{key}")
        if slot in self._owners:
            raise ValueError(f"{what} '{key}' is declared by both {self._owners[slot]} and {owner}")
        self._owners[slot] = owner
        self._listeners[slot] = handler

    async def timezone(self, space: SpaceRef) -> ZoneInfo:
        return await self.settings.get(space, "timezone")  # type: ignore[no-any-return]

    # --- commands ---------------------------------------------------------------------------

    def prefix_for(self, platform: str) -> str:
        """How commands are typed on a platform, for hints in cards and replies."""
        adapter = self.adapters.get(platform)
        return (adapter.capabilities.command_prefix if adapter else "") or self.prefix

    def command_context(self, adapter: Adapter, user: UserRef, channel: ChannelRef, is_moderator: bool,
                 responder: Responder) -> Context:
        return Context(self, adapter, user, channel, is_moderator, responder,
                       self.prefix_for(adapter.platform))

    async def run_text_command(self, adapter: Adapter, text: str, *, user: UserRef,
                               channel: ChannelRef, is_moderator: bool, responder: Responder) -> None:
        """`text` is the message without its prefix ("poll create ...")."""
        if user.is_bot:
            return  # bots do not command bots (and a bot loop must never start here)
        ctx = self.command_context(adapter, user, channel, is_moderator, responder)
        if not await self._admit(ctx):
            return
        try:
            spec, raw = self.commands.resolve(text, ctx.prefix)
        except UsageError as e:
            # Label values are command names only: an unknown word must not make a new series.
            self.metrics.command(e.spec.name if e.spec else "(unknown)", "usage")
            await self._safe(ctx.warn(e.sentence(ctx.prefix, ctx.usage_style)), "usage reply")
            return
        ctx.typed, ctx.quoted = True, raw.quoted
        await self._invoke(spec, raw, ctx)

    async def run_command(self, spec: CommandSpec, raw: Mapping[str, Any], ctx: Context) -> None:
        """A structured invocation (slash command): raw option values by name."""
        if ctx.user.is_bot or not await self._admit(ctx):
            return
        await self._invoke(spec, {k: str(v) for k, v in raw.items() if v is not None}, ctx)

    async def suggest(self, adapter: Adapter, spec: CommandSpec, option: str, typed: str,
                      given: Mapping[str, str], *, user: UserRef, channel: ChannelRef,
                      is_moderator: bool) -> list[Suggestion]:
        """Values to offer while `option` is typed (bot/suggestions.py); never raises."""
        if self._suggestions is None:
            self._suggestions = Suggestions(self.clock)
        ctx = self.command_context(adapter, user, channel, is_moderator, _no_reply)
        return await self._suggestions(spec, option, typed, given, ctx)

    async def _admit(self, ctx: Context) -> bool:
        if self.limiter.allow(ctx.user):
            return True
        self.metrics.throttled.labels(ctx.adapter.platform).inc()
        # Where each command is answered privately anyway, telling every refused one costs nobody
        # a message; elsewhere the warning comes at most once in a while, so it cannot flood a room.
        if ctx.adapter.capabilities.answer_every_command or self.limiter.should_warn(ctx.user):
            await self._safe(ctx.warn("slow down a little: you are sending commands faster than I "
                                      "take them; try again in a few seconds"), "rate-limit reply")
        return False

    async def _invoke(self, spec: CommandSpec, raw: dict[str, str], ctx: Context) -> None:
        if spec.moderator_only and not ctx.is_moderator:
            self.metrics.command(spec.name, "denied")
            await self._safe(ctx.warn(f"only moderators can use {ctx.prefix}{spec.name}; "
                                      "ask one of them"), "refusal reply")
            return
        outcome = "ok"
        # Only a command given what may hold a time reads the links: the others (help, rsvp, a
        # vote) cost no round trip for them, and answer while the database is away. A poll's
        # options may be times, and text options named as times are read so by their commands.
        reads_time = any(o.name in raw and (o.kind in ("when", "when_or_duration", "list")
                                            or o.name in ("when", "until")) for o in spec.options)
        committed = Committed()
        try:
            with reading_with(await self._linked_zones(ctx.channel) if reads_time else ()), counting_commits(committed):
                kwargs = await convert(spec, raw, ctx)
                assert spec.callback is not None
                await spec.callback(ctx, **kwargs)
        except Refusal as e:
            outcome = "refused"
            await self._safe(ctx.warn(str(e)), "refusal reply")
        except UsageError as e:
            outcome = "usage"
            await self._safe(ctx.warn(e.sentence(ctx.prefix, ctx.usage_style)), "usage reply")
        except StorageUnavailable as e:
            outcome = "unavailable"
            log.warning("command %s: %s", spec.name, e)
            await self._safe(ctx.warn(_said(e, committed)), "unavailable reply")
        except DeliveryRefused as e:
            outcome = "refused"
            log.warning("command %s: the platform refused a post: %s", spec.name, e)
            await self._safe(ctx.warn(str(e)), "refusal reply")
        except Exception:
            outcome = "error"
            log.exception("command %s failed (user %s, channel %s)", spec.name, ctx.user.key,
                          ctx.channel.key)
            await self._safe(ctx.warn("something went wrong on my side while doing that; please "
                                      "try again, and tell a moderator if it keeps happening"),
                             "error reply")
        finally:
            self.metrics.command(spec.name, outcome)

    async def _linked_zones(self, channel: ChannelRef) -> list[ZoneInfo]:
        """The zones of the spaces linked with the channel: their letters are read with care
        in its times (bot/timelinks.py)."""
        links = self.service(LinkedChannels)
        if links is None:
            return []
        return [await self.timezone(c.space) for c in await links.linked(channel)]

    def service(self, kind: type[S]) -> S | None:
        raise NotImplementedError  # the Bot's registry of what features offer

    async def action_invoked(self, event: ActionInvoked, ctx: Context) -> None:
        if event.user.is_bot:
            return
        prefix, _, arg = event.action_id.partition(":")
        handler = self._listeners.get(("action", prefix))
        if handler is None:
            await self._safe(ctx.warn("that button no longer works; use the command instead"), "action")
            return
        committed = Committed()
        try:
            with counting_commits(committed):
                await handler(ctx, event, arg)
        except Refusal as e:
            await self._safe(ctx.warn(str(e)), "refusal reply")
        except StorageUnavailable as e:
            log.warning("action %s: %s", event.action_id, e)
            await self._safe(ctx.warn(_said(e, committed)), "unavailable reply")
        except Exception:
            log.exception("action %s failed (user %s)", event.action_id, event.user.key)
            await self._safe(ctx.warn("something went wrong on my side; please try again"), "action error")

    # --- reactions and cards ------------------------------------------------------------------

    def is_tracked(self, message: MessageRef) -> bool:
        return self.tracker.lookup(message) is not None

    def live_messages(self, platform: str) -> list[MessageRef]:
        return self.tracker.live(platform)

    async def reaction_changed(self, event: ReactionChanged) -> None:
        if event.user.is_bot:
            return
        tracked = self.tracker.lookup(event.message)
        key = canonical(event.emoji)
        if tracked is None or key is None:
            return
        if key != event.emoji:
            event = ReactionChanged(event.message, event.user, key, event.added, event.at)
        # As it arrives, before its handler awaits anything: a reading of the card in flight
        # is older than it for this person and emoji.
        self.tracker.readings.seen(event.message.key, event.user, key, event.added)
        handler = self._listeners.get(("reaction", f"{tracked.cog}:{tracked.kind}"))
        if handler:
            await self._safe(handler(event, tracked.object_id), f"reaction on {event.message.key}")

    async def reconcile(self, adapter: Adapter, where: Callable[[MessageRef], bool] | None = None,
                        at_once: int = RECONCILE_AT_ONCE) -> None:
        """Re-read the reactions of the adapter's live cards (those `where` picks) so choices
        made while the bot was away count; `at_once` objects read at a time (what the
        platform's rate limits allow). The cards of one object come to its cog together
        (bot/rereading.py)."""

        async def deliver(read: Read) -> None:
            handler = self._listeners.get(("reconcile", f"{read.cog}:{read.kind}"))
            # A card no longer tracked by the time it was read (its event cancelled, say) says nothing.
            readings = {m: r for m, r in read.readings.items() if self.tracker.lookup(m) is not None}
            if handler and readings:
                await self._safe(handler(read.object_id, readings, read.whole),
                                 f"reconcile {', '.join(m.key for m in readings)}")

        await reread(adapter, self.tracker, where, at_once, deliver, self.message_gone)

    async def message_gone(self, message: MessageRef) -> None:
        """A tracked card was deleted or redacted on the platform (by a moderator, say): it
        is not edited again and is no longer read at start; `event show` and the like post a
        fresh one. What its reactions said stays with the cog: only the person who reacted
        takes an answer back (events keep it until they change it on a live card)."""
        if self.tracker.lookup(message) is None:
            return
        self.cards.drop(message.key)
        await self.tracker.drop(message)
        log.info("card %s was removed on the platform; no longer tracking it", message.key)

    # --- people's chat messages (bot/chat.py) -------------------------------------------------

    async def message_seen(self, event: MessageSeen) -> None:
        await self._chat.seen(event)

    async def message_edited(self, event: MessageEdited) -> None:
        await self._chat.edited(event)

    async def message_deleted(self, event: MessageDeleted) -> None:
        await self._chat.deleted(event)

    async def _safe(self, aw: Awaitable[Any], what: str) -> None:
        """An exception in one handler is logged and never takes the bot down."""
        try:
            await aw
        except StorageUnavailable as e:  # read again once it is back (Bot.database_back)
            log.warning("%s: %s", what, e)
        except Exception:
            log.exception("%s failed", what)
