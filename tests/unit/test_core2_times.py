"""Second-pass audit of `when=` (PRODUCT.md, "Times"): neighbours of the listed forms."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.timeparse import TimeParseError, parse_when

UTCZ = ZoneInfo("UTC")
NOW = datetime(2026, 12, 11, 10, 0, tzinfo=UTC)  # Fri 11 Dec 2026


def test_a_date_less_than_five_years_ahead_is_not_called_more_than_five_years_away() -> None:
    # 2028 is a leap year, so five years on is 1826 days, not 5 * 365.
    assert parse_when("dec 10 2031 6pm", UTCZ, NOW) == datetime(2031, 12, 10, 18, 0, tzinfo=UTC)
    assert parse_when("2031-12-11 10:00", UTCZ, NOW) == datetime(2031, 12, 11, 10, 0, tzinfo=UTC)
    with pytest.raises(TimeParseError, match="more than five years away"):
        parse_when("2031-12-11 10:01", UTCZ, NOW)


def test_this_weekday_on_that_weekday_after_its_time_is_past_not_a_week_on() -> None:
    saturday = datetime(2026, 12, 12, 10, 0, tzinfo=UTC)
    with pytest.raises(TimeParseError, match="in the past") as refused:
        parse_when("this saturday 9am", UTCZ, saturday)
    assert "Sat 12 Dec 2026 09:00 UTC" in str(refused.value)
    assert '"next saturday 9am"' in str(refused.value)  # an example the parser takes
    assert parse_when("next saturday 9am", UTCZ, saturday) == datetime(2026, 12, 19, 9, 0, tzinfo=UTC)
    # still ahead today, it is today; without "this", the next Saturday whose 9am is ahead
    assert parse_when("this saturday 11am", UTCZ, saturday) == datetime(2026, 12, 12, 11, 0, tzinfo=UTC)
    assert parse_when("saturday 9am", UTCZ, saturday) == datetime(2026, 12, 19, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("7pm new york", datetime(2026, 12, 12, 0, 0, tzinfo=UTC)),  # 19:00 EST
    ("friday 6pm paris", datetime(2026, 12, 11, 17, 0, tzinfo=UTC)),  # 18:00 CET
    ("6pm São Paulo", datetime(2026, 12, 11, 21, 0, tzinfo=UTC)),  # 18:00 -03
    ("dec 24 6pm london", datetime(2026, 12, 24, 18, 0, tzinfo=UTC)),
])
def test_a_city_after_the_time_names_its_zone(text: str, expected: datetime) -> None:
    # "city names like new york are looked up" for a space's timezone; after a time they name
    # the zone just as "6pm Europe/Berlin" does, instead of "'YORK' is not a timezone I know".
    assert parse_when(text, ZoneInfo("Asia/Tokyo"), NOW) == expected


@pytest.mark.parametrize("text", ["7pm christmas", "7pm york", "6pm the park"])
def test_words_that_are_no_city_after_a_time_are_still_refused(text: str) -> None:
    with pytest.raises(TimeParseError):
        parse_when(text, UTCZ, NOW)
