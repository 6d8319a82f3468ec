"""The wording of `when=` refusals: what was understood, and ways to write it instead.

Every way to write it that a refusal quotes is first checked with `ok` (the parser
itself, at the same moment and in the same zone), and left out if the parser would
refuse it too; a person who copies an example gets a time, not another refusal.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta, tzinfo

from . import timephrases as phrases
from .durations import format_duration
from .timedates import DateRefused

Accepts = Callable[[str], bool]
_ALWAYS = ("saturday 10am", "tomorrow 7pm", "in 2 hours")  # ahead of any moment


def quoted(examples: list[str]) -> str:
    """'"a"', '"a" or "b"', '"a", "b" or "c"'."""
    q = [f'"{e}"' for e in examples] or ['"tomorrow 7pm"']
    return q[0] if len(q) == 1 else ", ".join(q[:-1]) + " or " + q[-1]


def pick(candidates: list[str], ok: Accepts, most: int = 2) -> list[str]:
    return [c for c in dict.fromkeys(candidates) if ok(c)][:most]


def dates(today: date) -> tuple[str, str]:
    """A date a fortnight on, as words and as ISO: ahead, and nearer than half a year."""
    d = today + timedelta(days=14)
    return f"{d:%b} {d.day} 6pm".lower(), f"{d:%Y-%m-%d} 18:00"


def unreadable(s: str, today: date, ok: Accepts) -> str:
    return f"I can't read '{s}' as a time; try {quoted(pick([*_ALWAYS, *dates(today)], ok, 4))}"


def which_time(asked: str, words: str, zone_word: str, today: date, ok: Accepts, *,
               read: bool = True) -> str:
    """The question back for a day with no time of day. `read` is False when the day was
    read by dateparser, not the patterns: if no example with a time parses either, that
    reading is not one to ask about."""
    tail = f" {zone_word}" if zone_word else ""
    good = pick([f"{words} {clock}{tail}" for clock in ("7pm", "18:30", "23:59")], ok)
    if good:
        return f"which time on {asked}? e.g. {quoted(good)}"
    if read:
        return f"which time on {asked}? add a time of day that is still ahead"
    return unreadable(f"{words}{tail}", today, ok)


def number_alone(s: str, n: int, zone_word: str, ok: Accepts) -> str:
    tail = f" {zone_word}" if zone_word else ""
    clocks = ([f"{n}pm", f"{n + 12}:00", f"{n}am"] if 1 <= n <= 11 else ["12pm", "12:00"] if n == 12
              else [f"{n}:00"] if 13 <= n <= 23 else [])
    good = pick([c + tail for c in clocks], ok)
    if good:
        return (f"'{s}' is only a number; write a time of day, e.g. {quoted(good)}, with the day "
                f"if it is not the next one, e.g. {quoted(pick([f'friday {good[0]}'], ok) or good[:1])}")
    return f"'{s}' is only a number; write a day and a time, e.g. {quoted(pick(list(_ALWAYS), ok))}"


def fraction(s: str, whole: str | None, ok: Accepts) -> str:
    good = pick([whole] if whole else [], ok) or pick(["in 90 minutes"], ok)
    return f"'{s}': I don't read fractions; write whole numbers, e.g. {quoted(good)}"


def in_what(s: str, number: str, ok: Accepts) -> str:
    good = pick([f"in {number} minutes", f"in {number} hours"], ok) or pick(["in 30 minutes"], ok)
    return f"'{s}' has no unit; write e.g. {quoted(good)}"


def in_clock(s: str, body: str, clock: phrases.Clock, ok: Accepts) -> str:
    """"in 1:30": a clock time where a length of time belongs; both readings offered."""
    lengths: list[str] = []
    if m := re.fullmatch(r"(\d{1,2})[:h.](\d{2})", body):
        h, mins = int(m[1]), int(m[2])
        parts = [f"{h} hour{'s' * (h != 1)}" if h else "", f"{mins} minute{'s' * (mins != 1)}" if mins else ""]
        lengths = pick([f"in {' '.join(p for p in parts if p)}"], ok)
    twelve = clock.hour % 12 or 12
    clocks = [f"at {twelve}:{clock.minute:02d}{'am' if clock.hour < 12 else 'pm'}"]
    if clock.hour < 12 and "m" not in body:  # no am/pm written: the afternoon is as likely
        clocks.append(f"at {twelve}:{clock.minute:02d}pm")
    said = f"'{s}' has a clock time where a length of time belongs"
    length_part = f"for a length of time write {quoted(lengths)}; " if lengths else ""
    return f"{said}; {length_part}for the clock time write {quoted(pick(clocks, ok))}"


def length_or_clock(s: str, hours: int, minutes: int, ok: Accepts) -> str:
    """"2h30" where a length or a moment goes: both readings, each as it is written alone."""
    clock = pick([f"{hours:02d}:{minutes:02d}"], ok)
    length = format_duration(timedelta(hours=hours, minutes=minutes))
    at = f", for the clock time {quoted(clock)}" if clock else ""
    return f"'{s}' could be a length of time or a clock time; for the length write \"{length}\"{at}"


def date_refused(e: DateRefused, s: str, home: tzinfo, year: int, ok: Accepts) -> str:
    """A date off the calendar or passed, quoted back; with the date to write instead,
    at the clock time and in the zone the text gave."""
    said = f"'{s}' {e.said}"
    if e.instead is None:
        return said
    words, zone = phrases.split_zone(s, home, year)
    tail = f" {s[len(words):].strip()}" if zone is not None else ""
    try:
        clock, _ = phrases.clock_in(words)
    except ValueError:
        clock = None
    at = f"{clock.hour:02d}:{clock.minute:02d}" if clock else "18:00"
    good = pick([f"{e.instead:%b} {e.instead.day} {e.instead.year} {at}".lower() + tail], ok)
    return f"{said}; {e.lead} e.g. {quoted(good)}" if good else said


def unread_part(s: str, clock: phrases.Clock, rest: str, zone_word: str, ok: Accepts) -> str:
    """A clock time beside words that are neither a day nor a zone: refused, never read
    without them."""
    at, tail = f"{clock.hour:02d}:{clock.minute:02d}", f" {zone_word}" if zone_word else ""
    good = pick([f"{at}{tail}", f"saturday {at}{tail}", f"{at} utc"], ok, 3)
    instead = f"; write e.g. {quoted(good)}" if good else ""
    return f"I can't read '{s}' as a time: I read {at} but not '{' '.join(rest.split())}'{instead}"
