"""The `reminders` setting's value: comma-separated durations before an event, each its own
reminder, refused with what was understood when a part reads two ways."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta

from bot.durations import runs_together, spaced_parts
from bot.timeparse import format_duration, parse_duration

MIN_OFFSET, MAX_OFFSET = timedelta(minutes=1), timedelta(days=30)
# Between one duration part and the next with a space ("1 day| 2 hours", "1d12h| 30m").
_SPACED = re.compile(r"(?<=[a-z])\s+(?=\d)", re.IGNORECASE)


def parse_offsets(value: str) -> tuple[timedelta, ...]:
    if value.strip().lower() == "off":
        return ()
    parts = value.split(",")
    out, spaced = [], []
    for i, part in enumerate(parts):
        td = parse_duration(part)
        if runs_together(part):  # read as their sum, it would be one reminder nobody asked for
            raise ValueError(f"'{part.strip()}' reads as one reminder {format_duration(td)} before; "
                             "separate reminders with commas, e.g. 24h,1h")
        if spaced_parts(part):  # asked about once the rest is known to be good: what is offered is taken
            spaced.append(i)
            continue
        if not MIN_OFFSET <= td <= MAX_OFFSET:
            raise ValueError(f"{part.strip()} is outside 1m to 30d")
        out.append(td)
    if spaced:
        raise ValueError(_one_or_several(parts, spaced))
    if not out:
        raise ValueError("give at least one duration")
    return tuple(sorted(set(out), reverse=True))


def _one_or_several(parts: list[str], spaced: list[int]) -> str:
    """The refusal of durations with spaces between their parts ("1 day 2 hours"): each is one
    reminder or several, so the whole value is offered written both ways (as the parser reads
    each part: "1d2h" and "1d,2h"), each only if the setting takes it."""
    ones, manys = list(map(str.strip, parts)), list(map(str.strip, parts))
    for i in spaced:
        ones[i] = format_duration(parse_duration(parts[i]))
        manys[i] = ",".join(map(_as_read, _SPACED.split(parts[i].strip())))
    first = parts[spaced[0]].strip()
    asked = f"'{first}' may be one reminder {ones[spaced[0]]} before or several ({manys[spaced[0]]})"
    one, many = ",".join(ones), ",".join(manys)
    if _taken(one) and _taken(many):
        return f"{asked}; write {one} for one, or separate them with commas: {many}"
    if _taken(one):
        return f"{asked}; as several, not all would be from 1m to 30d: write {one} for one"
    if _taken(many):
        return f"{asked}; as one, it would be outside 1m to 30d: separate them with commas: {many}"
    return f"{asked}; either way, a reminder would be outside 1m to 30d"


def _as_read(piece: str) -> str:
    """A piece as the parser reads it, or as typed when it is no reminder ("0m"): the value
    with it is then not offered."""
    try:
        return format_duration(parse_duration(piece))
    except ValueError:
        return piece


def _taken(value: str) -> bool:
    try:
        parse_offsets(value)
    except ValueError:
        return False
    return True


def format_offsets(offsets: Sequence[timedelta]) -> str:
    return ",".join(format_duration(o) for o in offsets) or "off"
