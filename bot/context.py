"""The context of one command invocation or button press."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from .commandspec import CommandSpec, UsageStyle
from .model import ChannelRef, MessageRef, SpaceRef, UserRef
from .render import Out, warning

if TYPE_CHECKING:
    from .adapter import Adapter
    from .clock import Clock

# (out, ephemeral) -> the sent message, when there is one to refer to
Responder = Callable[[Out, bool], Awaitable[MessageRef | None]]


class Refusal(Exception):
    """Raised by a cog to refuse: the message is a sentence saying what to do instead.
    Dispatch answers it with the `⚠️` reply; a cog raises it before it writes anything."""


class ContextHost(Protocol):
    clock: Clock

    async def timezone(self, space: SpaceRef) -> ZoneInfo: ...


@dataclass(slots=True)
class Context:
    bot: ContextHost
    adapter: Adapter
    user: UserRef
    channel: ChannelRef
    is_moderator: bool
    responder: Responder
    prefix: str = "!"
    replied: bool = False
    # Typed as a line of text, whose words the parser split into values (a slash command's come
    # in fields of their own), and the options whose value began with a quote there: a cog may
    # read words the user did not group as having run on from one value into the next.
    typed: bool = False
    quoted: frozenset[str] = frozenset()

    @property
    def space(self) -> SpaceRef:
        return self.channel.space

    @property
    def now(self) -> datetime:
        return self.bot.clock.now()

    async def timezone(self) -> ZoneInfo:
        return await self.bot.timezone(self.space)

    @property
    def usage_style(self) -> UsageStyle:
        # A platform with a command prefix of its own takes commands in its own form (slash
        # commands), as `prefix` follows it; the rest take them as text messages.
        return "slash" if self.adapter.capabilities.command_prefix else "text"

    def usage(self, spec: CommandSpec) -> str:
        """`spec`'s usage line as commands are written here."""
        return spec.usage(self.prefix, self.usage_style)

    async def reply(self, out: Out, *, ephemeral: bool = False) -> MessageRef | None:
        self.replied = True
        return await self.responder(out, ephemeral)

    async def warn(self, message: str) -> None:
        """A refusal: starts with ⚠️, says what to do instead, changes nothing."""
        await self.reply(warning(message), ephemeral=True)
