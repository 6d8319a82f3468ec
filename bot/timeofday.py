"""A time of day alone, which `event edit` sets on the event's own day: whether a `when=`
says which day (`names_a_day`), and a clock time with words that only say the part of the
day ("evening 7pm", "7pm in the evening") as the clock time alone (`without_part_of_day`),
so the event's date can be put in front of it. Also the forms read as
others are (`spelled`). Used by bot/timeparse.py, which exports them.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from . import timeparts as parts
from . import timephrases as phrases
from .timeguess import holds_a_day, part_of_day
from .timezones import ZoneError

RELATIVE = re.compile(r"^\s*in\s+(.+)$", re.IGNORECASE)
_ONE = re.compile(r"\bin an? (hour|day|week|minute)\b")
# A zone in parentheses at the end ("8pm (utc)") is that zone; a Z right after a clock time
# ("20:00z") is UTC, as in ISO 8601. Both are read as a zone after a space.
_PAREN_END = re.compile(r"\s*\(([^()]+)\)$")
_ZULU = re.compile(r"(?<=\d:\d\d)z$")


def spelled(s: str) -> str:
    """`s` with the forms read as others are: "in an hour", a zone in parentheses, a Z after
    the clock time."""
    s = _ZULU.sub(" z", _PAREN_END.sub(r" \1", s))
    return _ONE.sub(r"in 1 \1", s).strip()


def _beside_clock(text: str, tz: ZoneInfo, now: datetime) -> tuple[str, str, phrases.Clock | None, str]:
    """`text` as `parse_when` reads it: the text spelled, its words before a zone named at the
    end, the clock time in them and the words beside it."""
    s = spelled(" ".join(text.split()).lower().rstrip(".!"))
    words = phrases.split_zone(s, tz, now.year)[0]
    clock, rest = phrases.clock_in(words)
    return s, words, clock, rest


def names_a_day(text: str, tz: ZoneInfo, now: datetime) -> bool:
    """Whether `text`, read as `parse_when` reads it, says which day: a date, a weekday,
    today or tomorrow, "in ..." or any words beside its clock time that may be a day, or no
    clock time at all. False for a clock time alone ("19:30", "8pm utc", "20:00h"), which an
    edit sets on the event's own day."""
    try:
        if phrases.iso(" ".join(text.split()).lower().rstrip(".!")) is not None:
            return True
        _, words, clock, rest = _beside_clock(text, tz, now)
        found = phrases.day_of(rest, now.astimezone(tz).date())
    except (ValueError, ZoneError):
        return True  # not read: not taken for a time alone either
    if clock is None or (RELATIVE.match(words) and not part_of_day(rest)):  # not "in the evening 7pm"
        return True
    return holds_a_day(rest) if found is None else found != (None, None, False)


def without_part_of_day(text: str, tz: ZoneInfo, now: datetime) -> str:
    """`text` with words that only say the part of the day beside its clock time left out, as
    HH:MM and the zone it names ("7pm in the evening utc" is "19:00 utc"); anything else as
    typed. Whether they agree with the clock time is the parser's to say."""
    try:
        s, words, clock, rest = _beside_clock(text, tz, now)
    except (ValueError, ZoneError):
        return text
    if clock is None or not part_of_day(rest):
        return text
    try:
        if parts.bare_hour(words, "", lambda _: False) != words:
            return text  # "evening 7:30" is 19:30, which the parser reads with the date in front
    except ValueError:
        return text
    return f"{clock.hour:02d}:{clock.minute:02d}{s[len(words):]}"
