"""Neutral output: what cogs say, before any platform decides how it looks.

A line is a tuple of inline parts. A plain `str` part is *always* literal text (user text
included, isolated where it holds bidi controls): every adapter escapes it for its own markup
and never lets it mention anyone. Mentions exist only as `Mention` parts, so the set of people
a message may ping is exactly the set of `Mention`s in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from .bidi import cut, isolate, quoting
from .durations import span_text
from .model import UserRef


@dataclass(frozen=True, slots=True)
class Mention:
    user: UserRef


@dataclass(frozen=True, slots=True)
class Time:
    """A moment; a platform that can shows it in the viewer's zone, others in the space's
    zone. `relative` adds "in 3 days" where the platform keeps it current or
    where the text is read at once (the console); elsewhere a stale "in 3 days" would
    mislead, so those platforms show the moment alone."""

    at: datetime
    relative: bool = False


@dataclass(frozen=True, slots=True)
class Strong:
    text: str


@dataclass(frozen=True, slots=True)
class Link:
    """An address the bot gives (a page, a feed) to follow; a URL a person typed stays a `str`."""
    url: str


Inline = str | Mention | Time | Strong | Link
Line = tuple[Inline, ...]

LIST_SEP = ", "  # what separates the items of a list line when it is shown


def line(*parts: Inline) -> Line:
    return tuple(isolate(p) if isinstance(p, str) else p for p in parts if p != "")  # bot/bidi.py


class ListLine(tuple[Inline, ...]):
    """A list (names, say), made by `list_line`: the only kind of line a platform with a
    length limit may break or shorten between items, a shortened one ending in "and N more"
    that counts exactly the items left out. A line that merely holds commas ("Hey @a, @b and
    @c", "Tie between A, B") is not one. Its parts are the items separated by `LIST_SEP`, then
    "and N more" for the `more` items not in it, so it is shown like any other line; `items`
    and `more` are what it was made of, never read back from its text."""

    items: tuple[Line, ...]
    more: int

    def __new__(cls, items: Iterable[Line], more: int = 0) -> ListLine:
        kept = tuple(line(*item) for item in items)
        if more < 0:
            raise ValueError(f"a list cannot leave out {more} items")
        shown: list[Line] = [*kept, (and_more(more),)] if more else list(kept)
        parts: list[Inline] = []
        for item in shown:
            parts.extend([LIST_SEP, *item] if parts else item)
        self = super().__new__(cls, parts)
        self.items, self.more = kept, more
        return self

    def __getnewargs__(self) -> tuple[tuple[Line, ...], int]:
        return self.items, self.more

    def __repr__(self) -> str:
        return f"ListLine({self.items!r}, more={self.more})"


def and_more(n: int) -> str:
    """What stands for `n` items a list does not show."""
    return f"and {n} more"


def list_line(items: Iterable[Line | Inline], more: int = 0) -> ListLine:
    """A list line of `items` (each a line, or one part such as a name), saying that `more`
    items are not shown."""
    return ListLine((i if isinstance(i, tuple) else (i,) for i in items), more)


def list_items(ln: Line) -> tuple[tuple[Line, ...], int] | None:
    """A list line's items and how many more it says there are; None for any other line."""
    return (ln.items, ln.more) if isinstance(ln, ListLine) else None


def first_items(ln: Line, keep: int) -> Line:
    """A list line with only its first `keep` items, the rest counted in its "and N more";
    any other line as it is."""
    keep = max(0, keep)
    if not isinstance(ln, ListLine) or len(ln.items) <= keep:
        return ln
    return ListLine(ln.items[:keep], ln.more + len(ln.items) - keep)


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    lines: tuple[Line, ...]
    inline: bool = False


@dataclass(frozen=True, slots=True)
class Action:
    """A button where the platform has them. `id` comes back in ActionInvoked."""

    id: str
    label: str
    style: Literal["primary", "secondary", "success", "danger"] = "secondary"
    emoji: str | None = None


@dataclass(frozen=True, slots=True)
class Text:
    lines: tuple[Line, ...]
    # A refusal (`warning`): adapters keep it private where they can (ephemeral replies).
    refusal: bool = False
    # The zone its times are shown in where that is not the space it is said in: a direct
    # message about an event shows the event's space's zone (`in_zone`).
    zone: ZoneInfo | None = None

    @property
    def mentions(self) -> tuple[UserRef, ...]:
        return collect_mentions(self.lines)


@dataclass(frozen=True, slots=True)
class Choices:
    """The poll a card stands for, for platforms that also show it as their own native poll
    (`Capabilities.native_polls`); the card stays the truth and other platforms ignore this.
    Option n is voted for like the card's n-th number reaction."""

    question: str
    options: tuple[Line, ...]
    multi: bool = False
    closed: bool = False
    closes: datetime | None = None  # its deadline: what is answered after it counts for nothing


@dataclass(frozen=True, slots=True)
class Card:
    title: str
    ref: str = ""  # "#12": the id marker checks rely on
    body: tuple[Line, ...] = ()
    fields: tuple[Field, ...] = ()
    footer: str = ""
    actions: tuple[Action, ...] = ()
    reactions: tuple[str, ...] = ()  # seeded by the bot after sending
    color: int | None = None
    # Lines said above the card (e.g. "reminder: ..." with mentions) - plain message text.
    preface: tuple[Line, ...] = ()
    choices: Choices | None = None
    zone: ZoneInfo | None = None  # as Text.zone

    @property
    def mentions(self) -> tuple[UserRef, ...]:
        lines: list[Line] = [*self.preface, *self.body]
        for f in self.fields:
            lines.extend(f.lines)
        return collect_mentions(lines)


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    data: bytes
    mime: str
    caption: str = ""
    # An image in words (e.g. a chart as text), for where it is not seen: alt text on
    # platforms that take it, the text itself in a terminal.
    alt: str = ""

    @property
    def mentions(self) -> tuple[UserRef, ...]:
        return ()


Out = Text | Card | Attachment


def text(*lines: Line | str | Inline) -> Text:
    """Build a Text from lines; a bare str or inline part is a one-part line."""
    out: list[Line] = []
    for ln in lines:
        out.append(ln if isinstance(ln, tuple) else (isolate(ln) if isinstance(ln, str) else ln,))
    return Text(tuple(out))


def in_zone(out: Out, tz: ZoneInfo) -> Out:
    """`out` with its times shown in `tz` wherever it is said (a direct message)."""
    return out if isinstance(out, Attachment) else replace(out, zone=tz)


def zone_for(out: Out, tz: ZoneInfo | None) -> ZoneInfo | None:
    """The zone to show `out`'s times in, where the place it is said has `tz`."""
    return tz if isinstance(out, Attachment) or out.zone is None else out.zone


def warning(message: str) -> Text:
    return Text((("⚠️ " + quoting(message),),), refusal=True)  # what it quotes, isolated


def collect_mentions(lines: Iterable[Line]) -> tuple[UserRef, ...]:
    seen: dict[str, UserRef] = {}
    for ln in lines:
        for part in ln:
            if isinstance(part, Mention):
                seen.setdefault(part.user.key, part.user)
    return tuple(seen.values())


# --- plain text (the console, plain bodies of rich messages, the fake adapter) --------


def format_time(at: datetime, tz: ZoneInfo | None) -> str:
    local = at.astimezone(tz) if tz else at
    zone = local.strftime("%Z")
    # Zones with no abbreviation of their own are named by offset ("-03"): say it is one.
    return f"{local.strftime('%a %d %b %Y %H:%M')} {'UTC' + zone if zone[:1] in '+-' else zone}".strip()


def relative(at: datetime, now: datetime) -> str:
    if abs((at - now).total_seconds()) < 1:
        return "now"
    span = span_text(abs(at - now))
    return f"in {span}" if at >= now else f"{span} ago"


def plain_inline(part: Inline, tz: ZoneInfo | None, now: datetime | None = None) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, Strong):
        return part.text
    if isinstance(part, Link):
        return part.url
    if isinstance(part, Mention):
        return "@" + isolate(part.user.display)
    if isinstance(part, Time):
        if part.relative and now is not None:
            return f"{format_time(part.at, tz)} ({relative(part.at, now)})"
        return format_time(part.at, tz)
    raise TypeError(part)


