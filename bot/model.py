"""Platform-neutral references and inbound events.

A reference is stored as "platform:id" so one table serves every platform; the
display name rides along but never takes part in equality.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class UserRef:
    platform: str
    id: str
    name: str = field(default="", compare=False, hash=False)
    is_bot: bool = field(default=False, compare=False, hash=False)

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.id}"

    @property
    def display(self) -> str:
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class SpaceRef:
    """A community: a server, a room, the console: whatever the platform calls one."""

    platform: str
    id: str

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.id}"

    @staticmethod
    def from_key(key: str) -> SpaceRef:
        platform, _, ident = key.partition(":")
        return SpaceRef(platform, ident)


@dataclass(frozen=True, slots=True)
class ChannelRef:
    platform: str
    id: str
    space_id: str = ""

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.id}"

    @property
    def space(self) -> SpaceRef:
        return SpaceRef(self.platform, self.space_id or self.id)


@dataclass(frozen=True, slots=True)
class MessageRef:
    platform: str
    channel_id: str
    id: str
    space_id: str = ""

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.id}"

    @property
    def channel(self) -> ChannelRef:
        return ChannelRef(self.platform, self.channel_id, self.space_id)


def user_from_key(key: str, name: str = "") -> UserRef:
    platform, _, ident = key.partition(":")
    return UserRef(platform, ident, name)


# --- inbound events -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReactionChanged:
    message: MessageRef
    user: UserRef
    emoji: str
    added: bool
    # When it was made, where the platform says and it may arrive long after (one made while
    # the bot was away); None: it was made as it arrived.
    at: datetime | None = None

    def made(self, now: datetime) -> datetime:
        """When it counts as made: a platform's clock ahead of the bot's is not believed."""
        return now if self.at is None else min(self.at, now)


@dataclass(frozen=True, slots=True)
class ActionInvoked:
    """A button press (or any platform action) carrying the action id the cog chose."""

    message: MessageRef
    user: UserRef
    action_id: str


@dataclass(frozen=True, slots=True)
class MessageSeen:
    """Metadata of a chat message. `text` lives only in memory and only where the
    platform gives it; cogs must never store it."""

    channel: ChannelRef
    author: UserRef
    at: datetime
    message_id: str
    reply_to_user: UserRef | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class MessageEdited:
    """A chat message its author changed. `text` is the new text, with the same rules as
    `MessageSeen.text`: only in memory, only where the platform gives it, never stored."""

    channel: ChannelRef
    author: UserRef
    message_id: str
    text: str | None = None


@dataclass(frozen=True, slots=True)
class MessageDeleted:
    """A chat message taken away on the platform, by its author or a moderator."""

    channel: ChannelRef
    message_id: str
