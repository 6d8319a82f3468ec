"""What the FakeAdapter records of each message the bot sent: its text as a person would see
it, its edits, and whether it was deleted."""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import MessageRef, UserRef
from .render import Card, Out


@dataclass(slots=True)
class Sent:
    ref: MessageRef
    out: Out
    text: str
    key: str | None = None
    ephemeral: bool = False
    to_user: UserRef | None = None
    reply_to: UserRef | None = None
    edits: int = 0
    history: list[str] = field(default_factory=list)
    deleted: bool = False
    edits_after_delete: int = 0  # a platform would refuse these

    @property
    def id(self) -> str:
        return self.ref.id

    @property
    def card(self) -> Card:
        assert isinstance(self.out, Card), f"{self.id} is not a card: {self.text}"
        return self.out

    def __contains__(self, needle: str) -> bool:
        return needle in self.text
