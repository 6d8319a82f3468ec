"""Recurrence rules of `event create … repeat=`: read from the words people use, kept as an
RFC 5545 RRULE and expanded by python-dateutil's rrule over local wall-clock times, so a weekly
18:30 stays 18:30 across DST changes in either hemisphere.

Rules (PRODUCT.md "Recurring meetups"): daily, weekly, every 2 weeks (every N days/weeks),
monthly (the same weekday of the month as the first: the second Tuesday, or the last Friday
for a fifth one, which not every month has), monthly on the 15th, every monday and thursday.
A first day that is both the fourth and the last of its weekday is read as the contract counts it,
the fourth (the card says so); `monthly on the last friday` (also every N months on …) asks for
the other reading. A card shows a rule by its name with its day ("weekly on thursday", "monthly
on the second tuesday"), and those words are taken back as `repeat=`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from bot.context import Refusal
from bot.durations import TimeParseError, other_digits
from bot.timeparse import format_time
from bot.wallclock import settle

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ABBR = {d[:3]: i for i, d in enumerate(DAYS)} | {d: i for i, d in enumerate(DAYS)} | {
    d + "s": i for i, d in enumerate(DAYS)} | {"tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3,
                                               "thurs": 3}
_RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_ORDINAL = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
_NTH = {word: n for n, word in _ORDINAL.items()} | {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_MONTHLY_ON = re.compile(r"(?:monthly|every month|every (\d{1,2}) months?) on the (\w+) (\w+)")
MAX_COUNT = 1830  # daily for five years: the bound that decides is the five years
EXAMPLES = ("daily, weekly, every 2 weeks, monthly, monthly on the 15th, "
            "every monday and thursday")


@dataclass(frozen=True, slots=True)
class Rule:
    rrule: str  # RRULE value without DTSTART/UNTIL/COUNT, e.g. "FREQ=WEEKLY;INTERVAL=2"
    words: str  # how it reads in the chat, e.g. "every 2 weeks on thursday": read back as the same rule
    note: str = ""  # why it reads otherwise than asked, said once when the series is made


def parse_rule(text: str, first: datetime) -> Rule:
    """`first` is the first time asked for, in the space's zone."""
    try:  # "every ２ weeks" is refused, saying what it reads as, as any number typed so is
        other_digits(text, lambda typed: "" if _reads(typed, first) else None)
    except TimeParseError as e:
        raise Refusal(f"repeat: {e}") from None
    t = " ".join(text.lower().replace(",", " ").split())
    if t in ("daily", "every day"):
        return Rule("FREQ=DAILY", "daily")
    if t in ("weekly", "every week"):
        return _weekly(1, [first.weekday()])
    # The card's words start with the rule's name and add its day: they are read back as typed.
    t = re.sub(r"^every other (day|week|month)\b", r"every 2 \1s", t)
    t = re.sub(r"^(?:biweekly|fortnightly)\b", "every 2 weeks", t)
    t = re.sub(r"^every other ", "every 2 weeks on ", t)  # "every other friday"
    m = re.fullmatch(r"(?:weekly|every week|every ([-+]?\d+) weeks?)(?: on)? ([a-z ]+)", t)
    if m and (days := _days(m.group(2))) is not None:
        return _weekly(_interval(m.group(1) or "1", "week"), days)
    m = re.fullmatch(r"every ([-+]?\d+) (day|week|month)s?", t)
    if m:
        n, unit = _interval(m.group(1), m.group(2)), m.group(2)
        if n == 1:  # said as the plain rule: "every 1 weeks" reads badly on every card
            return parse_rule({"day": "daily", "week": "weekly", "month": "monthly"}[unit], first)
        if unit == "day":
            return Rule(f"FREQ=DAILY;INTERVAL={n}", f"every {n} days")
        if unit == "week":
            return _weekly(n, [first.weekday()])
        return _monthly_same_weekday(first, n)
    if t == "monthly" or t == "every month":
        return _monthly_same_weekday(first, 1)
    m = re.fullmatch(r"(?:monthly|every month) on the (\d{1,2})(?:st|nd|rd|th)?", t)
    if m:
        day = int(m.group(1))
        if not 1 <= day <= 31:
            raise Refusal(f"repeat: there is no {day}{_suffix(day)} of a month; try monthly on the 15th")
        if day > 28:
            raise Refusal(f"repeat: not every month has a {day}{_suffix(day)}, so that meetup "
                          "would skip months; use a day up to the 28th, or 'monthly' for the same weekday each month "
                          "(e.g. the last Friday)")
        return Rule(f"FREQ=MONTHLY;BYMONTHDAY={day}", f"monthly on the {day}{_suffix(day)}")
    m = _MONTHLY_ON.fullmatch(t)
    if m and m.group(2) in _NTH and m.group(3) in _ABBR:
        return _monthly_on(_interval(m.group(1) or "1", "month"), _NTH[m.group(2)], _ABBR[m.group(3)])
    m = re.fullmatch(r"(?:every|on) ([a-z ]+)", t)
    if m and (days := _days(m.group(1))) is not None:
        return Rule("FREQ=WEEKLY;BYDAY=" + ",".join(_RRULE_DAYS[d] for d in days), f"every {_spoken(days)}")
    raise Refusal(f"repeat: I can't read '{text}' as a rule; try {EXAMPLES}")


