"""`when` parsing, in the space's timezone unless the text names one; the entry point
for times and durations (bot/durations.py) people type.

The parts of a phrase (day, clock time, zone) are read by bot/timephrases.py, a part of the
day beside the clock time ("evening 7") by bot/timeparts.py; day words their patterns do not
know go to dateparser (bot/timeguess.py), asked only about words that may name a day and
kept only when it agrees with the clock time the text stated. Wall times get their zone
attached by bot/wallclock.py, which refuses the times a DST change skips or repeats. "in 2 hours" is computed on absolute
time, right across a DST change; "in 3 days" alone is a day, not a moment. Nothing is
guessed: a day with no time, an hour that could be am or pm, a date with two readings or one
passed, a span ("10:00-12:00") that reads as an offset, "2h30" where a length may go are
refused, in words from bot/timehints.py; so is a time typed in digits other than 0-9 ("７pm"),
saying what it reads as (bot/durations.py `other_digits`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from . import durations
from . import timehints as hints
from . import timeparts as parts
from . import timephrases as phrases
from .durations import TimeParseError, Unreadable, format_duration, parse_duration
from .timedates import DateRefused
from .timeguess import dateparser_parse as _dateparser_parse
from .timeguess import with_dateparser
from .timeofday import RELATIVE as _RELATIVE
from .timeofday import names_a_day, without_part_of_day
from .timeofday import spelled as _spelled
from .timephrases import Ambiguous
from .timezones import ZoneError, space_zone
from .wallclock import WallTimeRefused, five_years_on, localize

__all__ = ["TimeParseError", "format_duration", "format_time", "parse_duration", "parse_when",
           "names_a_day", "parse_when_or_duration", "read_time", "time_of_day", "zone"]

UTC = ZoneInfo("UTC")


_NUMBER = re.compile(r"^\d{1,7}$")
_THIS = re.compile(r"\bthis\b")
_TRAILING_HOUR = re.compile(r"^(?P<rest>.*\D)\s(?P<h>\d{1,2})$")
def zone(name: str) -> ZoneInfo:
    """A space's timezone (an IANA name, or a city); refuses abbreviations and fixed
    offsets with suggestions."""
    try:
        return space_zone(name)
    except ZoneError as e:
        raise TimeParseError(str(e)) from e


def format_time(at: datetime, tz: tzinfo) -> str:
    return at.astimezone(tz).strftime("%a %d %b %Y %H:%M %Z").strip()


def parse_when(text: str, tz: ZoneInfo, now: datetime, *, allow_past: bool = False) -> datetime:
    """A moment from user text, read in `tz` unless the text names a zone; in UTC.
    Refuses (TimeParseError, a sentence saying what was understood) anything it would
    otherwise have to guess: a day with no time, an hour that could be am or pm, a zone
    abbreviation or a numeric date with two meanings, a wall time the clocks skip or show
    twice, a time already past. Every example a refusal quotes is one this accepts."""
    s = " ".join(text.split()).lower().rstrip(".!")
    if not s:
        raise TimeParseError("say when, e.g. \"saturday 10am\", \"tomorrow 7pm\" or \"in 2 hours\"")
    if len(s) > 100:
        raise TimeParseError("that time is too long to read; write e.g. "
                             f"\"{hints.dates(now.astimezone(tz).date())[1]}\"")
    durations.other_digits(text, _reading(lambda typed: parse_when(typed, tz, now, allow_past=allow_past), tz))
    try:
        result = _read(s, tz, now)
    except (Ambiguous, ZoneError, TimeParseError, WallTimeRefused) as e:
        raise TimeParseError(str(e)) from e
    except DateRefused as e:
        raise TimeParseError(hints.date_refused(e, s, tz, now.year, _accepts(tz, now))) from e
    except phrases.NoSuchTime as e:
        raise TimeParseError(f"I can't read '{text}' as a time: no clock shows that; write "
                             "e.g. 7pm or 19:00") from e
    except (ValueError, OverflowError) as e:
        raise TimeParseError(f"'{text}' is not a real date or time") from e
    if not allow_past and result <= now:
        raise TimeParseError(f"'{text}' is {format_time(result, tz)}, in the past; pick a time "
                             "that is still ahead")
    if result > five_years_on(now):
        raise TimeParseError(f"'{text}' is more than five years away; pick a nearer time")
    return result


def _read(s: str, tz: ZoneInfo, now: datetime, *, asking: bool = True) -> datetime:
    ok = _accepts(tz, now)
    stated = phrases.iso(s)
    if stated is not None:
        day, clock, zone = stated
        if clock is None:
            raise TimeParseError(hints.which_time(f"{day:%a %d %b}", s, "", now.astimezone(tz).date(), ok))
        return localize(datetime.combine(day, time(clock.hour, clock.minute)), zone or tz, now=now)
    s = _spelled(s)
    words, zone = phrases.split_zone(s, tz, now.year)
    zone_word = s[len(words):].strip() if zone is not None else ""
    words = parts.bare_hour(words, f" {zone_word}" if zone_word else "", ok)
    here = zone or tz
    today = now.astimezone(here).date()
    if _NUMBER.match(words):
        raise TimeParseError(hints.number_alone(s, int(words), zone_word, ok))
    clock, rest = phrases.clock_in(words)
    rel = _RELATIVE.match(words)
    if rel:
        moment = _relative(rel.group(1), s, clock, rest, today, now, zone_word, ok)
        if moment is not None:
            return moment
    phrases.no_unknown_zone(words, clock)
    if clock is None and (m := _TRAILING_HOUR.match(words)) and phrases.day_of(m["rest"], today):
        clock, rest = phrases.clock_in(f"{m['rest']} at {m['h']}")  # "friday 5": which 5?
    found = phrases.day_of(rest, today)
    if clock is None:
        if not asking:  # no time of day, so not a moment: the question back is not wanted
            raise TimeParseError(s)
        asked = _day_without_time(found, rest, s, here, now, today, ok)
        raise TimeParseError(hints.which_time(asked, words, zone_word, today, ok, read=found is not None))
    if found is None:
        return with_dateparser(s, rest, clock, here, now, zone_word, ok)
    day_, weekday, next_week = found
    at = time(clock.hour, clock.minute)
    wall_now = now.astimezone(here).replace(tzinfo=None)
    if day_ is not None:
        return localize(datetime.combine(day_, at), here, zone_word=zone_word, now=now)
    if weekday is None:  # a time alone: the next time the clock shows it
        ahead = 0 if datetime.combine(today, at) > wall_now else 1
    else:
        ahead = (weekday - today.weekday()) % 7
        gone = datetime.combine(today + timedelta(days=ahead), at) <= wall_now
        if gone and ahead == 0 and _THIS.search(rest):  # "this saturday 9am" said on Saturday at 10
            _this_day_gone(s, words, zone_word, localize(datetime.combine(today, at), here, now=now), tz, ok)
        if gone or (next_week and ahead == 0):
            ahead += 7
    # the day is chosen on the wall clock, so only the day meant is checked for a DST change
    return localize(datetime.combine(today + timedelta(days=ahead), at), here, zone_word=zone_word, now=now)


def time_of_day(text: str, tz: ZoneInfo, now: datetime) -> str:
    """What to read after a date for the time of day `text` says ("evening 7pm" is 19:00):
    beside a date the words for the part of the day would not be read. Only where
    `parse_when` reads the text, which refuses a part of the day that disagrees with the clock
    time ("morning 7pm"), so none is read here that `when=` refuses elsewhere."""
    alone = without_part_of_day(text, tz, now)
    if alone != text:
        try:
            parse_when(text, tz, now, allow_past=True)
        except TimeParseError as e:
            if not isinstance(e.__cause__, WallTimeRefused):  # today's clocks, not the day's it goes on
                raise
    return alone


def _this_day_gone(s: str, words: str, zone_word: str, at: datetime, tz: tzinfo,
                   ok: hints.Accepts) -> None:
    """"this <weekday>" on that weekday, at a time already gone: today, in the past, not a
    week on (the bot does not pick the other day for the person)."""
    tail = f" {zone_word}" if zone_word else ""
    good = hints.pick([_THIS.sub("next", words, count=1) + tail], ok)
    instead = f"; for a week on write {hints.quoted(good)}" if good else "; pick a time that is still ahead"
    raise TimeParseError(f"'{s}' is today, {format_time(at, tz)}, in the past{instead}")


def _relative(body: str, s: str, clock: phrases.Clock | None, rest: str, today: date, now: datetime,
              zone_word: str, ok: hints.Accepts) -> datetime | None:
    """"in 2 hours", "in 1h30m": exactly that long from now, wherever the clock is and
    whatever zone the text names. None for a day offset with a clock time ("in 3 days at
    6pm"), which is read as a day. A whole number of days or weeks alone is a day with no
    time; a number that is not a length of time is refused, not read as a date."""
    if durations.FULL.match(body):
        try:
            length = parse_duration(body)
        except TimeParseError:
            if durations.longer_than_any(body):  # the bound that counts here is `when=`'s own
                raise TimeParseError(f"'{s}' is more than five years away; pick a nearer time") from None
            if clock is None:  # "in 0 minutes"; "in 2 days 6pm" is a day and a clock time
                raise
            return None
        if not durations.whole_days(body):
            return now + length
        if now + length > five_years_on(now):
            raise TimeParseError(f"'{s}' is more than five years away; pick a nearer time")
        day = today + timedelta(days=length.days)
        said = body if phrases.day_of(f"in {body}", today) else f"{length.days} days"
        raise TimeParseError(hints.which_time(f"{day:%a %d %b}", f"in {said} at", zone_word, today, ok))
    if m := durations.FRACTION.match(body):
        whole = durations.in_whole_units(m[1], m[2])
        raise TimeParseError(hints.fraction(s, f"in {whole}" if whole else None, ok))
    if _NUMBER.match(body):
        raise TimeParseError(hints.in_what(s, body, ok))
    if clock is not None and rest == "in":  # "in 1:30": a clock time where a length belongs
        raise TimeParseError(hints.in_clock(s, body, clock, ok))
    return None


def _day_without_time(found: tuple[date | None, int | None, bool] | None, rest: str, s: str,
                      tz: tzinfo, now: datetime, today: date, ok: hints.Accepts) -> str:
    """The day a text with no time of day names, for the question back; refuses what is
    not a day at all."""
    if found is not None and found[0] is not None:
        return f"{found[0]:%a %d %b}"
    if found is not None and found[1] is not None:
        ahead = (found[1] - today.weekday()) % 7 or (7 if found[2] else 0)
        return f"{today + timedelta(days=ahead):%a %d %b}"
    parsed = _dateparser_parse(s, tz, now) if rest else None
    if parsed is None:
        raise Unreadable(hints.unreadable(s, today, ok))
    return f"{parsed:%a %d %b}"


def read_time(text: str, tz: ZoneInfo, now: datetime) -> datetime | None:
    """The moment a text names (a poll option such as "tomorrow 7pm"), or None for text
    that is not a time: read as `when=` reads it, so an option that `when=poll:` could take
    as a time is fixed now and shown with its date, never read later against another day."""
    s = " ".join(text.split()).lower().rstrip(".!")
    if not s or len(s) > 100 or durations.other_digits_in(s):
        return None
    try:
        at = _read(s, tz, now, asking=False)
    except (TimeParseError, ValueError, OverflowError):
        return None
    return at if now < at <= five_years_on(now) else None


def parse_when_or_duration(text: str, tz: ZoneInfo, now: datetime, offer: bool = True) -> datetime:
    """A length of time from now ("2h") or a moment; "2h30", both 2h30m and 02:30, is refused.
    `offer` as in `durations.other_digits`."""
    durations.other_digits(text, _reading(lambda typed: parse_when_or_duration(typed, tz, now), tz), offer)
    try:
        return now + parse_duration(text)
    except TimeParseError:
        if durations.duration_shaped(text):
            raise
    if hm := durations.hours_minutes(text):
        raise TimeParseError(hints.length_or_clock(text.strip(), *hm, _accepts(tz, now)))
    return parse_when(text, tz, now)


def _reading(read: Callable[[str], datetime], tz: tzinfo) -> Callable[[str], str | None]:
    """What a text typed with the digits 0-9 means, for the refusal of one typed with others:
    the moment in full, or None where that text is refused too."""
    def meant(typed: str) -> str | None:
        try:
            return f" ({format_time(read(typed), tz)})"
        except TimeParseError:
            return None
    return meant


_CHECKING: ContextVar[bool] = ContextVar("checking_an_example", default=False)


def _accepts(tz: ZoneInfo, now: datetime) -> hints.Accepts:
    """Whether the parser takes an example a refusal would quote (checked once: the
    wording of an example's own refusal is not checked in turn)."""
    def ok(example: str) -> bool:
        if _CHECKING.get():
            return True
        with _checking():
            try:
                parse_when(example, tz, now)
            except TimeParseError:
                return False
        return True
    return ok


@contextmanager
def _checking() -> Iterator[None]:
    token = _CHECKING.set(True)
    try:
        yield
    finally:
        _CHECKING.reset(token)
