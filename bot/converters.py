"""The converters: a command's raw argument strings into typed values, one rule per
option kind, each refusal a `UsageError` that names the option."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .commandspec import ESCAPED_BAR, CommandSpec, Option, UsageError
from .textkeys import look_key, strip_invisible
from .timeparse import TimeParseError, parse_duration, parse_when, parse_when_or_duration

if TYPE_CHECKING:
    from .context import Context

_TRUE = {"yes", "y", "on", "true", "1"}
_FALSE = {"no", "n", "off", "false", "0"}


def clean_text(value: str, limit: int) -> str:
    """Collapse control characters and cap the length; zero-width and RTL marks are
    kept (they are real text in many languages) but cannot make a string empty."""
    value = "".join(" " if (c < " " or c == "\x7f") else c for c in value).strip()
    if len(value) > limit:
        raise ValueError(f"is too long ({len(value)} characters; at most {limit})")
    if not value.strip("\u200b\u200c\u200d\u200e\u200f\u2060\ufeff \u202a\u202b\u202c\u202d\u202e"):
        raise ValueError("is empty")
    return value


def row_id(text: str) -> int | None:
    """A row's id as a client sends it back (a button's id, a number typed so far): ASCII
    digits that fit a row id, or None ("²".isdigit() is true, and int() takes any length)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def _ascii_digits(opt: Option, raw: str) -> None:
    """Refuses a number written with digits other than 0-9 ("９", "٣", "²"), saying the number it
    would be: a typed number is read in ASCII digits only, as ids, ports and codes are. That number
    is offered as the thing to type only where the option takes it (not one over its most) and
    nothing but its range limits it."""
    if not any(c.isdigit() and not c.isascii() for c in raw):
        return
    values = [c if c.isascii() else unicodedata.decimal(c, None) for c in raw]
    if None not in values:
        as_typed = "".join(map(str, values))
        if re.fullmatch(r"[+#-]?[0-9]+", as_typed, re.ASCII):
            said = f"must be typed with the digits 0-9: '{raw}' reads as {as_typed}"
            try:
                _whole_number(opt, as_typed)
            except ValueError as e:
                raise ValueError(f"{said}, which would not do either: it {e}") from None
            if opt.limited_further:
                raise ValueError(f"{said}; type it with the digits 0-9")
            raise ValueError(f"{said}; if that is what you meant, type {as_typed}")
    raise ValueError(f"must be a whole number typed with the digits 0-9 ('{raw}' has other digits)")


def _whole_number(opt: Option, raw: str) -> int:
    if opt.name == "id" and raw.startswith("#"):
        raw = raw[1:]  # cards show ids as "#12", and people copy them so
    if re.fullmatch(r"[+-]?\d{10,}", raw, re.ASCII):  # a whole number, only too long to be one of ours
        if raw.startswith("-"):
            raise ValueError(f"must be at least {opt.min if opt.min is not None else -999999999}")
        raise ValueError(f"must be at most {opt.max if opt.max is not None else 999999999}")
    if not re.fullmatch(r"[+-]?\d{1,9}", raw, re.ASCII):
        raise ValueError("must be a whole number")
    n = int(raw)
    if opt.min is not None and n < opt.min:
        raise ValueError(f"must be at least {opt.min}")
    if opt.max is not None and n > opt.max:
        raise ValueError(f"must be at most {opt.max}")
    return n


def convert_one(opt: Option, raw: str, tz: Any, now: datetime) -> Any:
    raw = raw.strip()
    if opt.kind == "text":
        return clean_text(raw, opt.max_length)
    if opt.kind == "list":
        return _items(opt, raw)
    # The rest are read, not kept: a zero-width or bidi mark pasted into `going` or `2` means
    # nothing, and a refusal over it would repeat, to the reader, exactly what they typed.
    raw = strip_invisible(raw).strip()
    if opt.kind == "int":
        _ascii_digits(opt, raw)
        return _whole_number(opt, raw)
    if opt.kind == "choice":
        v = raw.lower()
        if v not in opt.choices:
            raise ValueError(f"must be one of: {', '.join(opt.choices)}")
        return v
    if opt.kind == "bool":
        v = raw.lower()
        if v in _TRUE:
            return True
        if v in _FALSE:
            return False
        raise ValueError("must be yes or no")
    # Text in other digits is said as what it means, not offered as the thing to type: how long
    # a length may be is the command's to check (an event lasts days, a poll stays open weeks),
    # and the offer, knowing nothing of it, offered "99d" that was then refused.
    if opt.kind == "duration":
        return parse_duration(raw, offer=False)
    if opt.kind == "when":
        return parse_when(raw, tz, now)
    if opt.kind == "when_or_duration":
        return parse_when_or_duration(raw, tz, now, offer=False)
    raise ValueError(f"unknown option kind {opt.kind}")


def _items(opt: Option, raw: str) -> list[str]:
    """A list's items between bars. A bar at the end is taken as a stray one; an empty item
    before the first bar or between two is refused, since what belongs there cannot be told
    (a line that starts its list with a bar has often lost a word to the option before it:
    `poll create Pizza | Tacos` made "Pizza" the question)."""
    parts = raw.split("|")
    while parts and not parts[-1].strip():
        parts.pop()
    if len(parts) > 1 and not parts[0].strip():
        raise ValueError("start with | (nothing before the first |); a word before it that was meant "
                         "as an item was read as the option before (see the usage)")
    items: list[str] = []
    for n, part in enumerate(parts, 1):
        if not part.strip():
            raise ValueError(f"item {n} is empty (nothing between two |); fill it in or remove the extra |")
        try:
            items.append(clean_text(part.replace(ESCAPED_BAR, "|"), opt.max_length))
        except ValueError as e:
            raise ValueError(f"item {n} {e}") from e
    lo, hi = opt.min or 1, opt.max or 25
    if not lo <= len(items) <= hi:
        raise ValueError(f"needs {lo} to {hi} items separated by |, got {len(items)}")
    first: dict[str, int] = {}
    for n, item in enumerate(items, 1):
        if (seen := first.setdefault(look_key(item), n)) == n:
            continue
        if item.casefold() == items[seen - 1].casefold():
            raise ValueError(f"has '{items[seen - 1]}' twice (items {seen} and {n}); keep one of them")
        raise ValueError(f"has items {seen} and {n} ('{items[seen - 1]}' and '{item}') looking the same: they "
                         "differ only in case, spacing, how an accent is encoded or characters that do "
                         "not show; keep one of them")
    return items


async def convert(spec: CommandSpec, raw: dict[str, str], ctx: Context) -> dict[str, Any]:
    tz = await ctx.timezone()
    now = ctx.now
    out: dict[str, Any] = {}
    usage = ctx.usage(spec)
    for opt in spec.options:
        # A blank optional rest ("" or spaces) is none given, as the parser reads a blank required one
        # as missing: `config set KEY ""` is then told what the key takes, not "value is empty".
        loose = not opt.required or opt.explain_if_missing
        if opt.name not in raw or (opt.rest and loose and not str(raw[opt.name]).strip()):
            if not loose:
                raise UsageError(f"{opt.name} is missing", spec, usage)
            out[opt.name] = None
            continue
        try:
            out[opt.name] = convert_one(opt, str(raw[opt.name]), tz, now)
        except TimeParseError as e:
            raise UsageError(f"{opt.name}: {e}", spec, usage) from e
        except ValueError as e:
            raise UsageError(f"{opt.name} {e}", spec, usage) from e
    return out
