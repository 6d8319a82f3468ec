"""Date words the patterns of bot/timephrases.py do not know ("saturday evening 7pm"), read
by dateparser, under the rule that nothing typed is dropped: dateparser is asked only when
the words beside the clock time hold a day it reads on their own, and its reading is kept
only with exactly the clock time the text stated. A clock time beside words that hold no day
("20:00h", "t20:00", "8pm !!") is refused, saying what was read: dateparser would drop the rest.
"""

from __future__ import annotations

import re
import warnings
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from . import timehints as hints
from . import timeparts as parts
from . import timephrases as phrases
from .durations import TimeParseError, Unreadable
from .wallclock import localize

UTC = ZoneInfo("UTC")
_WORD = re.compile(r"[a-z]+")
# Words that say which day, besides weekdays and months; "this"/"next" as in "this evening".
_DAY_WORDS = {"today", "tonight", "tomorrow", "yesterday", "overmorrow", "this", "next"}
_PART_OF_DAY = {*parts.PARTS, "in", "the"}


def dateparser_parse(text: str, tz: tzinfo, now: datetime) -> datetime | None:
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


def part_of_day(rest: str) -> bool:
    """Whether the words beside a clock time only say the part of the day ("in the evening")."""
    said = set(_WORD.findall(rest))
    return bool(said & set(parts.PARTS)) and said <= _PART_OF_DAY


def holds_a_day(rest: str) -> bool:
    """Whether the words beside a clock time name a day at all: a weekday, a month or a
    word such as "tomorrow". Without one dateparser has no day to add, only words to drop."""
    return any(w in _DAY_WORDS or phrases.weekday_number(w) is not None or phrases.month_number(w) is not None
               for w in _WORD.findall(rest))


def with_dateparser(s: str, rest: str, clock: phrases.Clock, tz: tzinfo, now: datetime,
                    zone_word: str, ok: hints.Accepts) -> datetime:
    """The moment dateparser reads in `s`, whose clock time the patterns read as `clock` and
    whose other words `rest` they could not. Numbers, words for a span rather than a day, and
    words dateparser does not read as a day on their own are never left to it: it would fill
    in what the text did not say, or drop what it did."""
    today = now.astimezone(tz).date()
    if not phrases.plain_day_words(rest):
        raise Unreadable(hints.unreadable(s, today, ok))
    parts.agrees(rest, clock)
    if not part_of_day(rest):  # "7pm in the evening": read, agreeing
        if not holds_a_day(rest):
            raise TimeParseError(hints.unread_part(s, clock, rest, zone_word, ok))
        if dateparser_parse(rest, tz, now) is None:
            raise Unreadable(hints.unreadable(s, today, ok))
    parsed = dateparser_parse(s, tz, now)
    if parsed is None or (parsed.hour, parsed.minute) != (clock.hour, clock.minute):
        raise Unreadable(hints.unreadable(s, today, ok))
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    return localize(parsed, tz, zone_word=zone_word, now=now)
