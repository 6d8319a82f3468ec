"""`when` and duration parsing, in the space's timezone.

Natural phrases ("saturday 10am", "tomorrow 7pm") go to dateparser, which is
told to read them as *naive local wall time*; we attach the zone ourselves so DST
gaps and folds are decided in one place. Relative phrases ("in 2 hours") are
computed on absolute UTC time, so they are right across a DST change.
"""

from __future__ import annotations

import re
import warnings
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# The phrases people type most ("saturday 10am", "tomorrow 7:30pm", "today at 18:00") are
# read here directly; dateparser (slow to load, a few ms a call) handles the rest.
_TIME = r"(?:at\s+)?(?:(?P<noon>noon|midday)|(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>am|pm)?)"
_COMMON = re.compile(
    r"^(?:(?P<rel>today|tonight|tomorrow)|(?P<next>next\s+)?(?P<day>mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)"
    r"[a-z]*)\s+" + _TIME + "$",
    re.IGNORECASE)
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december")
# "dec 20 7pm", "december 20th at 19:00", "20 dec 7pm": the next such date that is ahead.
_MONTH_DAY = re.compile(
    r"^(?:(?P<mon>[a-z]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?|(?P<d2>\d{1,2})(?:st|nd|rd|th)?\s+"
    r"(?P<mon2>[a-z]{3,9})\.?),?\s+" + _TIME + "$", re.IGNORECASE)
_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[ t](\d{1,2}):(\d{2}))?\s*$", re.IGNORECASE)


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
    try:
        if not name or name.startswith(("/", ".")) or ".." in name:
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as e:
        raise TimeParseError(
            f"'{name}' is not a timezone; use an IANA name such as Europe/Berlin or America/New_York"
        ) from e


def localize(naive: datetime, tz: ZoneInfo) -> datetime:
    """Wall time in `tz` -> aware UTC. fold=0 gives the rule people expect on both DST
    days: a time inside the spring-forward gap moves forward by the gap (02:30 -> 03:30),
    and an ambiguous autumn time means its first occurrence."""
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def _common_phrase(text: str, tz: ZoneInfo, now: datetime) -> datetime | None:
    m = _COMMON.match(text)
    if not m:
        return None
    clock = _clock_time(m, tonight=(m.group("rel") or "").lower() == "tonight")
    if clock is None:
        return None
    hour, minute = clock
    today = now.astimezone(tz).date()
    rel = (m.group("rel") or "").lower()
    if rel:
        day = today + timedelta(days=1 if rel == "tomorrow" else 0)
    else:
        want = next(i for i, d in enumerate(_DAYS) if d.startswith(m.group("day").lower()[:3]))
        ahead = (want - today.weekday()) % 7
        day = today + timedelta(days=ahead)
        at = localize(datetime(day.year, day.month, day.day, hour, minute), tz)
        if at <= now or m.group("next") and ahead == 0:  # "saturday" on a Saturday evening: next week
            day += timedelta(days=7)
    return localize(datetime(day.year, day.month, day.day, hour, minute), tz)


def _clock_time(m: re.Match[str], *, tonight: bool = False) -> tuple[int, int] | None:
    if m.group("noon"):
        return 12, 0
    hour, minute = int(m.group("h")), int(m.group("m") or 0)
    ampm = (m.group("ampm") or "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    elif tonight and hour < 12:
        hour += 12
    if hour > 23 or minute > 59:
        return None
    return hour, minute


def _month_day(text: str, tz: ZoneInfo, now: datetime) -> datetime | None:
    m = _MONTH_DAY.match(text)
    if not m:
        return None
    word = (m.group("mon") or m.group("mon2")).lower()
    month = next((i for i, name in enumerate(_MONTHS, 1)
                  if name.startswith(word) or (word == "sept" and i == 9)), None)
    clock = _clock_time(m)
    if month is None or clock is None:
        return None  # not a month name: let dateparser have a go
    day = int(m.group("d") or m.group("d2"))
    year = now.astimezone(tz).year
    for y in (year, year + 1):
        try:
            at = localize(datetime(y, month, day, *clock), tz)
        except ValueError:
            return None  # "feb 30": not a date; dateparser gets it and refuses it
        if at > now:
            return at
    return None


def _dateparser_parse(text: str, tz: ZoneInfo, now: datetime) -> datetime | None:
    import dateparser  # heavy import; only when a natural phrase needs it

    base = now.astimezone(tz).replace(tzinfo=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed: datetime | None = dateparser.parse(
            text,
            languages=["en"],
            settings={
                "PREFER_DATES_FROM": "future",
                "RELATIVE_BASE": base,
                "RETURN_AS_TIMEZONE_AWARE": False,
                "PREFER_DAY_OF_MONTH": "first",
            },
        )
    return parsed


def parse_when(text: str, tz: ZoneInfo, now: datetime, *, allow_past: bool = False) -> datetime:
    """A moment from user text, read in `tz`; returned in UTC."""
    s = " ".join(text.split())
    if not s:
        raise TimeParseError("say when, e.g. \"saturday 10am\", \"tomorrow 7pm\" or \"in 2 hours\"")
    if len(s) > 100:
        raise TimeParseError("that time is too long to read; write e.g. \"2026-12-05 18:30\"")
    rel = _RELATIVE.match(s)
    if rel:
        result = now + parse_duration(rel.group(1))
    else:
        iso = _ISO.match(s)
        if iso:
            y, mo, d, hh, mm = iso.groups()
            try:
                naive = datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0))
            except ValueError as e:
                raise TimeParseError(f"'{text}' is not a real date") from e
            result = localize(naive, tz)
        elif (common := _common_phrase(s, tz, now) or _month_day(s, tz, now)) is not None:
            result = common
        else:
            try:
                parsed = _dateparser_parse(s, tz, now)
            except Exception:  # dateparser raises assorted errors on odd input
                parsed = None
            if parsed is None:
                raise TimeParseError(
                    f"I can't read '{text}' as a time; try \"saturday 10am\", "
                    "\"tomorrow 7pm\", \"in 2 hours\" or \"2026-12-05 18:30\""
                )
            # A text that named its own zone keeps it; otherwise it is wall time here.
            result = parsed.astimezone(UTC) if parsed.tzinfo is not None else localize(parsed, tz)
    if not allow_past and result <= now:
        raise TimeParseError(f"'{text}' is in the past; pick a time that is still ahead")
    if result - now > timedelta(days=5 * 365):
        raise TimeParseError(f"'{text}' is more than five years away; pick a nearer time")
    return result


def parse_when_or_duration(text: str, tz: ZoneInfo, now: datetime) -> datetime:
    try:
        return now + parse_duration(text)
    except TimeParseError:
        return parse_when(text, tz, now)
