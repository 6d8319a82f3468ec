"""What the FakeAdapter records of each message the bot sent: its text as a person would see
it, its edits, and whether it was deleted; and finding what it sent."""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import MessageRef, UserRef
from .render import Attachment, Card, Out


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


class SentLog:
    """Finding what the FakeAdapter sent (a part of it)."""

    messages: dict[str, Sent]
    log: list[Sent]

    def _ref(self, message: str | Sent | MessageRef) -> MessageRef:
        if isinstance(message, MessageRef):
            return message
        if isinstance(message, Sent):
            return message.ref
        if message == "last":
            return self.last().ref
        return self.messages[message].ref

    def last(self, *, public: bool = True) -> Sent:
        for sent in reversed(self.log):
            if not (public and sent.ephemeral):
                return sent
        raise LookupError("no message yet")

    def cards(self) -> list[Sent]:
        return [s for s in self.log if isinstance(s.out, Card)]

    def files(self) -> list[Sent]:
        return [s for s in self.log if isinstance(s.out, Attachment)]

    def containing(self, needle: str) -> list[Sent]:
        return [s for s in self.log if needle in s.text]
