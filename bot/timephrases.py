"""Reading the phrases people write for a meetup's time, part by part.

A phrase is a day, a clock time and perhaps a zone, in either order: "dec 24 6pm",
"6pm on friday", "tomorrow at 19:00 UTC", "2026-12-24T18:00+01:00". Each part is read by
a small pattern here; a part that is missing or could mean two things is reported, never
filled in (`Ambiguous`, or no clock time for the caller to ask about). What these patterns do not know goes to
dateparser (bot/timeguess.py), under the same rules; dates on the calendar are bot/timedates.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo

from .timedates import MONTHS, dated, of_month, real_date
from .timelinks import linked_zones
from .timezones import abbreviation, city, iana, letters

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Ambiguous(ValueError):
    """The text could mean two things; the message names both and how to say which."""


class NoSuchTime(ValueError):
    """A clock time no clock shows (25:99, 13pm)."""


@dataclass(frozen=True, slots=True)
class Clock:
    hour: int
    minute: int


_TIME = re.compile(
    r"(?:\bat\s+)?(?:(?P<noon>noon|midday)|(?P<midnight>midnight)|"
    r"(?P<h>\d{1,2})(?:[:.](?P<m>\d{2})(?P<s>:\d{2})?)?\s*(?P<ampm>[ap]\.?m\.?)(?![a-z])|"
    # "20:00h": the h of hours some write after a clock time, not a letter left unread
    r"(?P<h24>\d{1,2})[:h](?P<m24>\d{2})(?P<s24>:\d{2})?(?:h(?![a-z]))?(?![\d/])|"
    # 18.30: a dot only after an hour no date has as its day-of-month-and-month pair
    r"\b(?P<hdot>1[3-9]|2[0-3])\.(?P<mdot>[0-5]\d)\b(?!\.)|"
    # 7.30: a time with no am/pm (no day.month pair has a month past 12), unless a length ("2.25 hours")
    r"\b(?P<hamb>[1-9]|1[0-2])\.(?P<mamb>1[3-9]|[2-5]\d)\b(?!\.|\s*(?:h|hrs?|hours?|m|mins?|minutes?)\b)|"
    r"\bat\s+(?P<bare>\d{1,2})(?![\d:/.]))")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:([t ])(\d{1,2}):(\d{2})(:\d{2}(?:\.\d+)?)?)?"
                  r"(\s*)(z|[+-]\d{2}(?::?\d{2})?)?$")
# "10:00-12:00": a minus right after a clock time is an offset in ISO's T form, but as often
# the end of a range.
_CLOCK_END = re.compile(r"\b\d{1,2}[:.h]\d{2}$")
# Not the minutes and seconds of "18:00:00-05:00": nobody writes a span with seconds.
_DASH_AFTER_CLOCK = re.compile(r"(?<![:.])(?P<clock>\b\d{1,2}[:.h]\d{2})-(?P<end>\d{1,2}(?::?\d{2})?)$")
_REL_DAYS = re.compile(r"^in\s+(\d{1,4})\s*(day|days|d|week|weeks|w)$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2}|\d{4}))?\.?$")
_MONTH_DAY = re.compile(r"^(?P<mon>[a-z]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<y>\d{4}))?$")
_DAY_MONTH = re.compile(r"^(?:the\s+)?(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>[a-z]{3,9})\.?"
                        r"(?:,?\s+(?P<y>\d{4}))?$")
_WEEKDAY = re.compile(r"^(?:(?P<which>next|this|on)\s+)?(?P<wd>[a-z]{3,9})$")
_OF_MONTH = re.compile(r"^(?:the\s+)?(?P<d>\d{1,2})(?:st|nd|rd|th)$")  # "the 24th"
_WEEK_ON = re.compile(r"^(?P<wd>[a-z]{3,9})\s+week$")  # "friday week": a week after the coming friday
# Year first, so with slashes too it has one reading: 2026/12/24, 2027/1/5.
_SLASHED = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})(?=$|[t ])")
_FILLER = re.compile(r"^(?:on\b|at\b|,)\s*|\s*(?:\bon|\bat|,)$")
_SPAN_WORDS = {"week", "weeks", "month", "months", "year", "years", "weekend", "hour", "hours",
               "minute", "minutes", "min", "day", "days", "now", "ago", "fortnight"}
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ZONE_LIKE = re.compile(r"^[a-z]{2,5}$")
WEEKDAY_OF = re.compile(r"^(?P<wd>[a-z]{3,9}),?\s+(?P<rest>.*\d.*)$")


def iso(text: str) -> tuple[date, Clock | None, tzinfo | None] | None:
    """`2026-12-24`, `2026-12-24 18:00`, `2026-12-24T18:00+01:00`; None if not ISO."""
    m = _ISO.match(_dashed(text))
    if not m:
        return None
    y, mo, d, sep, hh, mm, ss, gap, off = m.groups()
    if sep == " " and not gap and off and off.startswith("-"):
        _offset_or_range(text)
    day = real_date(int(y), int(mo), int(d))
    clock = Clock(int(hh), int(mm)) if hh is not None else None
    if clock is not None and (clock.hour > 23 or clock.minute > 59):
        raise NoSuchTime(text)
    if clock is not None:
        # a minus right after the minutes would read as a span ("18:30-05:00"): spaced apart
        apart = gap or (" " if off and off.startswith("-") else "")
        _whole_minute(text, clock, ss, f"{y}-{mo}-{d} ", f"{apart}{off.upper()}" if off else "")
    zone = abbreviation("utc" if off == "z" else off) if off else None
    return day, clock, zone


def _dashed(text: str) -> str:
    return _SLASHED.sub(lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", text, count=1)


def split_zone(text: str, home: tzinfo | None = None, year: int = 0) -> tuple[str, tzinfo | None]:
    """The text without a zone named at its end ("7pm UTC", "6pm Europe/Berlin", "18:00+01");
    letters the space's zone `home` shows are read as its clocks mean them (bot/timezones.py)."""
    words = text.rsplit(" ", 1)
    if len(words) == 2:
        last = words[1]
        found = iana(last) if "/" in last else letters(last, home, year, linked_zones())
        if found is not None:
            return words[0], found
    parts = text.split(" ")
    for n in (3, 2, 1):  # a city: "7pm new york", "10am la paz", "6pm london"
        if len(parts) > n and _TIME.search(" ".join(parts[:-n])) and (place := city(" ".join(parts[-n:]))):
            return " ".join(parts[:-n]), place
    m = re.search(r"(?<=\d)\s*(?:utc|gmt)?([+-]\d{1,2}(?::?\d{2})?)$", text)
    if m and m.group(0)[0] in "+-" and not _CLOCK_END.search(text[: m.start()]):
        return text, None  # the end of a date ("6pm 2026-12-24"), not an offset
    if m and m.group(0).startswith("-"):
        _offset_or_range(text)
    if m:
        return text[: m.start()].strip(), abbreviation(m.group(0).strip())
    return text, None


