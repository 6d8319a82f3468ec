"""What a feature (a cog) is, what it may declare, and what the core offers it.

A cog declares commands (`bot.commands.command`), listeners (the decorators below),
settings, job kinds and migrations; the Bot collects them at start and raises on any
clash between cogs. A cog sees the core only through `CogHost`, and another cog only
through a typed service the other one provides (`provide` / `service`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from .model import ChannelRef, MessageRef, SpaceRef, UserRef
from .render import Out
from .storage import Database, Migration

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from .adapter import Capabilities
    from .clock import Clock
    from .commands import CommandRegistry
    from .metrics import Metrics
    from .scheduler import Scheduler
    from .settings import Settings
    from .surfaces import InterestHandler, Listings, Roles, Threads
    from .web import WebHost

S = TypeVar("S")
F = TypeVar("F", bound=Callable[..., Any])

LISTENER_ATTR = "__logoff_listener__"


class CogHost(Protocol):
    """The core as a cog sees it."""

    db: Database
    settings: Settings
    scheduler: Scheduler
    clock: Clock
    commands: CommandRegistry
    metrics: Metrics
    web: WebHost

    async def send(self, channel: ChannelRef, out: Out, *,
                   idempotency_key: str | None = None) -> MessageRef: ...

    async def edit(self, message: MessageRef, out: Out) -> None: ...

    # None: the platform refuses it for this person (closed DMs); raises: failed only this time,
    # or NotServedHere (bot.adapter): their platform is not in this process, so nothing was tried.
    # A key as `send`'s: the same key twice is one message.
    async def send_dm(self, user: UserRef, out: Out, *,
                      idempotency_key: str | None = None) -> MessageRef | None: ...

    async def take_back_own_reaction(self, message: MessageRef, emoji: str) -> None:
        """Best effort: the bot's own `emoji` off a card that stopped asking for it (where the
        platform can do that); a failure is logged, never raised."""

    # A job about to send these keyed DMs (or to reply with what a re-run sends under a key):
    # the core marks them all in one write (bot/resend.py).
    async def mark_sends(self, sends: Sequence[tuple[ChannelRef | UserRef, Out, str]]) -> None: ...

    async def track(self, message: MessageRef, cog: str, kind: str, object_id: int) -> None: ...

    # With a `card`: only that message of the object (Tracker.untrack).
    async def untrack(self, cog: str, kind: str, object_id: int, *, durably: bool = True,
                      card: MessageRef | None = None) -> None: ...

    def tracked_messages(self, cog: str, kind: str, object_id: int) -> list[MessageRef]: ...

    def refresh_card(self, message: MessageRef, render: Callable[[], Awaitable[Out]],
                     landed: Callable[[], Awaitable[None]] | None = None) -> None:
        """Edit the card soon; `landed` is awaited once the edit is on it (LiveCards.refresh)."""

    def capabilities(self, platform: str) -> Capabilities | None: ...

    # Whether the platform's adapter is still starting (its live cards not read since this start).
    def starting(self, platform: str) -> bool: ...

    # `listener(platform)` once the platform's adapter has finished starting (its cards read).
    def on_started(self, listener: Callable[[str], Awaitable[None]]) -> None: ...

    def prefix_for(self, platform: str) -> str: ...

    def space_name(self, space: SpaceRef) -> str | None: ...

    async def timezone(self, space: SpaceRef) -> ZoneInfo: ...

    async def add_cog(self, cog: Cog) -> None: ...

    def provide(self, kind: type[S], service: S, owner: str) -> None: ...

    def service(self, kind: type[S]) -> S | None: ...

    def config_summaries(self) -> list[Callable[[SpaceRef], Awaitable[list[str]]]]: ...

    def listings(self, platform: str) -> Listings | None: ...

    def threads(self, platform: str) -> Threads | None: ...

    def roles(self, platform: str) -> Roles | None: ...

    def on_listing_interest(self, handler: InterestHandler) -> None: ...


# --- listener declarations ----------------------------------------------------------------


def on_reaction(kind: str) -> Callable[[F], F]:
    """Reactions on messages this cog tracked with `kind`: handler(self, event, object_id)."""
    return _mark("reaction", kind)


def on_reconcile(kind: str) -> Callable[[F], F]:
    """When cards' reactions are read again (at start, after a gap, one card cleared in bulk):
    handler(self, object_id, {card: {emoji: [users]}}, whole) with the platform's truth for
    each card read; the object's cards read at one time come together. `whole`: every card
    this reading set out to read was read (False: one failed, so a reaction moved between
    cards may show on neither)."""
    return _mark("reconcile", kind)


def on_action(prefix: str) -> Callable[[F], F]:
    """Buttons whose action id is "<prefix>:<arg>": handler(self, ctx, event, arg). The
    prefix belongs to this cog; another cog declaring it is an error at start."""
    return _mark("action", prefix)


def on_message() -> Callable[[F], F]:
    """Every chat message's metadata: handler(self, event: MessageSeen)."""
    return _mark("message", "")


def on_message_edited() -> Callable[[F], F]:
    """A person's chat message changed on the platform: handler(self, event: MessageEdited).
    Its text is read again as edited, in memory only, as a MessageSeen's."""
    return _mark("message_edited", "")


def on_message_deleted() -> Callable[[F], F]:
    """A chat message deleted or redacted on the platform: handler(self, event: MessageDeleted).
    Whatever was made of it (a reading, a count) should be as if it had never been said."""
    return _mark("message_deleted", "")


def _mark(what: str, key: str) -> Callable[[F], F]:
    def deco(fn: F) -> F:
        setattr(fn, LISTENER_ATTR, (what, key))
        return fn

    return deco


class Cog:
    """A feature. Subclasses declare `name`, `migrations`, commands and listeners."""

    name: ClassVar[str] = ""
    migrations: ClassVar[Sequence[Migration]] = ()

    def __init__(self, bot: CogHost) -> None:
        self.bot = bot
        self.db = bot.db
        self.settings = bot.settings
        self.scheduler = bot.scheduler
        self.clock = bot.clock

    async def setup(self) -> None:
        """After migrations: register settings, job handlers and services."""

    async def started(self) -> None:
        """After every platform has connected: catch up with what changed there meanwhile."""

    async def stopping(self) -> None:
        """The platforms are closed and the database still open: keep what is only in memory."""

    async def config_summary(self, space: SpaceRef) -> list[str]:
        """Lines for `config show` about this cog's activity in a space."""
        return []
