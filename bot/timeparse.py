"""`when` and duration parsing, in the space's timezone unless the text names one.

The parts of a phrase (day, clock time, zone) are read by bot/timephrases.py; what its
patterns do not know goes to dateparser, whose reading is kept only when it agrees with
the clock time the text stated. Wall times get their zone attached here, so DST gaps
and folds are decided in one place. Relative phrases ("in 2 hours") are computed on
absolute time, so they are right across a DST change. Nothing is guessed: a day with no
time, an hour that could be am or pm, or a date with two readings is refused.
"""

from __future__ import annotations

import re
import warnings
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from . import timephrases as phrases
from .timephrases import Ambiguous
from .timezones import ZoneError, space_zone

UTC = ZoneInfo("UTC")


class TimeParseError(ValueError):
    pass


_UNITS = {
    "w": 604800, "wk": 604800, "week": 604800, "weeks": 604800,
    "d": 86400, "day": 86400, "days": 86400,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
}
_DURATION_PART = re.compile(r"(\d{1,7})\s*([a-z]+)")
_DURATION_FULL = re.compile(r"^\s*(?:\d{1,7}\s*[a-z]+\s*(?:and\s*|,\s*)?)+$")
_RELATIVE = re.compile(r"^\s*in\s+(.+)$", re.IGNORECASE)
_TRAILING_HOUR = re.compile(r"^(?P<rest>.*\D)\s(?P<h>\d{1,2})$")
_ONE = re.compile(r"\bin an? (hour|day|week|minute)\b")
# "tonight 8" and "tonight 8:30" are the evening: the one bare hour that is not a question.
_TONIGHT = re.compile(r"\btonight\s+(?:at\s+)?(?P<h>[1-9]|1[01])(?P<m>:\d{2})?(?P<ampm>\s*[ap]\.?m\.?)?$")


def _tonight(words: str) -> str:
    m = _TONIGHT.search(words)
    if not m:
        return words
    if m["ampm"] and m["ampm"].strip()[0] == "a":
        raise Ambiguous(f"tonight at {m['h']}{m['m'] or ''} in the morning? say which day and time, "
                        "e.g. tomorrow 8am")
    return words[: m.start()] + f"today at {m['h']}{m['m'] or ''}pm"


def parse_duration(text: str) -> timedelta:
    """"2h", "1h30m", "90 minutes", "1d 12h" -> timedelta. Raises TimeParseError."""
    s = text.strip().lower()
    if not s or not _DURATION_FULL.match(s):
        raise TimeParseError(f"'{text}' is not a duration; write it like 30m, 2h, 1d or 1h30m")
    total = 0
    for amount, unit in _DURATION_PART.findall(s):
        if unit not in _UNITS:
            raise TimeParseError(f"unknown unit '{unit}' in '{text}'; use m, h, d or w")
        total += int(amount) * _UNITS[unit]
    if total <= 0:
        raise TimeParseError("a duration must be longer than zero")
    if total > 10 * 365 * 86400:
        raise TimeParseError("that duration is too long; keep it under ten years")
    return timedelta(seconds=total)


def format_duration(td: timedelta) -> str:
    secs = int(td.total_seconds())
    out = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if secs >= size:
            out.append(f"{secs // size}{unit}")
            secs %= size
    return "".join(out) or "0s"


def zone(name: str) -> ZoneInfo:
    """A space's timezone (an IANA name, or a city); refuses abbreviations and fixed
    offsets with suggestions."""
    try:
        return space_zone(name)
    except ZoneError as e:
        raise TimeParseError(str(e)) from e


def format_time(at: datetime, tz: tzinfo) -> str:
    return at.astimezone(tz).strftime("%a %d %b %Y %H:%M %Z").strip()


