"""What a platform offers the core, and what the core offers a platform.

A platform package declares a `Platform` (its config section, how to read it, whether it
can start, how to make its adapter) and registers it as an entry point (`bot.plugins`).
Its adapter is owned by the Bot (`bot.add_adapter`), translates platform events into calls
on the `AdapterHost` and renders neutral output. It never subclasses the bot and never
imports a cog or another adapter.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

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
from .render import Out
from .settings import SettingSpec

if TYPE_CHECKING:
    from .clock import Clock
    from .commands import CommandRegistry, CommandSpec
    from .context import Context, Responder
    from .metrics import Metrics
    from .settings import Settings
    from .storage import Database


@dataclass(frozen=True, slots=True)
class Capabilities:
    buttons: bool = False
    ephemeral: bool = False
    # Live-card edits allowed per channel per window (what the platform tolerates).
    edits_per_window: int = 5
    edit_window_s: float = 5.0
    max_reactions: int = 20
    # How users type commands here ("/" for slash commands); "" means the bot's text prefix.
    command_prefix: str = ""
    # The bot can send a person a direct message (`Adapter.send_dm`).
    direct_messages: bool = False
    # A poll card's `choices` are also shown as the platform's own poll, whose votes arrive
    # as the card's number reactions.
    native_polls: bool = False
    # Native surfaces (bot/surfaces.py): the platform's own event list, threads under a
    # message, roles handed out by the bot.
    listings: bool = False
    threads: bool = False
    roles: bool = False
    # How people call the platform (its product name): said beside names and channels of linked spaces.
    label: str = ""
    # Every command is owed a private answer (or the platform answers it itself): one the
    # flood limit refuses is told so each time, not only once in a while.
    answer_every_command: bool = False


class DeliveryRefused(RuntimeError):
    """The platform refused a post (e.g. a missing permission). The message is a sentence
    for moderators; the bot answers with it instead of a generic error."""


class DestinationGone(DeliveryRefused):
    """The channel (or space) a post was for is no longer there: no later try can reach it."""


class DestinationClosed(DeliveryRefused):
    """The channel is there but closed to the bot's posts for now (a thread a moderator
    locked): kept, since it may reopen; a later try may reach it, and nobody is told."""


class DeliveryFailed(RuntimeError):
    """A direct message that did not go through this time for a reason that may pass (the
    platform's own trouble, a rate limit its client gave up on, the network): unlike a
    refusal, it says nothing about whether the person accepts direct messages."""


class NotServedHere(RuntimeError):
    """A direct message this process cannot even try: the person's platform runs in another
    process (a cluster), or not at all now. It says nothing about the person: not a refusal."""


@runtime_checkable
class Adapter(Protocol):
    platform: str
    capabilities: Capabilities

    def attach(self, bot: AdapterHost) -> None:
        """Called once by `Bot.add_adapter`."""

    def connected(self) -> bool:
        """Whether the platform is reachable right now (for /healthz)."""

    async def start(self) -> None:
        """Connect; return when ready (or raise)."""

    async def stop(self) -> None:
        """Disconnect; idempotent."""

    async def send(self, channel: ChannelRef, out: Out, *,
                   idempotency_key: str | None = None) -> MessageRef:
        """Post a message. With a key, posting the same key twice yields one message.
        A Card's `reactions` are seeded by the adapter after sending."""

    async def edit(self, message: MessageRef, out: Out) -> None:
        """Replace a message's content (a live card). `DeliveryRefused` when the platform
        refuses it for good (no right to edit there): the card is then edited no more."""

    async def send_dm(self, user: UserRef, out: Out, *,
                      idempotency_key: str | None = None) -> MessageRef | None:
        """A direct message; None where the platform refuses it for this person (they do not
        accept direct messages from the bot, or there is no such person): the bot stops
        trying until they ask again. Raises `DeliveryFailed` when it failed only this time.
        With a key, as `send`: the same key twice is one message."""

    async def fetch_reactions(self, message: MessageRef) -> Mapping[str, Sequence[UserRef]] | None:
        """Current reactions of a message (emoji -> users), for reconciliation; None if gone."""


@runtime_checkable
class FindsOwnPosts(Protocol):
    """Optional: an adapter whose platform holds an idempotency key only a while (shorter than
    a job may wait for its re-run after a crash) but lets the bot read back what it posted. A
    job's keyed send that may have reached the platform before (its job was claimed before) is
    then looked for, not left to the key. Without it the key is all there is ("cannot tell")."""

    def post_mark(self, out: Out) -> str | None:
        """Taken just before a job's keyed send, and kept by the core until the job is done:
        what will recognise this post later (a hash of `out` as rendered here, the platform's
        time now). Never the text itself. None: this post could not be recognised."""

    async def send_again(self, where: ChannelRef | UserRef, out: Out, key: str, marks: Sequence[str],
                         made: MessageRef | None) -> MessageRef | None:
        """Send `out` under `key` again where tries that began at `marks` (one a try, each of
        what it rendered then) may have posted it longer ago than the platform holds the key:
        what of it is there already is not posted again: `made`, the first message a try is
        known to have made (however edited since), then the bot's messages with the content of
        a mark since its time. The first message, as `send`/`send_dm` return it (None: a DM the
        platform refuses)."""


@runtime_checkable
class NamesSpaces(Protocol):
    """Optional: an adapter that knows what a space is called (a server's name, a room's), for
    what the bot names after it (the space's calendar feed)."""

    def space_name(self, space_id: str) -> str | None:
        """The name the space's members see, or None where it is not known in this process."""


@runtime_checkable
class TakesBackReactions(Protocol):
    """Optional: an adapter that can take the bot's own reaction off a message, for a card that
    no longer asks for one it was seeded with (a card's `reactions` are only added on edit)."""

    async def take_back_own_reaction(self, message: MessageRef, emoji: str) -> None:
        """Take the bot's `emoji` off `message` (nothing when it is not there) and forget it was
        added, so a later edit asking for it again adds it again. Raises when the platform refused."""


@runtime_checkable
class Partitioned(Protocol):
    """An adapter that serves only some of its platform's spaces in this process (others
    run the rest): the scheduler arms only their jobs here."""

    def serves(self, space_id: str) -> bool: ...


class AdapterHost(Protocol):
    """The core as an adapter sees it."""

    db: Database
    clock: Clock
    prefix: str
    commands: CommandRegistry
    metrics: Metrics
    settings: Settings  # an adapter may register settings of its own surfaces

    async def run_text_command(self, adapter: Adapter, text: str, *, user: UserRef,
                               channel: ChannelRef, is_moderator: bool,
                               responder: Responder) -> None: ...

    async def run_command(self, spec: CommandSpec, raw: Mapping[str, Any], ctx: Context) -> None: ...

    async def suggest(self, adapter: Adapter, spec: CommandSpec, option: str, typed: str,
                      given: Mapping[str, str], *, user: UserRef, channel: ChannelRef,
                      is_moderator: bool) -> list[tuple[str, str]]:
        """(label, value) pairs to offer while `option` is typed, `given` the other options'
        values so far; [] when there are none, the person types too fast or it failed."""

    def command_context(self, adapter: Adapter, user: UserRef, channel: ChannelRef,
                        is_moderator: bool, responder: Responder) -> Context: ...

    async def action_invoked(self, event: ActionInvoked, ctx: Context) -> None: ...

    async def reaction_changed(self, event: ReactionChanged) -> None: ...

    async def message_seen(self, event: MessageSeen) -> None: ...

    async def message_edited(self, event: MessageEdited) -> None:
        """A person changed the content of a chat message (not a link's preview appearing,
        nor a pin: those change no content and are not reported)."""

    async def message_deleted(self, event: MessageDeleted) -> None:
        """A chat message was deleted or redacted on the platform (a bot's tracked card goes
        to `message_gone` instead)."""

    async def message_gone(self, message: MessageRef) -> None: ...

    def is_tracked(self, message: MessageRef) -> bool: ...

    async def reconcile(self, adapter: Adapter, where: Callable[[MessageRef], bool] | None = None,
                        at_once: int = ...) -> None: ...

    async def timezone(self, space: SpaceRef) -> ZoneInfo: ...

    async def listing_interest_changed(self, space: SpaceRef, native_id: str, count: int | None) -> None:
        """See bot/surfaces.py (SurfaceHost)."""

    async def settle(self) -> None:
        """Wait until the live-card edits set off so far are sent."""

    async def advance(self, delta: timedelta,
                      moved: Callable[[datetime], Awaitable[None]] | None = None) -> None:
        """Move a manual clock on; whatever falls due meanwhile runs at its own time, and
        `moved` hears of each time the clock is moved to, before anything happens at it."""


@dataclass(frozen=True, slots=True)
class Platform:
    """A platform package's declaration (its module's `PLATFORM`), found through the
    `logoff.platforms` entry point."""

    section: str  # the config file's [section], also the platform's name in refs
    parse: Callable[[Mapping[str, Any]], Any]  # the section -> its config; ConfigError naming the key
    readiness: Callable[[Any], tuple[bool, str]]  # (can start, why): are its secrets set?
    create: Callable[[Any], Adapter]
    # Settings only this platform acts on. They are known in every space, whichever
    # platforms run, so a space elsewhere is told they do not apply rather than that
    # they do not exist.
    settings: tuple[SettingSpec, ...] = ()
    # What its adapter offers (the adapter's own `capabilities`), known without starting it,
    # so a space elsewhere is told on which platform a setting that needs one applies.
    capabilities: Capabilities | None = None
