"""The rows of the adapter's own tables (store.py, poll_store.py), as values."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass


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


@dataclass(frozen=True, slots=True)
class NativeVote:
    """A person's latest response to a native poll: the answers it counts for (1-based;
    none for a withdrawn or spoiled one)."""

    sender: str
    response_id: str
    ts: float
    answers: tuple[int, ...]


VoteTaken = tuple[set[str], set[str], tuple[int, ...]]


def vote_event_id(response_id: str, answer: int) -> str:
    return f"{response_id}#{answer}"


POLL_COLS = "start_id, room_id, card_id, answers, max_selections, state, ref"


def answers_text(answers: Iterable[int]) -> str:
    return ",".join(str(a) for a in answers)


def answers_of(text: str) -> tuple[int, ...]:
    return tuple(int(a) for a in text.split(",") if a.isdigit())


def keys_of(c: sqlite3.Connection, target: str, sender: str) -> set[str]:
    return {r[0] for r in c.execute(
        "SELECT key FROM matrix_reactions WHERE target=? AND sender=?", (target, sender))}