def plain_line(ln: Line, tz: ZoneInfo | None = None, now: datetime | None = None) -> str:
    return "".join(plain_inline(p, tz, now) for p in ln)


def plain(out: Out, tz: ZoneInfo | None = None, now: datetime | None = None) -> str:
    """The plain-text rendering; markers (#id, Going (n/cap)) live here. Relative times
    need `now`; without it they are shown as absolute times."""
    tz = zone_for(out, tz)
    if isinstance(out, Text):
        return "\n".join(plain_line(ln, tz, now) for ln in out.lines)
    if isinstance(out, Attachment):
        return f"{out.caption}\n[file {out.filename}]".strip()
    parts: list[str] = [plain_line(ln, tz, now) for ln in out.preface]
    parts.append(f"{out.title} {out.ref}".strip())
    parts.extend(plain_line(ln, tz, now) for ln in out.body)
    for f in out.fields:
        parts.append(f.name)
        parts.extend("  " + plain_line(ln, tz, now) for ln in f.lines)
    if out.footer:
        parts.append(out.footer)
    return "\n".join(parts)


# --- escaping helpers ------------------------------------------------------------

_MENTION_LIKE = re.compile(r"@(everyone|here|room|channel)", re.IGNORECASE)
ZWSP = "\u200b"


def defuse_mentions(s: str) -> str:
    """Belt and braces beside each platform's own mention control: a zero-width space after
    '@' keeps '@everyone' readable but no longer a mention token for any client."""
    return _MENTION_LIKE.sub(lambda m: "@" + ZWSP + m.group(1), s).replace("<@", "<" + ZWSP + "@")


truncate = cut  # a cut that leaves an isolate or override open closes it (bot/bidi.py)