def _offset_or_range(text: str) -> None:
    """Refuses "10:00-12:00" (not in ISO's T form): 10:00 at UTC-12, or 10:00 until 12:00."""
    if m := _DASH_AFTER_CLOCK.search(text):
        clock, end = m["clock"], m["end"]
        span = (f"for a time from {clock} to {end} write the start alone (an event takes its length as "
                "duration=, e.g. duration=2h)")
        digits = end.replace(":", "")
        hours, minutes = (int(digits), 0) if len(digits) <= 2 else (int(digits[:-2]), int(digits[-2:]))
        if minutes > 59 or hours * 60 + minutes > 14 * 60:  # no clock is that far behind UTC
            raise Ambiguous(f"{clock}-{end} reads as a span of time; {span}")
        raise Ambiguous(f"{clock}-{end} could be {clock} at UTC-{end} or from {clock} to {end}; for the "
                        f"offset write {clock} UTC-{end}, {span}")


def clock_in(text: str) -> tuple[Clock | None, str]:
    """The clock time in `text` and the text around it; refuses an hour that could be
    morning or evening."""
    m = _TIME.search(text)
    if not m:
        return None, text
    rest = (text[: m.start()] + " " + text[m.end():]).strip()
    if m.group("noon"):
        return Clock(12, 0), rest
    if m.group("midnight"):
        raise Ambiguous("midnight could be the start or the end of that day; say 23:59 or 00:00 "
                        "with the date you mean")
    if m.group("bare") is not None:
        hour = int(m.group("bare"))
        if hour == 12:
            raise Ambiguous("12 noon or midnight? say noon (or 12pm), or 00:00 with the date you mean")
        if 1 <= hour <= 12:
            raise Ambiguous(f"{hour} in the morning or in the evening? say {hour}am or {hour}pm "
                            f"(or {hour % 12 + 12}:00)")
        if hour > 23:
            raise NoSuchTime(text)
        return Clock(hour, 0), rest
    if m.group("ampm"):
        hour, minute = int(m.group("h")), int(m.group("m") or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise NoSuchTime(text)
        clock = Clock(hour % 12 + (12 if m.group("ampm")[0] == "p" else 0), minute)
        if clock == Clock(0, 0):
            raise Ambiguous(f"{m.group(0).strip()} is midnight, which could be the start or the end of "
                            "that day; say 23:59 or 00:00 with the date you mean")
        _whole_minute(m.group(0).strip(), clock, m.group("s"), "", m.group("ampm").replace(".", ""))
        return clock, rest
    if m.group("hamb"):
        h, mm = int(m.group("hamb")), m.group("mamb")
        raise Ambiguous(f"{h}.{mm} reads as a clock time: {h}:{mm} in the morning or in the "
                        f"evening? say {h}:{mm}am or {h}:{mm}pm (or {h % 12 + 12}:{mm})")
    if m.group("hdot"):
        return Clock(int(m.group("hdot")), int(m.group("mdot"))), rest
    hour, minute = int(m.group("h24")), int(m.group("m24"))
    if hour > 23 or minute > 59:
        raise NoSuchTime(text)
    _whole_minute(m.group(0).strip(), Clock(hour, minute), m.group("s24"), "", "")
    return Clock(hour, minute), rest


def _whole_minute(said: str, clock: Clock, seconds: str | None, day: str, after: str) -> None:
    """Times are kept and shown to the minute: a time with seconds other than :00 (what
    str(datetime) prints) is refused, not cut to its minute, saying the minutes it lies
    between. `day` and `after` (am/pm, an offset) are how the text wrote the rest, for the
    examples."""
    if seconds is None or not any(ch in "123456789" for ch in seconds):
        return
    def written(minutes: int) -> str:
        h, mi = divmod(minutes, 60)
        if after[:1] in ("a", "p"):
            return f"{day}{h % 12 or 12}:{mi:02d}{after}"
        return f"{day}{h:02d}:{mi:02d}{after}"
    at = clock.hour * 60 + clock.minute
    both = f"{written(at)} or {written(at + 1)}" if at + 1 < 24 * 60 else written(at)
    raise Ambiguous(f"{said} has seconds ({seconds}); times are set to the minute, so write the "
                    f"minute you mean, e.g. {both}")


def plain_day_words(rest: str) -> bool:
    """Words dateparser may read: no numbers, no spans ("next week") that leave the day
    to it, no month without its day."""
    words = rest.replace(",", " ").split()
    return (not any(ch.isdigit() for ch in rest) and not any(w in _SPAN_WORDS for w in words)
            and not (len(words) == 1 and month_number(words[0]) is not None))


def no_unknown_zone(words: str, clock: Clock | None) -> None:
    """A word right after the clock time that is neither a day nor a known zone is a zone
    the bot does not know ("7pm wib"): refused, never dropped."""
    if clock is None:
        return
    tail = words.split()[-1] if words.split() else ""
    if (_ZONE_LIKE.match(tail) and tail not in ("am", "pm", "noon", "midday", "today", "tonight")
            and month_number(tail) is None and weekday_number(tail) is None
            and not _TIME.search(tail) and _TIME.search(words.rsplit(" ", 1)[0])
            and not _WEEK_ON.match(" ".join(words.split()[-2:]))):
        raise Ambiguous(f"'{tail.upper()}' is not a timezone I know; name it like "
                        "Europe/Berlin, America/New_York or UTC+7")


def weekday_number(word: str) -> int | None:
    """Monday is 0; "weds" is how Wednesday is often written, other short forms are its start."""
    word = "wednesday" if word == "weds" else word
    return next((i for i, name in enumerate(WEEKDAYS) if len(word) >= 3 and name.startswith(word)), None)


def month_number(word: str) -> int | None:
    if word == "sept":
        return 9
    return next((i for i, name in enumerate(MONTHS, 1) if len(word) >= 3 and name.startswith(word)), None)


def day_of(text: str, today: date) -> tuple[date | None, int | None, bool] | None:
    """(a date, or a weekday to find, "next" on that weekday) from the date words; (None,
    None, False) for no date words; None if these are not date words."""
    text = _FILLER.sub("", text).strip()
    if not text:
        return None, None, False
    if text in ("today", "tonight"):
        return today, None, False
    if text == "tomorrow":
        return today + timedelta(days=1), None, False
    if text == "yesterday":
        return today - timedelta(days=1), None, False
    if m := _ISO_DAY.match(_dashed(text)):
        return date(int(m[1]), int(m[2]), int(m[3])), None, False
    if text in ("the day after tomorrow", "day after tomorrow", "overmorrow"):
        return today + timedelta(days=2), None, False
    if m := _REL_DAYS.match(text):
        n = int(m.group(1)) * (7 if m.group(2).startswith("w") else 1)
        return today + timedelta(days=n), None, False
    if (m := _WEEKDAY.match(text)) and (wd := weekday_number(m["wd"])) is not None:
        return None, wd, m.group("which") == "next"
    if (m := _OF_MONTH.match(text)):
        return of_month(int(m["d"]), today), None, False
    if (m := _WEEK_ON.match(text)) and (wd := weekday_number(m["wd"])) is not None:
        return _week_on(wd, today), None, False
    if (m := WEEKDAY_OF.match(text)) and (wd := weekday_number(m["wd"])) is not None:
        inner = day_of(m["rest"], today)
        if inner is None or inner[0] is None:
            return None
        if inner[0].weekday() != wd:
            raise Ambiguous(f"{inner[0]:%d %b %Y} is a {inner[0]:%A}, not a {WEEKDAYS[wd].title()}; "
                            "which one do you mean?")
        return inner
    for pattern in (_MONTH_DAY, _DAY_MONTH):
        if m := pattern.match(text):
            month = month_number(m.group("mon"))
            if month is None:
                return None
            return dated(int(m.group("d")), month, m.group("y"), today), None, False
    if m := _NUMERIC.match(text):
        a, b = int(m.group(1)), int(m.group(2))
        if a <= 12 and b <= 12 and a != b:
            raise Ambiguous(f"{m.group(1)}/{m.group(2)} could be {a} {MONTHS[b - 1].title()} or "
                            f"{b} {MONTHS[a - 1].title()}; write the month as a word, e.g. "
                            f"{a} {MONTHS[b - 1][:3]}")
        day, month = (a, b) if a > 12 or a == b else (b, a)
        return dated(day, month, m.group(3), today), None, False
    return None


def _week_on(wd: int, today: date) -> date:
    """"friday week" (British): a week after the coming Friday. Said on a Friday, the coming
    one could be today or next week's, so both are named."""
    ahead = (wd - today.weekday()) % 7
    if ahead == 0:
        name, near, far = WEEKDAYS[wd].title(), today + timedelta(days=7), today + timedelta(days=14)
        near_said, far_said = (f"{d:%b} {d.day}".lower() for d in (near, far))
        raise Ambiguous(f"{name} week, said on a {name}, could be {near:%a %d %b} (a week today) or "
                        f"{far:%a %d %b} (a week after next {name}); write the date, e.g. "
                        f"{near_said} 7pm or {far_said} 7pm")
    return today + timedelta(days=ahead + 7)
