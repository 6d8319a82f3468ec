"""When/Duration parsing in the space's timezone, across both DST transitions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.timeparse import (
    TimeParseError,
    parse_duration,
    parse_when,
    parse_when_or_duration,
    zone,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Berlin


@pytest.mark.parametrize("text, seconds", [("2h", 7200), ("90m", 5400), ("1h30m", 5400), ("1d 12h", 129600),
                                           ("30 minutes", 1800), ("1w", 604800)])
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "soon", "0m", "2 parsecs", "-1h", "h"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(TimeParseError):
        parse_duration(text)


def test_absolute_is_read_in_the_space_zone() -> None:
    assert parse_when("2026-12-05 18:30", BERLIN, NOW) == datetime(2026, 12, 5, 17, 30, tzinfo=UTC)
    assert parse_when("2026-12-05 18:30", ZoneInfo("America/New_York"), NOW) == datetime(
        2026, 12, 5, 23, 30, tzinfo=UTC)


def test_natural_phrases() -> None:
    assert parse_when("tomorrow 7pm", BERLIN, NOW) == datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
    assert parse_when("saturday 10am", BERLIN, NOW) == datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    assert parse_when("in 2 hours", BERLIN, NOW) == NOW + timedelta(hours=2)


def test_relative_times_are_absolute_across_dst() -> None:
    before_fallback = datetime(2026, 10, 24, 23, 0, tzinfo=UTC)  # 01:00 CEST, an hour before the change
    assert parse_when("in 3 hours", BERLIN, before_fallback) == before_fallback + timedelta(hours=3)


def test_spring_forward_gap_is_refused_and_the_times_around_it_are_read() -> None:
    # 2026-03-29 02:30 does not exist in Berlin (clocks jump 02:00 -> 03:00).
    now = datetime(2026, 3, 20, tzinfo=UTC)
    with pytest.raises(TimeParseError, match="does not exist"):
        parse_when("2026-03-29 02:30", BERLIN, now)
    assert parse_when("2026-03-29 01:30", BERLIN, now) == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert parse_when("2026-03-29 03:30", BERLIN, now) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_fall_back_ambiguous_time_is_refused_unless_its_offset_is_named() -> None:
    # 2026-10-25 02:30 happens twice in Berlin: first CEST (UTC+2), then CET (UTC+1).
    now = datetime(2026, 10, 20, tzinfo=UTC)
    with pytest.raises(TimeParseError, match="happens twice"):
        parse_when("2026-10-25 02:30", BERLIN, now)
    assert parse_when("2026-10-25 02:30 CEST", BERLIN, now) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert parse_when("2026-10-25 02:30 CET", BERLIN, now) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize("text, needle", [
    ("2020-01-01 10:00", "in the past"), ("2040-01-01 10:00", "five years"), ("2026-02-30 10:00", "real date"),
    ("blurple o'clock", "can't read"), ("x" * 200, "too long"),
])
def test_refused_times_say_why(text: str, needle: str) -> None:
    with pytest.raises(TimeParseError) as e:
        parse_when(text, BERLIN, NOW)
    assert needle in str(e.value)


def test_when_or_duration() -> None:
    assert parse_when_or_duration("2h", BERLIN, NOW) == NOW + timedelta(hours=2)
    assert parse_when_or_duration("2026-12-01 10:00", BERLIN, NOW) == datetime(2026, 12, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize("name", ["Mars/Base", "", "../etc/passwd", "UTC+5"])
def test_invalid_timezones(name: str) -> None:
    with pytest.raises(TimeParseError):
        zone(name)


@pytest.mark.parametrize("text", ["saturday 10am", "Sat 10:00", "tomorrow 7pm", "tomorrow at 19:00",
                                  "friday noon", "next monday 9am", "tonight 8", "thursday 7:30pm"])
def test_common_phrases_agree_with_dateparser(text: str) -> None:
    """The phrase patterns read phrases exactly as the general parser does."""
    from bot.timeparse import _dateparser_parse
    from bot.wallclock import localize

    fast = parse_when(text, BERLIN, NOW)
    slow = _dateparser_parse(text.replace("tonight 8", "today 8pm"), BERLIN, NOW)
    assert slow is not None
    if text.startswith("next"):  # dateparser reads "next monday" as the coming one too
        assert fast == localize(slow, BERLIN) or fast - localize(slow, BERLIN) == timedelta(days=7)
    else:
        assert fast == localize(slow, BERLIN), (fast, slow)


def test_same_weekday_later_today_is_today_and_earlier_is_next_week() -> None:
    monday_10 = NOW  # Monday 10:00 Berlin
    assert parse_when("monday 11am", BERLIN, monday_10) == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert parse_when("monday 9am", BERLIN, monday_10) == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["dec 20 7pm", "December 20th at 19:00", "20 dec 7pm", "jan 3 10:30",
                                  "may 5 noon", "nov 23 11am", "feb 28, 6:15pm"])
def test_month_day_phrases_agree_with_dateparser(text: str) -> None:
    """"dec 20 7pm" is read without dateparser, and exactly as dateparser reads it
    (the next such date still ahead)."""
    from bot.timeparse import _dateparser_parse
    from bot.wallclock import localize

    fast = parse_when(text, BERLIN, NOW)
    slow = _dateparser_parse(text, BERLIN, NOW)
    assert slow is not None
    assert fast == localize(slow, BERLIN), (fast, slow)


def test_todays_date_at_an_hour_gone_by_is_in_the_past_not_next_year() -> None:
    # Monday 23 Nov, 10:00 in Berlin: "Nov 23 9am" names this morning, not 2027.
    with pytest.raises(TimeParseError, match="in the past"):
        parse_when("Nov 23 9am", BERLIN, NOW)


@pytest.mark.parametrize("text", ["feb 30 7pm", "monkey 20 7pm", "dec 40 7pm", "dec 20 25:00"])
def test_month_day_phrases_that_are_not_dates_are_refused(text: str) -> None:
    with pytest.raises(TimeParseError):
        parse_when(text, BERLIN, NOW)
