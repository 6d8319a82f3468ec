"""Durations people type ("2h", "1h30m", "90 minutes", "1d 12h") and how they are shown.

A duration is whole numbers with units; a sign, a fraction or zero is refused with the way
to write it, never rounded or read as something else. Times and durations are typed with the
digits 0-9 only (`other_digits`): a regex's digit class and int() also take "９", "٣" and
"७", and would read a pasted or mistyped number silently.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import timedelta
from fractions import Fraction


class TimeParseError(ValueError):
    """A sentence: what was read, and what to write instead."""


class Unreadable(TimeParseError):
    """Text that names no time at all: its advice is ways to write a time, which a caller
    wanting only a date (until=) words as its own."""


UNITS = {
    "w": 604800, "wk": 604800, "week": 604800, "weeks": 604800,
    "d": 86400, "day": 86400, "days": 86400,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
}
PART = re.compile(r"(\d{1,7})\s*([a-z]+)")
FULL = re.compile(r"^\s*(?:\d{1,7}\s*[a-z]+\s*(?:and\s*|,\s*)?)+$")
FRACTION = re.compile(r"^(\d{1,7}[.,]\d{1,3})\s*([a-z]+)$")
_LONGEST = 10 * 365 * 86400
_QUOTED = 100  # the longest text a refusal quotes back whole (`when=` reads no longer)
_TOO_MANY_DIGITS = re.compile(r"^\s*0*[1-9]\d{7,}\s*(?:w|wk|weeks?|d|days?|h|hrs?|hours?|m|mins?|minutes?)\s*$")
_HOURS_MINUTES = re.compile(r"^\s*(\d{1,2})h(\d{2})\s*$", re.IGNORECASE)


def other_digits(text: str, reading: Callable[[str], str | None], offer: bool = True) -> None:
    """Refuses `text` if it has a digit other than 0-9 (or a character Unicode counts as a
    number: "²", "①", "½"), changing nothing. Where each is a decimal digit, says what the text
    reads as with 0-9; `reading` gives what that text means (" (Mon 07 Dec 2026 19:00 UTC)"), or
    None when the parser refuses it too, and then it is not offered as the thing to type; where
    `reading` raises ValueError, the refusal says why that text would not do either. Without
    `offer` (where the caller's limits are not all known here) what it means is said, not offered."""
    if not other_digits_in(text):
        return
    said = " ".join(text.split())
    if len(said) > _QUOTED:
        raise TimeParseError(f"'{said[:_QUOTED]}…' is not typed with the digits 0-9; type it with the digits 0-9")
    values = {c: unicodedata.decimal(c, None) for c in said if _other(c)}
    if None in values.values():  # no digit to read it as: "9²" is not 92
        odd = [f"'{c}'" for c, v in values.items() if v is None]
        raise TimeParseError(f"'{said}' has {', '.join(odd)}, which {'is' if len(odd) == 1 else 'are'} not "
                             "among the digits 0-9; type it with the digits 0-9")
    as_typed = "".join(str(values[c]) if c in values else c for c in said)
    head = f"'{said}' is not typed with the digits 0-9: it reads as {as_typed}"
    try:
        meant = reading(as_typed)
    except ValueError as e:
        raise TimeParseError(f"{head}, which would not do either: {e}") from None
    if meant is None or not offer:
        raise TimeParseError(f"{head}{meant or ''}; type it with the digits 0-9")
    raise TimeParseError(f"{head}{meant}; if that is what you meant, type \"{as_typed}\"")


def other_digits_in(text: str) -> bool:
    return any(_other(c) for c in text)


def _other(c: str) -> bool:
    return not c.isascii() and c.isnumeric()


def parse_duration(text: str, offer: bool = True) -> timedelta:
    """"2h", "1h30m", "90 minutes", "1d 12h" -> timedelta. Raises TimeParseError; `offer` as
    in `other_digits`."""
    other_digits(text, lambda typed: "" if _is_duration(typed) else None, offer)
    s = text.strip().lower()
    if s.startswith("-") and FULL.match(s[1:]):
        positive = s[1:].strip()
        raise TimeParseError(f"a duration must be positive; write e.g. \"{positive}\""
                             if _is_duration(positive) else "a duration must be positive, e.g. 30m")
    if (m := FRACTION.match(s)) and m[2] in UNITS:
        whole = in_whole_units(m[1], m[2])
        raise TimeParseError(f"'{text}': I don't read fractions; write whole numbers, e.g. "
                             f"\"{whole or '1h30m'}\"")
    if not s or not FULL.match(s):
        if _TOO_MANY_DIGITS.match(s):  # a duration, only longer than any: said as that
            raise TimeParseError(f"'{text[:40]}' is too long for a duration; the most is "
                                 f"{_LONGEST // 86400}d (ten years)")
        raise TimeParseError(f"'{text}' is not a duration; write it like 30m, 2h, 1d or 1h30m")
    total = 0
    for amount, unit in PART.findall(s):
        if unit not in UNITS:
            raise TimeParseError(f"unknown unit '{unit}' in '{text}'; use m, h, d or w")
        total += int(amount) * UNITS[unit]
    if total <= 0:
        raise TimeParseError("a duration must be longer than zero, e.g. 30m")
    if total > _LONGEST:
        raise TimeParseError(f"'{text}' is too long for a duration; the most is "
                             f"{_LONGEST // 86400}d (ten years)")
    return timedelta(seconds=total)


_NUMBER = re.compile(r"^\d{1,7},?$")
_WITH_UNITS = re.compile(r"^(?:\d{1,7}[a-z]+)+,?$")


def duration_words(words: Sequence[str]) -> int:
    """Of a duration's words typed unquoted (the first, then those after it up to the next
    option), how many after the first go on writing it: "30 minutes", "30m", "and 30m". A number
    goes on only before its unit, so "duration=3h 1" leaves 1 to the event's id; a unit word only
    after its number, so a title's "Min" is not taken. The first word that does not go on, and
    all after it, are the line's again."""
    low = [w.lower() for w in words]

    def unit(k: int) -> bool:
        return k < len(low) and low[k].rstrip(",") in UNITS

    def counts(k: int) -> bool:  # a number with its unit, or a number its unit follows
        return k < len(low) and (bool(_WITH_UNITS.match(low[k])) and all(
            u in UNITS for _, u in PART.findall(low[k])) or bool(_NUMBER.match(low[k])) and unit(k + 1))

    taken = 1
    while taken < len(low) and (counts(taken) or unit(taken) and bool(_NUMBER.match(low[taken - 1]))
                                or low[taken] == "and" and counts(taken + 1)):
        taken += 1
    return taken - 1


def runs_together(text: str) -> bool:
    """Units that do not go from larger to smaller ("24h 1h", "30m 1h"): two durations a
    comma was left out of, rather than one written in parts ("1h 30m")."""
    sizes = [UNITS.get(unit, 0) for _, unit in PART.findall(text.strip().lower())]
    return any(a <= b for a, b in zip(sizes, sizes[1:], strict=False))


def spaced_parts(text: str) -> bool:
    """Parts a space stands between ("1d 1h", "1h 30m"): in a list of durations that may be one
    written in parts or two a comma was left out of, and which one is not for the bot to guess."""
    low = text.lower()
    return re.search(r"\band\b", low) is None and re.search(r"[a-z]\s+\d", low) is not None


def longer_than_any(text: str) -> bool:
    """A well-formed duration over the longest `parse_duration` takes."""
    s = "".join(text.lower().split())
    if not FULL.match(s):
        return False
    parts = PART.findall(s)
    return all(u in UNITS for _, u in parts) and sum(int(a) * UNITS[u] for a, u in parts) > _LONGEST


def _is_duration(text: str) -> bool:
    try:
        parse_duration(text)
    except TimeParseError:
        return False
    return True


def duration_shaped(text: str) -> bool:
    """Numbers with units only (signed or with a fraction, "-1h", "1.5h", "99999d"): a
    duration, however wrong, and refused as one rather than read as a date."""
    s = text.strip().lower().removeprefix("-")
    if (m := FRACTION.match(s)) and m[2] in UNITS:
        return True
    return bool(FULL.match(s)) and all(u in UNITS for _, u in PART.findall(s))


def in_whole_units(amount: str, unit: str) -> str | None:
    """"1.5", "hours" -> "90 minutes": the same length in whole hours or minutes, if it has one."""
    if unit not in UNITS:
        return None
    seconds = Fraction(amount.replace(",", ".")) * UNITS[unit]
    if seconds <= 0 or seconds % 60:
        return None
    n, size = (int(seconds) // 3600, "hour") if seconds % 3600 == 0 else (int(seconds) // 60, "minute")
    return f"{n} {size}{'s' * (n != 1)}"


def format_duration(td: timedelta) -> str:
    secs = int(td.total_seconds())
    out = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if secs >= size:
            out.append(f"{secs // size}{unit}")
            secs %= size
    return "".join(out) or "0s"


def hours_minutes(text: str) -> tuple[int, int] | None:
    """"2h30": hours and minutes with no unit after them, as a clock time is written ("19h30"),
    when it is also a real clock time and a length longer than zero."""
    m = _HOURS_MINUTES.match(text)
    if m is None or int(m[1]) > 23 or int(m[2]) > 59 or not int(m[1] + m[2]):
        return None
    return int(m[1]), int(m[2])


def whole_days(text: str) -> bool:
    """Only days and weeks ("3 days", "1w 2d"): a day on the calendar, not a moment."""
    return all(UNITS.get(unit, 0) >= 86400 for _, unit in PART.findall(text.lower()))


def span_text(delta: timedelta) -> str:
    """How long, to the minute ("1 hour 30 minutes", "2 days 12 hours"): a rounded "2 hours"
    for ninety minutes would misstate it. Up to two days people count in hours."""
    if 0 < delta.total_seconds() < 60:
        return "less than a minute"
    mins = max(0, round(delta.total_seconds() / 60))
    days, rest = divmod(mins, 24 * 60)
    if days < 2:
        days, rest = 0, mins
    hours, minutes = divmod(rest, 60)
    parts = [f"{n} {unit}{'s' if n != 1 else ''}"
             for n, unit in ((days, "day"), (hours, "hour"), (minutes, "minute")) if n]
    return " ".join(parts) or "0 minutes"
