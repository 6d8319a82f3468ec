"""The rows of the adapter's own tables (store.py, poll_store.py, inbox_store.py), as values."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .inbound import RoomCreate, obj


@dataclass(frozen=True, slots=True)
class StoredReaction:
    event_id: str
    room_id: str
    target: str
    sender: str
    key: str


@dataclass(frozen=True, slots=True)
class NativePoll:
    start_id: str
    room_id: str
    card_id: str
    answers: int
    max_selections: int
    state: str = "open"
    ref: str = ""  # the card's "#12" (empty for a poll started before it was kept)
    since: float | None = None  # while `ending`: when (epoch seconds) its end was first tried
    closes: float | None = None  # its card's deadline (epoch seconds): responses after it are void


@dataclass(frozen=True, slots=True)
class NativeVote:
    """A person's latest response to a native poll: the answers it counts for (1-based;
    none for a withdrawn or spoiled one)."""

    sender: str
    response_id: str
    ts: float
    answers: tuple[int, ...]


VoteTaken = tuple[set[str], set[str]]


def vote_event_id(response_id: str, answer: int) -> str:
    return f"{response_id}#{answer}"


POLL_COLS = "start_id, room_id, card_id, answers, max_selections, state, ref, ending_since, closes_at"


def answers_text(answers: Iterable[int]) -> str:
    return ",".join(str(a) for a in answers)


def answers_of(text: str) -> tuple[int, ...]:
    return tuple(int(a) for a in text.split(",") if a.isdigit())


def keys_of(c: sqlite3.Connection, target: str, sender: str) -> set[str]:
    return {r[0] for r in c.execute(
        "SELECT key FROM matrix_reactions WHERE target=? AND sender=?", (target, sender))}


@dataclass(frozen=True, slots=True)
class RoomState:
    """What of a room's state says who is a moderator, as the room's lane reached it: the
    power levels (only the keys read) and the creation (v12+ creators outrank everyone)."""

    power_levels: Mapping[str, Any]
    create: RoomCreate | None

    def columns(self) -> tuple[str, str | None]:
        levels = {k: self.power_levels[k] for k in _LEVELS_READ if k in self.power_levels}
        create = self.create
        made = None if create is None else {"version": create.version, "creators": sorted(create.creators)}
        return json.dumps(levels), None if made is None else json.dumps(made)

    @classmethod
    def from_columns(cls, levels: str, made: str | None) -> RoomState:
        creation = obj(json.loads(made)) if made else None
        create = None
        if creation is not None:
            creators = creation.get("creators")
            create = RoomCreate(str(creation.get("version", "1")), frozenset(
                c for c in (creators if isinstance(creators, list) else []) if isinstance(c, str)))
        return cls(obj(json.loads(levels)), create)


_LEVELS_READ = ("users", "users_default", "redact")
