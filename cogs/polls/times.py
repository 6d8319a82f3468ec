"""The moments a new poll's options name: fixed when the poll is made, so `when=poll:<id>` never
reads an option's words again against another day."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.context import Refusal
from bot.timeparse import TimeParseError, format_time, parse_when, read_time
from bot.wallclock import WallTimeRefused


def option_times(options: list[str], tz: ZoneInfo, now: datetime) -> list[datetime | None]:
    """Each option's moment, or None for an option that is not a time ("Riverside Park",
    "friday"). Refuses the poll for an option read as a time that `when=` refuses: one the
    clocks skip or show twice, or one already past; kept as text, it would read later as
    another moment than the one voted on."""
    times = [_moment(n, o, tz, now) for n, o in enumerate(options, 1)]
    _no_time_twice(times, tz)
    return times


def _moment(n: int, option: str, tz: ZoneInfo, now: datetime) -> datetime | None:
    at = read_time(option, tz, now)
    if at is not None:
        return at
    try:
        parse_when(option, tz, now, allow_past=True)
    except TimeParseError as e:
        if isinstance(e.__cause__, WallTimeRefused):
            raise Refusal(f"option {n}, '{option}': {e}") from None
        return None  # not a whole time: text
    try:  # a moment, yet read_time did not take it: past, or too far; refused as when= refuses it
        return parse_when(option, tz, now)
    except TimeParseError as e:
        raise Refusal(f"option {n}, '{option}': {e}") from None


def _no_time_twice(times: list[datetime | None], tz: ZoneInfo) -> None:
    """Two options written differently ("7pm", "19:00") can name one moment: the card would
    show them alike and split the votes for it."""
    first: dict[datetime, int] = {}
    for n, at in enumerate(times, 1):
        if at is not None and (seen := first.setdefault(at, n)) != n:
            raise Refusal(f"options {seen} and {n} are the same time, {format_time(at, tz)}; "
                          "keep one of them")