def _interval(typed: str, unit: str) -> int:
    n = int(typed)
    if not 1 <= n <= 99:
        raise Refusal(f"repeat: every {typed} {unit}s is not a rule: the number is from 1 "
                      f"to 99, e.g. repeat=\"every 2 {unit}s\"")
    return n


def _days(text: str) -> list[int] | None:
    """The weekdays named ("monday and thursday", "mon thu"), in week order; None for other words."""
    words = [w for w in text.replace(" and ", " ").split() if w]
    days = sorted({_ABBR[w] for w in words if w in _ABBR})
    return days if days and len(days) == len(set(words)) and len(words) <= 7 else None


def _spoken(days: list[int]) -> str:
    names = [DAYS[d] for d in days]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _weekly(n: int, days: list[int]) -> Rule:
    """Weekly on one day reads as "weekly on thursday"; on several, as the contract's own
    "every monday and thursday"."""
    byday = "BYDAY=" + ",".join(_RRULE_DAYS[d] for d in days)
    if n > 1:
        # Which of several days share a fortnight depends on where a week starts: said in the
        # rule (RFC 5545's default, and dateutil's), so a calendar that starts weeks on Sunday
        # pairs them as the bot does.
        wkst = ";WKST=MO" if len(days) > 1 else ""
        return Rule(f"FREQ=WEEKLY;INTERVAL={n};{byday}{wkst}", f"every {n} weeks on {_spoken(days)}")
    return Rule(f"FREQ=WEEKLY;{byday}", f"weekly on {_spoken(days)}" if len(days) == 1 else f"every {_spoken(days)}")


def _monthly_same_weekday(first: datetime, n: int) -> Rule:
    nth = (first.day - 1) // 7 + 1
    if nth < 5:
        return _monthly_on(n, nth, first.weekday())
    # The last one of the month: a fifth one does not come every month. Said, not only shown,
    # as it meets a week earlier than the first in the months without one.
    day = DAYS[first.weekday()].capitalize()
    rule = _monthly_on(n, -1, first.weekday())
    return Rule(rule.rrule, rule.words, f" ({first:%a %d %b %Y} is the fifth {day} of its month, "
                f"which most months do not have, so each one is on the last {day} of its month)")


def _monthly_on(n: int, nth: int, weekday: int) -> Rule:
    every = "monthly" if n == 1 else f"every {n} months"
    return Rule(f"FREQ=MONTHLY;INTERVAL={n};BYDAY={nth}{_RRULE_DAYS[weekday]}",
                f"{every} on the {_ORDINAL[nth]} {DAYS[weekday]}")


def _reads(text: str, first: datetime) -> bool:
    try:
        parse_rule(text, first)
    except Refusal:
        return False
    return True


def _suffix(day: int) -> str:
    return "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def check_first(rule: Rule, first: datetime, tz: ZoneInfo, now: datetime) -> None:
    """The first time asked for must be one of the meetups: the rule would otherwise start the
    series on another day than the one said. `first` is naive local."""
    later = _expand(rule.rrule, first).after(first, inc=True)
    if later == first:
        return
    # Two months back hold the one before under every rule whose days are not taken from `first`
    # (weekdays named, a day of the month): the others always include `first`.
    earlier = _expand(rule.rrule, first - timedelta(days=62)).before(first)
    fits = [t for t in (later, earlier) if t is not None and aware_at(t, tz) > now]
    if not fits:
        raise Refusal(f"repeat: {first:%a %d %b %Y} is not one of {rule.words}; give a first "
                      "time that is")
    best = min(fits, key=lambda t: (abs(t - first), t < first))
    said = (f"the {first.day}{_suffix(first.day)}" if "BYMONTHDAY" in rule.rrule
            else f"a {DAYS[first.weekday()].capitalize()}")
    raise Refusal(f"repeat: {first:%a %d %b %Y} is {said}, but the rule is {rule.words}, so it "
                  f"would not be the first meetup; start on {best:%a %d %b %Y} instead: "
                  f"when=\"{best:%Y-%m-%d %H:%M}\"")


