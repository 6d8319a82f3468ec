"""Rendered lines within Discord's length limits, nobody lost from a count.

A line is either plain (one string) or a list (the items of a neutral list line,
`bot.render.list_line`, rendered). A list is broken or shortened only between items; a
shortened one ends in "and N more", N counting exactly the items left out plus those the list
already said were not shown. A message that can be several messages is split
between lines (and long lists between items) so nothing is dropped; only what must fit in one
place (an embed field, an edit) is shortened.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.bidi import closers
from bot.render import LIST_SEP, and_more

ELLIPSIS = "…"
SHORTEST = 16  # a plain line is clipped into no less room than this; below it, it is dropped


@dataclass(frozen=True, slots=True)
class Piece:
    """One rendered line; `items` is set for a list (`text` is then the items joined)."""

    text: str
    items: tuple[str, ...] = ()
    more: int = 0  # items the list already said were not shown

    @property
    def people(self) -> int:
        return len(self.items) + self.more


def list_piece(items: Sequence[str], more: int) -> Piece:
    """A list line from its rendered items and the number it says are not shown."""
    return Piece(LIST_SEP.join([*items, and_more(more)] if more else items), tuple(items), more)


def clip(s: str, limit: int) -> str:
    """Cut rendered markdown to `limit` without leaving a dangling escape or half a
    `<@id>`/`<t:…>` token, or an isolate or override open over what follows (bot/bidi.py)."""
    if len(s) <= limit:
        return s
    return _closed(s, limit - len(ELLIPSIS), _clip_at)[0] + ELLIPSIS


def _clip_at(s: str, room: int) -> int:
    cut = s[: max(0, room)]
    lt, gt = cut.rfind("<"), cut.rfind(">")
    if lt > gt:
        cut = cut[:lt]
    stripped = cut.rstrip("\\")
    if (len(cut) - len(stripped)) % 2:
        cut = cut[:-1]
    return len(cut)


def _closed(s: str, room: int, at: Callable[[str, int], int]) -> tuple[str, int]:
    """The start of `s` that `at` cuts within `room`, with what it leaves open closed, all
    within `room` (when it can be); and where it was cut."""
    reserve = 0
    while True:
        n = at(s, room - reserve)
        close = closers(s[:n])
        if len(close) <= reserve or room - len(close) < 1:
            return s[:n] + close, n
        reserve = len(close)


def clip_before(head: str, tail: str, limit: int) -> str:
    """`head` then `tail` within `limit`, only `head` clipped: a marker such as "#12" at the end
    of a title stays whole however long the escaped text before it has grown."""
    if not tail:
        return clip(head, limit)
    if not head:
        return clip(tail, limit)
    return clip(head, max(0, limit - len(tail) - 1)) + " " + tail


def shorten(piece: Piece, limit: int) -> str:
    """A list's first items that fit in `limit`, then "and N more" (N exact). The result is
    longer than `limit` only when even "and N more" alone is."""
    if len(piece.text) <= limit:
        return piece.text
    kept: list[str] = []
    size = 0
    for i, item in enumerate(piece.items):
        grown = size + len(item) + (len(LIST_SEP) if kept else 0)
        left = piece.people - i - 1
        tail = len(LIST_SEP) + len(and_more(left)) if left else 0
        if grown + tail > limit:
            break
        kept.append(item)
        size = grown
    left = piece.people - len(kept)
    return LIST_SEP.join([*kept, and_more(left)]) if left else LIST_SEP.join(kept)


def least(piece: Piece) -> int:
    """The fewest characters the line can be shown in without losing count."""
    if piece.items:
        return min(len(piece.text), len(and_more(piece.people)))
    return min(len(piece.text), SHORTEST)


def fit(pieces: Sequence[Piece], limit: int) -> str:
    """The lines in one place of at most `limit` characters: whole lines while they fit, then
    the next shortened (a list to "and N more"), then "…" for any line not shown."""
    joined = "\n".join(p.text for p in pieces)
    if len(joined) <= limit:
        return joined
    out: list[str] = []
    for k, piece in enumerate(pieces):
        later = k < len(pieces) - 1
        used = len("\n".join(out)) + (1 if out else 0)
        room = limit - used - (len("\n" + ELLIPSIS) if later else 0)
        if len(piece.text) <= room:
            out.append(piece.text)
            continue
        short = shorten(piece, room) if piece.items else ""
        if short and len(short) <= room:
            out.append(short)
        elif room >= SHORTEST:
            out.append(clip(piece.text, room))
        elif not later and limit - used >= len(ELLIPSIS):
            out.append(ELLIPSIS)
            break
        if later:
            out.append(ELLIPSIS)
        break
    return "\n".join(out)


def _cut_at(s: str, limit: int) -> int:
    """Where to break an over-long plain line: at a space when there is one in the second
    half, never inside an escape or a `<…>` token."""
    cut = limit
    lt, gt = s.rfind("<", 0, cut), s.rfind(">", 0, cut)
    if lt > gt and lt > 0:
        cut = lt
    space = s.rfind(" ", 0, cut)
    if space > cut // 2:
        cut = space + 1
    while cut > 1 and (cut - len(s[:cut].rstrip("\\"))) % 2:
        cut -= 1
    return max(1, cut)


def _units(piece: Piece, limit: int) -> list[str]:
    """The line as parts of at most `limit` characters each: a list broken between items
    (each part but the last ending in the separator's comma), a plain line at spaces."""
    if len(piece.text) <= limit:
        return [piece.text]
    if piece.items:
        items = [*piece.items, *([and_more(piece.more)] if piece.more else [])]
        parts: list[str] = []
        current = ""
        comma = LIST_SEP.rstrip()
        for i, item in enumerate(items):
            item = clip(item + (comma if i < len(items) - 1 else ""), limit)
            if current and len(current) + 1 + len(item) > limit:
                parts.append(current)
                current = item
            else:
                current = f"{current} {item}" if current else item
        return [*parts, current]
    parts = []
    rest = piece.text
    while len(rest) > limit:
        head, cut = _closed(rest, limit, _cut_at)
        parts.append(head.rstrip(" ") or head)
        rest = rest[cut:]
    return [*parts, rest]


def split(pieces: Sequence[Piece], limit: int) -> list[str]:
    """The lines as consecutive messages of at most `limit` characters, nothing left out."""
    messages: list[str] = []
    current: str | None = None
    for piece in pieces:
        for unit in _units(piece, limit):
            if current is not None and len(current) + 1 + len(unit) <= limit:
                current = f"{current}\n{unit}"
            else:
                if current is not None:
                    messages.append(current)
                current = unit
    if current is not None:
        messages.append(current)
    return messages


def share(natural: Sequence[int], floor: Sequence[int], total: int) -> list[int]:
    """Room for each of several places: each gets its `floor`, then what is left is shared
    out, the smallest wants met in full first and the rest split evenly."""
    rooms = list(floor)
    left = max(0, total - sum(floor))
    wanting = sorted((i for i in range(len(natural)) if natural[i] > floor[i]), key=lambda i: natural[i])
    for n, i in enumerate(wanting):
        give = min(natural[i] - floor[i], left // (len(wanting) - n))
        rooms[i] += give
        left -= give
    return rooms