def localize(naive: datetime, tz: tzinfo) -> datetime:
    """Wall time in `tz` -> aware UTC. fold=0 gives the rule people expect on both DST
    days: a time inside the spring-forward gap moves forward by the gap (02:30 -> 03:30),
    and an ambiguous autumn time means its first occurrence."""
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def _dateparser_parse(text: str, tz: tzinfo, now: datetime) -> datetime | None:
    import dateparser  # heavy import; only when a phrase the patterns do not know needs it

    base = now.astimezone(tz).replace(tzinfo=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed: datetime | None = dateparser.parse(
                text, languages=["en"],
                settings={"PREFER_DATES_FROM": "future", "RELATIVE_BASE": base,
                          "RETURN_AS_TIMEZONE_AWARE": False, "PREFER_DAY_OF_MONTH": "first"})
        except Exception:  # dateparser raises assorted errors on odd input
            return None
    return parsed


def parse_when(text: str, tz: ZoneInfo, now: datetime, *, allow_past: bool = False) -> datetime:
    """A moment from user text, read in `tz` unless the text names a zone; in UTC.
    Refuses (TimeParseError, a sentence saying what was understood) anything it would
    otherwise have to guess: a day with no time, an hour that could be am or pm, a zone
    abbreviation or a numeric date with two meanings, a time already past."""
    return parse_stated(text, tz, now, allow_past=allow_past)[0]


def parse_stated(text: str, tz: ZoneInfo, now: datetime, *,
                 allow_past: bool = False) -> tuple[datetime, datetime]:
    """`parse_when`'s moment, and the wall time in `tz` the text stated (naive). The two part
    only inside a spring-forward gap (02:30 said, 03:30 meant), where a rule repeating that
    wall time on other days needs what was said."""
    s = " ".join(text.split()).lower().rstrip(".!")
    if not s:
        raise TimeParseError("say when, e.g. \"saturday 10am\", \"tomorrow 7pm\" or \"in 2 hours\"")
    if len(s) > 100:
        raise TimeParseError("that time is too long to read; write e.g. \"2026-12-05 18:30\"")
    try:
        stated = _read(s, tz, now)
    except (Ambiguous, ZoneError, TimeParseError) as e:
        raise TimeParseError(str(e)) from e
    except phrases.NoSuchTime as e:
        raise TimeParseError(f"I can't read '{text}' as a time: no clock shows that; write "
                             "e.g. 7pm or 19:00") from e
    except (ValueError, OverflowError) as e:
        raise TimeParseError(f"'{text}' is not a real date or time") from e
    result = stated.astimezone(UTC)
    if not allow_past and result <= now:
        raise TimeParseError(f"'{text}' is {format_time(result, tz)}, in the past; pick a time "
                             "that is still ahead")
    if result - now > timedelta(days=5 * 365):
        raise TimeParseError(f"'{text}' is more than five years away; pick a nearer time")
    same_zone = getattr(stated.tzinfo, "key", None) == tz.key
    return result, (stated if same_zone else stated.astimezone(tz)).replace(tzinfo=None)


def _wall(naive: datetime, tz: tzinfo) -> datetime:
    """A wall time with its zone attached and not yet converted, so the wall time as said
    survives; converting it applies `localize`'s rule (the same fold=0)."""
    return naive.replace(tzinfo=tz, fold=0)


def _read(s: str, tz: ZoneInfo, now: datetime, *, lenient: bool = True) -> datetime:
    """The time a phrase names: the wall time it said in its zone (`_wall`), or a moment."""
    stated = phrases.iso(s)
    if stated is not None:
        day, clock, zone = stated
        if clock is None:
            raise TimeParseError(f"which time on {day:%a %d %b}? e.g. {s} 18:30")
        return _wall(datetime.combine(day, time(clock.hour, clock.minute)), zone or tz)
    s = _ONE.sub(r"in 1 \1", s)  # "in an hour"
    words, zone = phrases.split_zone(s)
    words = _tonight(words)
    here = zone or tz
    today = now.astimezone(here).date()
    clock, rest = phrases.clock_in(words)
    rel = _RELATIVE.match(s)
    if rel and zone is None and _DURATION_FULL.match(rel.group(1)):
        # "in 2 hours", "in 3 days", "in 1h30m" (not the clock time 1:30): exactly that long
        # from now, wherever the clock is
        try:
            return now + parse_duration(rel.group(1))
        except TimeParseError:
            if clock is None:  # "in 0 minutes"; "in 2 days 6pm" is a day and a clock time
                raise
    phrases.no_unknown_zone(words, clock)
    if clock is None and (m := _TRAILING_HOUR.match(words)) and phrases.day_of(m["rest"], today):
        clock, rest = phrases.clock_in(f"{m['rest']} at {m['h']}")  # "friday 5": which 5?
    found = phrases.day_of(rest, today)
    if clock is None:
        if not lenient and found is None:
            raise TimeParseError(s)
        asked = _day_without_time(found, rest, s, here, now, today)
        raise TimeParseError(f"which time on {asked}? e.g. \"{s} 7pm\" or \"{s} 18:30\"")
    if found is None:
        if not lenient:
            raise TimeParseError(s)
        return _with_dateparser(s, rest, clock, here, now)
    day_, weekday, next_week = found
    at = time(clock.hour, clock.minute)
    if day_ is not None:
        return _wall(datetime.combine(day_, at), here)
    if weekday is None:  # a time alone: the next time the clock shows it
        first = _wall(datetime.combine(today, at), here)
        if first.astimezone(UTC) > now:
            return first
        return _wall(datetime.combine(today + timedelta(days=1), at), here)
    ahead = (weekday - today.weekday()) % 7
    first = _wall(datetime.combine(today + timedelta(days=ahead), at), here)
    if first.astimezone(UTC) <= now or (next_week and ahead == 0):
        return _wall(datetime.combine(today + timedelta(days=ahead + 7), at), here)
    return first


def _day_without_time(found: tuple[date | None, int | None, bool] | None, rest: str, s: str,
                      tz: tzinfo, now: datetime, today: date) -> str:
    """The day a text with no time of day names, for the question back; refuses what is
    not a day at all."""
    if found is not None and found[0] is not None:
        return f"{found[0]:%a %d %b}"
    if found is not None and found[1] is not None:
        ahead = (found[1] - today.weekday()) % 7 or (7 if found[2] else 0)
        return f"{today + timedelta(days=ahead):%a %d %b}"
    parsed = _dateparser_parse(s, tz, now) if rest else None
    if parsed is None:
        raise TimeParseError(f"I can't read '{s}' as a time; try \"saturday 10am\", "
                             "\"tomorrow 7pm\", \"in 2 hours\" or \"2026-12-05 18:30\"")
    return f"{parsed:%a %d %b}"


def _with_dateparser(s: str, rest: str, clock: phrases.Clock, tz: tzinfo, now: datetime) -> datetime:
    """Date words the patterns do not know: dateparser reads them, and its reading is kept
    only if it has exactly the clock time the text stated. Numbers, and words for a span
    rather than a day, are never left to it: it fills in what the text did not say."""
    if not phrases.plain_day_words(rest):
        raise TimeParseError(f"I can't read '{s}' as a time; name the day and the time, e.g. "
                             "\"saturday 10am\", \"dec 24 6pm\" or \"2026-12-24 18:00\"")
    parsed = _dateparser_parse(s, tz, now)
    if parsed is None or (parsed.hour, parsed.minute) != (clock.hour, clock.minute):
        raise TimeParseError(f"I can't read '{s}' as a time; try \"saturday 10am\", "
                             "\"tomorrow 7pm\", \"in 2 hours\" or \"2026-12-05 18:30\"")
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    return _wall(parsed, tz)


def read_time(text: str, tz: ZoneInfo, now: datetime) -> datetime | None:
    """The moment a text plainly names (a poll option such as "tomorrow 7pm"), or None for
    text that is not a time; the patterns alone decide, so "Blue Cafe" costs no parser."""
    s = " ".join(text.split()).lower().rstrip(".!")
    if not s or len(s) > 100:
        return None
    try:
        at = _read(s, tz, now, lenient=False).astimezone(UTC)
    except (TimeParseError, ValueError, OverflowError):
        return None
    return at if now < at and at - now <= timedelta(days=5 * 365) else None


def parse_when_or_duration(text: str, tz: ZoneInfo, now: datetime) -> datetime:
    try:
        return now + parse_duration(text)
    except TimeParseError:
        return parse_when(text, tz, now)
