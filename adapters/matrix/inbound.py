"""The shapes of the Matrix events the adapter reads, checked once at the boundary.

A homeserver passes on whatever JSON a client put in an event's content: a
`m.relates_to` that is a list or a string, a `body` that is a number, `unsigned` that
is not an object. Each reader here takes the raw event and returns a small typed value,
or None when the event is not one the bot acts on. A malformed relation is treated as
absent, so a command whose relation is broken is still a command. Nothing here raises
on any JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.emoji import canonical


def obj(value: object) -> Mapping[str, Any]:
    """`value` if it is a JSON object, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def sources(events: Sequence[Any]) -> list[dict[str, Any]]:
    """The raw JSON of the client library's parsed events (it keeps it, whatever it made of it)."""
    return [src for ev in events if isinstance(src := getattr(ev, "source", None), dict)]


@dataclass(frozen=True, slots=True)
class Envelope:
    """What every event the bot acts on must have."""

    event_id: str
    type: str
    sender: str
    content: Mapping[str, Any]
    ts_ms: float | None


def moment(ev: Envelope) -> datetime | None:
    """When the homeserver says it was sent; None for a stamp no calendar holds."""
    if ev.ts_ms is None:
        return None
    try:
        return datetime.fromtimestamp(ev.ts_ms / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def envelope(src: object) -> Envelope | None:
    src = obj(src)
    event_id, kind, sender = text(src.get("event_id")), text(src.get("type")), text(src.get("sender"))
    if not event_id or not kind or not sender:
        return None
    ts = src.get("origin_server_ts")
    # JSON integers have no bound; a timestamp past 2**53 ms is no moment anyway.
    ts_ms = None
    if isinstance(ts, int | float) and not isinstance(ts, bool) and abs(ts) < 2**53:
        ts_ms = float(ts)
    return Envelope(event_id, kind, sender, obj(src.get("content")), ts_ms)


@dataclass(frozen=True, slots=True)
class Relation:
    rel_type: str | None = None
    event_id: str | None = None
    key: str | None = None
    in_reply_to: str | None = None


def relation(content: Mapping[str, Any]) -> Relation:
    rel = obj(content.get("m.relates_to"))
    return Relation(text(rel.get("rel_type")), text(rel.get("event_id")), text(rel.get("key")),
                    text(obj(rel.get("m.in_reply_to")).get("event_id")))


@dataclass(frozen=True, slots=True)
class TextMessage:
    body: str
    in_reply_to: str | None
    thread: str | None = None  # the root of the thread it was typed in


def text_message(ev: Envelope) -> TextMessage | None:
    """An `m.text` a person typed; None for notices (other bots), edits and the rest."""
    if ev.type != "m.room.message" or ev.content.get("msgtype") != "m.text":
        return None
    body = text(ev.content.get("body"))
    rel = relation(ev.content)
    if body is None or rel.rel_type == "m.replace":
        return None
    return TextMessage(body, rel.in_reply_to, rel.event_id if rel.rel_type == "m.thread" else None)


@dataclass(frozen=True, slots=True)
class Edit:
    target: str  # the message replaced: always the original, also for an edit of an edit
    body: str


def edit(ev: Envelope) -> Edit | None:
    """A replacement (`m.replace`) that leaves an `m.text`: its new text is `m.new_content`'s
    (the event's own body, "* ...", is only for clients that show no edits)."""
    if ev.type != "m.room.message":
        return None
    rel = relation(ev.content)
    new = obj(ev.content.get("m.new_content"))
    body = text(new.get("body"))
    if rel.rel_type != "m.replace" or not rel.event_id or body is None or new.get("msgtype") != "m.text":
        return None
    return Edit(rel.event_id, body)


@dataclass(frozen=True, slots=True)
class Reaction:
    target: str
    key: str  # canonical (bot.emoji)


def reaction(ev: Envelope) -> Reaction | None:
    if ev.type != "m.reaction":
        return None
    rel = relation(ev.content)
    key = canonical(rel.key) if rel.key is not None else None
    if rel.rel_type != "m.annotation" or not rel.event_id or key is None:
        return None
    return Reaction(rel.event_id, key)


# A native poll's response: the unstable names Element sends, and the stable ones newer
# clients (matrix-js-sdk) accept; answers under the event's own key, or as `m.selections`.
POLL_RESPONSE_TYPES = ("org.matrix.msc3381.poll.response", "m.poll.response")
_ANSWER_BLOCKS = ("org.matrix.msc3381.poll.response", "m.poll.response")
_SELECTION_BLOCKS = ("m.selections", "org.matrix.msc3381.v2.selections")


@dataclass(frozen=True, slots=True)
class PollResponse:
    start: str  # the poll start event it answers
    answers: tuple[str | None, ...]  # as sent; None for an entry that is not a string


def poll_response(ev: Envelope) -> PollResponse | None:
    """A response relating to a poll start; None without one. Answers that are no list (or
    none at all) are one entry that is no answer: MSC3381 counts a person's latest response
    even when it is invalid, spoiled (for nothing), as Element does (polls.py)."""
    if ev.type not in POLL_RESPONSE_TYPES:
        return None
    rel = relation(ev.content)
    if rel.rel_type != "m.reference" or not rel.event_id:
        return None
    answers: object = None
    for block in _ANSWER_BLOCKS:
        if block in ev.content:
            answers = obj(ev.content[block]).get("answers")
            break
    else:
        for block in _SELECTION_BLOCKS:
            if block in ev.content:
                answers = ev.content[block]
                break
    if not isinstance(answers, list):
        return PollResponse(rel.event_id, (None,))
    return PollResponse(rel.event_id, tuple(text(a) for a in answers))


POLL_END_TYPES = ("org.matrix.msc3381.poll.end", "m.poll.end")


def poll_end(ev: Envelope) -> str | None:
    """The poll start an end event closes; None for anything else."""
    if ev.type not in POLL_END_TYPES:
        return None
    rel = relation(ev.content)
    return rel.event_id if rel.rel_type == "m.reference" and rel.event_id else None


def redacted(src: object, ev: Envelope) -> str | None:
    """The event a redaction takes back (top level before room v11, content since)."""
    if ev.type != "m.room.redaction":
        return None
    return text(obj(src).get("redacts")) or text(ev.content.get("redacts"))


# --- state the adapter keeps track of -------------------------------------------------------


def is_join_of(src: object, user_id: str) -> bool:
    """A real join of `user_id` (a display-name change is a join->join member event too)."""
    src = obj(src)
    prev = obj(obj(obj(src.get("unsigned")).get("prev_content"))).get("membership")
    return (src.get("type") == "m.room.member" and src.get("state_key") == user_id
            and obj(src.get("content")).get("membership") == "join" and prev != "join")


def member_name(src: object) -> tuple[str, str | None] | None:
    """(user, the name nio shows for them: the display name or else the user ID; None once
    they are neither joined nor invited) of a member event; None for any other event."""
    src = obj(src)
    user_id = text(src.get("state_key"))
    if src.get("type") != "m.room.member" or user_id is None:
        return None
    content = obj(src.get("content"))
    if content.get("membership") not in ("join", "invite"):
        return user_id, None
    return user_id, text(content.get("displayname")) or user_id


def member_name_before(src: object, kept: bool = False) -> tuple[str | None] | None:
    """The name nio showed for a member event's user before it (its `prev_content`), as
    `member_name` gives it; None when not known: an inbox row (`kept`) written without it."""
    src = obj(src)
    prev = obj(obj(obj(src.get("unsigned")).get("prev_content")))
    if prev.get("membership") not in ("join", "invite"):
        return (None,)
    if kept and "displayname" not in prev:
        return None
    return (text(prev.get("displayname")) or text(src.get("state_key")),)


@dataclass(frozen=True, slots=True)
class RoomCreate:
    version: str
    creators: frozenset[str]


def state_event(src: object) -> tuple[str, Mapping[str, Any]] | None:
    """(type, content) of a room-wide state event (empty state key)."""
    src = obj(src)
    kind = text(src.get("type"))
    if kind is None or src.get("state_key") != "":
        return None
    return kind, obj(src.get("content"))


def room_create(src: object, content: Mapping[str, Any]) -> RoomCreate:
    creators = {s for s in (text(obj(src).get("sender")),) if s}
    extra = content.get("additional_creators")
    if isinstance(extra, list):
        creators.update(x for x in extra if isinstance(x, str))
    version = content.get("room_version", "1")
    return RoomCreate(version if isinstance(version, str) else "1", frozenset(creators))


def power_level(levels: Mapping[str, Any], user_id: str) -> int:
    """A user's level from m.room.power_levels content; malformed values count as 0."""
    return as_level(obj(levels.get("users")).get(user_id, levels.get("users_default", 0)))


def as_level(value: object, default: int = 0) -> int:
    """A power level as JSON gives it (a number, or a string of one in old rooms)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return default
    try:
        return int(value)
    except (ValueError, OverflowError):
        return default
