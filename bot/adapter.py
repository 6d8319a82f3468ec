"""What a platform adapter offers the core, and what the core tells it it can use.

An adapter is owned by the Bot (`bot.add_adapter`), translates platform events into
calls on the Bot (`run_text_command`, `run_command`, `reaction_changed`,
`action_invoked`, `message_seen`, `reconcile_reactions`) and renders neutral output.
It never subclasses the bot and never imports a cog or another adapter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from .model import ChannelRef, MessageRef, UserRef
from .render import Out

if TYPE_CHECKING:
    from .app import Bot


@dataclass(frozen=True, slots=True)
class Capabilities:
    buttons: bool = False
    reactions: bool = True
    ephemeral: bool = False
    dm: bool = False
    threads: bool = False
    native_polls: bool = False
    # Live-card edits allowed per channel per window (Discord: about 5 per 5 s).
    edits_per_window: int = 5
    edit_window_s: float = 5.0
    max_reactions: int = 20
    # How users type commands here; "" means the bot's text prefix (Discord: "/").
    command_prefix: str = ""


class DeliveryRefused(RuntimeError):
    """The platform refused a post (e.g. a missing permission). The message is a sentence
    for moderators; the bot answers with it instead of a generic error."""


@runtime_checkable
class Adapter(Protocol):
    platform: str
    capabilities: Capabilities

    def attach(self, bot: Bot) -> None:
        """Called once by `Bot.add_adapter`."""

    async def start(self) -> None:
        """Connect; return when ready (or raise)."""

    async def stop(self) -> None:
        """Disconnect; idempotent."""

    async def send(self, channel: ChannelRef, out: Out, *,
                   idempotency_key: str | None = None) -> MessageRef:
        """Post a message. With a key, posting the same key twice yields one message.
        A Card's `reactions` are seeded by the adapter after sending."""

    async def edit(self, message: MessageRef, out: Out) -> None:
        """Replace a message's content (a live card)."""

    async def send_dm(self, user: UserRef, out: Out) -> MessageRef | None:
        """A direct message, or None where not possible/allowed."""

    async def fetch_reactions(self, message: MessageRef) -> Mapping[str, Sequence[UserRef]] | None:
        """Current reactions of a message (emoji -> users), for reconciliation; None if gone."""