def check_bounds(rule: str, first: datetime, until: date | None, count: int | None) -> None:
    """`first` is naive local. Every occurrence must fall within five years of the first."""
    if count is not None and not 1 <= count <= MAX_COUNT:
        raise Refusal(f"count must be from 1 to {MAX_COUNT} occurrences")
    latest = _horizon(first)
    if until is not None:
        if until < first.date():
            raise Refusal(f"until={until.isoformat()} is before the first time "
                          f"({first.date().isoformat()}); give a later date")
        if until > latest.date():
            raise Refusal(f"until={until.isoformat()} is more than five years after the first "
                          f"time; give a date up to {latest.date().isoformat()}, or a count")
    if count is not None:
        times = list(_expand(full_rule(rule, None, count), first))
        if times and times[-1] > latest:
            fit = sum(1 for t in times if t <= latest)
            raise Refusal(f"count={count}: the {count}{_suffix(count)} would be on "
                          f"{times[-1]:%a %d %b %Y}, more than five years after the first; give "
                          f"count={fit} or fewer (the {fit}{_suffix(fit)} then on "
                          f"{times[fit - 1]:%a %d %b %Y}), or until= a date up to "
                          f"{latest.date().isoformat()}")


def _horizon(first_local: datetime) -> datetime:
    """The last wall time a series may reach, the same date and time five years on (the 28th
    for 29 February): the one bound on how far a series runs, so "more than five years" is true."""
    try:
        return first_local.replace(year=first_local.year + 5)
    except ValueError:
        return first_local.replace(year=first_local.year + 5, day=28)


def _expand(rule: str, dtstart: datetime) -> rrule:
    rr = rrulestr(rule, dtstart=dtstart)
    assert isinstance(rr, rrule)
    return rr


def occurrences(rule: str, first_local: datetime, tz: ZoneInfo, *, until: date | None = None,
                count: int | None = None, after: datetime | None = None,
                before: datetime | None = None) -> Iterator[tuple[datetime, datetime]]:
    """(local wall time, aware time) of each occurrence, in order. `first_local` is naive."""
    horizon = _horizon(first_local)
    for local in _expand(full_rule(rule, until, count), first_local):
        if local > horizon:
            return
        aware = aware_at(local, tz)
        if after is not None and aware <= after:
            continue
        if before is not None and aware > before:
            return
        yield local, aware


def full_rule(rule: str, until: date | None, count: int | None) -> str:
    """The RRULE with its end: UNTIL is the end of that local day (floating, like DTSTART)."""
    if until is not None:
        rule += ";UNTIL=" + datetime.combine(until, time(23, 59, 59)).strftime("%Y%m%dT%H%M%S")
    if count is not None:
        rule += f";COUNT={count}"
    return rule


def skipped_note(occurrence: str | None, starts_at: datetime, tz: ZoneInfo) -> str:
    """What a card says of an occurrence whose wall time the clocks skip that night: it starts
    later than the series' time (at the moment they jumped past it), and that is said, not left
    for the reader to notice. Empty for every other one, also one since moved on its own."""
    if occurrence is None:
        return ""
    local = datetime.fromisoformat(occurrence)
    shown = starts_at.astimezone(tz).replace(tzinfo=None)
    if shown == local or aware_at(local, tz) != starts_at:
        return ""
    hours, minutes = divmod(int((shown - local).total_seconds()) // 60, 60)
    later = " ".join(([f"{hours} hour{'s' * (hours != 1)}"] if hours else [])
                     + ([f"{minutes} minute{'s' * (minutes != 1)}"] if minutes else []))
    return (f" ({local:%H:%M} does not exist on this day: the clocks go forward, so this one "
            f"starts {later} later)")


def aware_at(local: datetime, tz: ZoneInfo) -> datetime:
    """A wall time in the zone. A time skipped by a DST change (02:30 on the spring-forward
    night) is taken as the moment the clocks jumped past it (03:30), as calendar apps do."""
    return settle(local, tz).astimezone(tz)




def until_refusal(value: str, at: datetime, tz: ZoneInfo, rule: str, first: datetime) -> str:
    """What `until=` written with a time of day is told: it takes a date (a series ends on a
    day), so the time is not cut off unsaid; the date that ends it with the last meetup
    starting by that time is given to write instead. `first` is naive local."""
    said = f"until= takes a date, not a time: I read '{value}' as {format_time(at, tz)}"
    last = None
    for _, aware in occurrences(rule, first, tz, before=at):
        last = aware
    if last is None:
        return (f"{said}, which is before the first meetup ({format_time(aware_at(first, tz), tz)}); "
                f"give a date from {first.date().isoformat()} on, e.g. until={first.date().isoformat()}")
    day, whole = last.astimezone(tz).date(), at.astimezone(tz).date()
    out = f"{said}. Write until={day.isoformat()} to end with the last one starting by then ({format_time(last, tz)})"
    # Only when one meets later that day: otherwise that date ends it just the same.
    if whole != day and next(occurrences(rule, first, tz, until=whole, after=at), None) is not None:
        out += f", or until={whole.isoformat()} to keep every one on {whole:%a %d %b %Y}"
    return out
