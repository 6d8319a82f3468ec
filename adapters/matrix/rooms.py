"""What the adapter knows of its rooms: who is a moderator (power levels, and the
creators of v12+ rooms), display names, and who sent the messages people reply to.

Power levels and members are noted as each room's lane reaches them, so an event is judged
(and its sender named) by the room as it was at that event: nio takes a sync's state in as
the sync comes, ahead of events still queued. nio's members are asked only about those no
member event of whom has come through a lane. The power levels and creators each lane reached
are kept with the inbox (inbox_store.py), so the events left at a stop are judged by them after
a restart too.

A member is shown by their display name as one line, with their ID after it where another
member's name looks the same (`likeness`: more than Element's sameness, less than every
homoglyph), so that no one passes for someone else on a card and each can be named."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Mapping, Sequence
from fnmatch import fnmatchcase
from itertools import islice
from typing import Any

from nio import AsyncClient, MatrixRoom

from bot.model import UserRef

from . import inbound
from .rows import RoomState

PLATFORM = "matrix"
MODERATOR_LEVEL = 50
# Room versions in which the creators are not in the power-level map but outrank everyone.
_LEGACY_ROOM_VERSIONS = {str(v) for v in range(1, 12)}
MEMORY = 20_000
# Bidi embeddings, overrides and isolates: a name must not turn the text after it around.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# A name holding something like a user ID could pass for another's told-apart name
# ("Alice (@alice:example.org)"): it is told apart itself, as Element does.
_LIKE_AN_ID = re.compile(r"@\S+:\S")
# What a name looks like leaves out what draws nothing or next to nothing: format characters
# (zero-width spaces and joiners, direction marks), combining marks, control characters.
_UNSEEN = {"Cf", "Mn", "Me", "Cc"}
# Letters and symbols that draw a blank (Hangul and braille fillers, Khmer inherent vowels):
# "Alice\u3164" passes for Alice, and a name of only these shows nothing.
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5\u034f")
_ASCII_CONTROLS = {c: " " for c in [*range(0x20), 0x7f]}
_ASCII_UNSEEN = {c: None for c in [*range(0x21), 0x7f]}


class Rooms:
    def __init__(self, client: AsyncClient, puppets: Sequence[str] = ()) -> None:
        self.client = client
        self.puppets = tuple(puppets)  # glob patterns of bridge users (config.BRIDGE_PUPPETS)
        self._power: dict[str, Mapping[str, Any]] = {}  # room -> m.room.power_levels content
        self._creators: dict[str, inbound.RoomCreate] = {}
        self._senders: OrderedDict[str, str] = OrderedDict()  # event id -> sender, for replies
        # Messages passed on as a person's chat: only an edit or redaction of one of them is
        # chat changed (not of a notice, a command, or another bot's message).
        self._chat: OrderedDict[str, None] = OrderedDict()
        # room -> user -> the name shown (None: not a member), and how many show each lookalike.
        self._names: dict[str, dict[str, str | None]] = {}
        self._shown: dict[str, Counter[str]] = {}
        self._nio_looks: dict[str, _NioLooks] = {}
        self._unsaved: set[str] = set()  # rooms whose power levels or creators changed since kept

    def note_state(self, room_id: str, events: Sequence[dict[str, Any]]) -> None:
        for src in events:
            self.note_state_event(room_id, src)

    def note_state_event(self, room_id: str, src: dict[str, Any]) -> None:
        if (member := inbound.member_name(src)) is not None:
            self._note_name(room_id, *member)
            return
        state = inbound.state_event(src)
        if state is None:
            return
        kind, content = state
        if kind == "m.room.power_levels":
            self._power[room_id] = content
        elif kind == "m.room.create":
            self._creators[room_id] = inbound.room_create(src, content)
        else:
            return
        self._unsaved.add(room_id)

    def state_to_keep(self, room_id: str) -> RoomState | None:
        """The room's power levels and creators if they changed since last kept (and are
        known); `not_kept` puts them back when the write failed."""
        if room_id not in self._unsaved or (levels := self._power.get(room_id)) is None:
            return None
        self._unsaved.discard(room_id)
        return RoomState(levels, self._creators.get(room_id))

    def not_kept(self, room_id: str) -> None:
        self._unsaved.add(room_id)

    def restore(self, room_id: str, state: RoomState) -> None:
        """The state kept when the room's lane last handled a batch (at start, before the
        events left in the inbox)."""
        self._power[room_id] = state.power_levels
        if state.create is not None:
            self._creators[room_id] = state.create

    def is_moderator(self, room_id: str, user_id: str) -> bool:
        create = self._creators.get(room_id)
        if create and user_id in create.creators and create.version not in _LEGACY_ROOM_VERSIONS:
            return True  # room v12+: creators outrank every power level
        levels = self._power.get(room_id)
        if levels is None:
            room = self.client.rooms.get(room_id)
            return bool(room and room.power_levels.get_user_level(user_id) >= MODERATOR_LEVEL)
        return inbound.power_level(levels, user_id) >= MODERATOR_LEVEL

    def can_redact(self, room_id: str, user_id: str) -> bool:
        """May redact other people's events: the room's `redact` level (default 50)."""
        create = self._creators.get(room_id)
        if create and user_id in create.creators and create.version not in _LEGACY_ROOM_VERSIONS:
            return True
        levels = self._power.get(room_id)
        if levels is None:
            return self.is_moderator(room_id, user_id)
        needed = inbound.as_level(levels.get("redact"), MODERATOR_LEVEL)
        return inbound.power_level(levels, user_id) >= needed

    def note_names(self, room_id: str, names: Mapping[str, str | None]) -> None:
        """Members' names as of where the room's lane is (at start: the events left, leftover.py)."""
        for user_id, name in names.items():
            self._note_name(room_id, user_id, name)

    def _note_name(self, room_id: str, user_id: str, name: str | None) -> None:
        names = self._names.setdefault(room_id, {})
        shown = self._shown.setdefault(room_id, Counter())
        if (before := names.get(user_id)) is not None:
            shown[likeness(before)] -= 1
        if name is not None:
            name = shown_name(name, user_id)
            shown[likeness(name)] += 1
        names[user_id] = name

    def _name(self, room_id: str, user_id: str) -> str | None:
        """The member's display name, told apart by their ID where another's looks the same
        (`likeness`) or it holds an ID; None for someone not in the room."""
        names = self._names.get(room_id, {})
        if user_id in names:
            name = names[user_id]
            return None if name is None else _told_apart(name, user_id, self._shown[room_id][likeness(name)])
        room = self.client.rooms.get(room_id)
        if room is None or (member := room.users.get(user_id)) is None:
            return None
        # nio's own user_name tells apart only names that are the same to the letter.
        name = shown_name(member.display_name, user_id)
        looks = self._nio_looks.get(room_id)
        if looks is None or looks.room is not room:
            looks = self._nio_looks[room_id] = _NioLooks(room)
        return _told_apart(name, user_id, looks.alike(likeness(name)))

    def user(self, room_id: str, user_id: str, me: str) -> UserRef:
        name = self._name(room_id, user_id)
        # A bridge's puppet speaks for someone on another platform: the core ignores it like a
        # bot (its reactions and commands are echoes counted where they were made).
        is_bot = user_id == me or any(fnmatchcase(user_id, p) for p in self.puppets)
        return UserRef(PLATFORM, user_id, name or user_id[1:].split(":", 1)[0], is_bot=is_bot)

    def remember_sender(self, event_id: str, sender: str) -> None:
        if event_id:
            self._senders[event_id] = sender
            if len(self._senders) > MEMORY:
                self._senders.popitem(last=False)

    def sender_of(self, event_id: str | None) -> str | None:
        return self._senders.get(event_id) if event_id else None

    def remember_chat(self, event_id: str) -> None:
        self._chat[event_id] = None
        if len(self._chat) > MEMORY:
            self._chat.popitem(last=False)

    def was_chat(self, event_id: str) -> bool:
        return event_id in self._chat


class _NioLooks:
    """nio's members of a room by the likeness of their names. nio keeps the members showing
    each name (`MatrixRoom.names`: display name, or ID, -> user IDs, kept as members come, go
    and rename) and only ever adds names to it, so the names new since last asked are the last
    ones: each lookup works out the likeness of those alone, not of the whole room."""

    def __init__(self, room: MatrixRoom) -> None:
        self.room = room
        self._seen = 0
        self._names: dict[str, list[str]] = {}  # likeness -> nio's names of that likeness

    def alike(self, look: str) -> int:
        names = self.room.names
        if len(names) < self._seen:  # not as nio keeps it: start again
            self._seen, self._names = 0, {}
        for name in islice(reversed(names), len(names) - self._seen):
            self._names.setdefault(likeness(name), []).append(name)
        self._seen = len(names)
        return sum(len(names.get(name, ())) for name in self._names.get(look, ()))


def _told_apart(name: str, user_id: str, alike: int) -> str:
    """`alike`: how many members' names look like this one, theirs too."""
    if name != user_id and (alike > 1 or _LIKE_AN_ID.search(likeness(name))):
        return f"{name} ({user_id})"
    return name


def shown_name(display_name: str | None, user_id: str) -> str:
    """The name a member is shown by: their display name as one line, or their ID (as a
    client names someone without one) where that shows nothing."""
    name = one_line(display_name or "")
    return name if likeness(name) else user_id


def likeness(name: str) -> str:
    """What a name looks like, for telling apart people whose names look the same: case,
    width and accents folded (NFKD), and what draws nothing or next to nothing left out.
    Names that merely look alike cost only an ID after each; missed, one passes for another."""
    if name.isascii():  # as below, only sooner
        return name.translate(_ASCII_UNSEEN).lower()
    return "".join(c for c in unicodedata.normalize("NFKD", name).casefold() if not c.isspace()
                   and c not in _FILLERS and unicodedata.category(c) not in _UNSEEN)


def one_line(name: str) -> str:
    """A display name (anything a client put there) as a line of plain text: its line breaks
    and other control characters are spaces, so it draws no line of its own on a card."""
    if name.isascii():  # as below, only sooner
        return " ".join(name.translate(_ASCII_CONTROLS).split())
    name = _BIDI.sub("", name)
    return " ".join("".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
                            for c in name).split())
