"""Phrases whose meaning is clear that were refused with a plain "can't read" (PRODUCT.md
"Times": read what is clear, refuse what has two readings): a day of the month alone ("the
24th"), the weekday abbreviations people write ("weds", "thurs"), a year-first date with
slashes, a part of the day before a bare hour ("tomorrow morning 7"), the British "friday
week". Each is read exactly, in the space's zone, or refused with its readings; the refusals
around them stay.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.testing import FakeAdapter
from bot.timeparse import TimeParseError, parse_when, read_time

NOW = datetime(2026, 12, 6, 23, 40, tzinfo=UTC)  # Sun 06 Dec, late in the evening (UTC)
MORNING = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)  # the same Sunday, in the morning
UTCZ = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")  # already Mon 07 Dec at NOW
NEW_YORK = ZoneInfo("America/New_York")


def at(y: int, mo: int, d: int, h: int, mi: int = 0, tz: ZoneInfo = UTCZ) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=tz).astimezone(UTC)


def refusal(text: str, tz: ZoneInfo = UTCZ, now: datetime = NOW) -> str:
    with pytest.raises(TimeParseError) as e:
        parse_when(text, tz, now)
    assert read_time(text, tz, now) is None, text
    return str(e.value)


@pytest.mark.parametrize("text, tz, now, meant", [
    # a day of the month alone: the next such day that is not past, in the space's zone
    ("the 24th at 6pm", UTCZ, NOW, at(2026, 12, 24, 18)),
    ("24th 6pm", UTCZ, NOW, at(2026, 12, 24, 18)),
    ("on the 24th at 18:00", UTCZ, NOW, at(2026, 12, 24, 18)),
    ("6pm on the 24th", UTCZ, NOW, at(2026, 12, 24, 18)),
    ("the 24th 7pm Europe/Berlin", UTCZ, NOW, at(2026, 12, 24, 19, tz=BERLIN)),
    ("the 5th at 6pm", UTCZ, NOW, at(2027, 1, 5, 18)),  # the 5th has passed this month
    ("the 6th at 11:50pm", UTCZ, NOW, at(2026, 12, 6, 23, 50)),  # today, still ahead
    ("the 6th at 6pm", BERLIN, NOW, at(2027, 1, 6, 18, tz=BERLIN)),  # Berlin is on the 7th
    ("the 1st 10am", UTCZ, NOW, at(2027, 1, 1, 10)),
    ("the 31st 6pm", UTCZ, NOW, at(2026, 12, 31, 18)),
    ("sunday the 27th 6pm", UTCZ, NOW, at(2026, 12, 27, 18)),
    ("dec 24th 6pm", UTCZ, NOW, at(2026, 12, 24, 18)),
    ("the 24th of december 6pm", UTCZ, NOW, at(2026, 12, 24, 18)),
    ("on the 5th of jan at 18:00", UTCZ, NOW, at(2027, 1, 5, 18)),
    # weekday abbreviations
    ("weds 7pm", UTCZ, NOW, at(2026, 12, 9, 19)),
    ("7pm weds", UTCZ, NOW, at(2026, 12, 9, 19)),
    ("next weds 7pm", UTCZ, NOW, at(2026, 12, 9, 19)),
    ("thurs 7pm", UTCZ, NOW, at(2026, 12, 10, 19)),
    ("tues 7pm", UTCZ, NOW, at(2026, 12, 8, 19)),
    ("weds 7pm", NEW_YORK, NOW, at(2026, 12, 9, 19, tz=NEW_YORK)),
    # year first, with slashes: one reading
    ("2026/12/24 18:00", UTCZ, NOW, at(2026, 12, 24, 18)),
    ("2026/12/24 6pm", BERLIN, NOW, at(2026, 12, 24, 18, tz=BERLIN)),
    ("6pm 2026/12/24", UTCZ, NOW, at(2026, 12, 24, 18)),
    ("2027/1/5 18:00", UTCZ, NOW, at(2027, 1, 5, 18)),
    # a part of the day says which half of the clock a bare hour is in
    ("tomorrow morning 7", UTCZ, NOW, at(2026, 12, 7, 7)),
    ("tomorrow morning at 7", UTCZ, NOW, at(2026, 12, 7, 7)),
    ("tomorrow evening 7", UTCZ, NOW, at(2026, 12, 7, 19)),
    ("tomorrow evening 7:30", UTCZ, NOW, at(2026, 12, 7, 19, 30)),
    ("tomorrow afternoon 3", UTCZ, NOW, at(2026, 12, 7, 15)),
    ("saturday night 9", UTCZ, NOW, at(2026, 12, 12, 21)),
    ("tonight 8", UTCZ, MORNING, at(2026, 12, 6, 20)),
    ("this evening 8", UTCZ, MORNING, at(2026, 12, 6, 20)),
    ("tomorrow evening 7", NEW_YORK, NOW, at(2026, 12, 7, 19, tz=NEW_YORK)),
    # British: the Friday after the coming one
    ("friday week 7pm", UTCZ, NOW, at(2026, 12, 18, 19)),
    ("friday week at 19:00", UTCZ, NOW, at(2026, 12, 18, 19)),
    ("7pm friday week", UTCZ, NOW, at(2026, 12, 18, 19)),  # "week" is not a zone
    ("weds week 7pm", UTCZ, NOW, at(2026, 12, 16, 19)),
    ("monday week 7pm", UTCZ, NOW, at(2026, 12, 14, 19)),
])
def test_a_clear_phrase_is_read_exactly(text: str, tz: ZoneInfo, now: datetime, meant: datetime) -> None:
    assert parse_when(text, tz, now) == meant, text
    assert read_time(text, tz, now) == meant, text  # a poll option reads the same


@pytest.mark.parametrize("text, tz, asked", [
    ("the 24th", UTCZ, "which time on Thu 24 Dec?"),
    ("the 5th", UTCZ, "which time on Tue 05 Jan?"),
    ("the 6th", BERLIN, "which time on Wed 06 Jan?"),
    ("weds", UTCZ, "which time on Wed 09 Dec?"),
    ("2026/12/24", UTCZ, "which time on Thu 24 Dec?"),
    ("friday week", UTCZ, "which time on Fri 18 Dec?"),
])
def test_a_clear_day_with_no_time_asks_which_time(text: str, tz: ZoneInfo, asked: str) -> None:
    said = refusal(text, tz)
    assert asked in said, said
    example = said.split('"')[1]  # the example it quotes is read, to that day
    assert f"{parse_when(example, tz, NOW).astimezone(tz):%a %d %b}" == asked[len("which time on "):-1]


@pytest.mark.parametrize("text, now, says", [
    # a day of the month no month it could be has
    ("the 31st 6pm", datetime(2026, 11, 6, 12, 0, tzinfo=UTC), "November"),
    ("the 30th 6pm", datetime(2027, 2, 10, 12, 0, tzinfo=UTC), "February"),
    ("the 30th 6pm", datetime(2027, 1, 31, 12, 0, tzinfo=UTC), "February"),
    ("the 32nd 6pm", NOW, "not a real date"),
    ("the 0th 6pm", NOW, "not a real date"),
    # today's, at a time gone: in the past, not moved a month on
    ("the 6th at 6pm", NOW, "in the past"),
    # tonight before 5 is not the evening: 1am after midnight, or the afternoon?
    ("tonight 1", NOW, "1am"),
    ("tonight at 4", NOW, "4am"),
    # an hour the part of the day does not hold either way
    ("tomorrow morning 2", NOW, "2am or 2pm"),
    ("tomorrow evening 3", NOW, "3am or 3pm"),
    ("tomorrow afternoon 8", NOW, "8am or 8pm"),
    ("saturday night 2", NOW, "after midnight"),
    # said on a Friday: a week today, or a week after next Friday?
    ("friday week 7pm", datetime(2026, 12, 11, 9, 0, tzinfo=UTC), "Fri 18 Dec"),
])
def test_what_has_no_one_reading_is_refused_saying_what_was_understood(
        text: str, now: datetime, says: str) -> None:
    said = refusal(text, UTCZ, now)
    assert says in said, said


def test_a_month_without_the_day_offers_the_next_one_that_has_it() -> None:
    said = refusal("the 31st 6pm", now=datetime(2026, 11, 6, 12, 0, tzinfo=UTC))
    assert "30 days" in said and '"dec 31 2026 18:00"' in said, said
    assert parse_when("dec 31 2026 18:00", UTCZ, NOW) == at(2026, 12, 31, 18)


def test_friday_week_on_a_friday_names_both_fridays() -> None:
    said = refusal("friday week 7pm", now=datetime(2026, 12, 11, 9, 0, tzinfo=UTC))
    assert "Fri 18 Dec" in said and "Fri 25 Dec" in said, said


@pytest.mark.parametrize("text", [
    "03/04 6pm", "at 5", "the 24th at 5", "weds 5", "friday", "friday week", "12am", "the 24th 12am",
    "7.30", "the 24th 7.30", "weds 10:00:30", "the 24th 7pm IST", "2026/03/04 10:00:30",
    "tomorrow morning 12", "friday, week 7pm", "weds 7pm wib", "2026/13/24 18:00",
])
def test_the_refusals_around_them_stay(text: str) -> None:
    said = refusal(text)
    assert "can't read" not in said or text == "friday, week 7pm", said


def test_what_product_lists_keeps_its_meaning() -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    for text, meant in [
        ("dec 24 6pm", at(2026, 12, 24, 18)), ("2026-12-24 18:00", at(2026, 12, 24, 18)),
        ("24 december 18:00", at(2026, 12, 24, 18)), ("saturday 10am", at(2026, 11, 28, 10)),
        ("next friday 18:30", at(2026, 11, 27, 18, 30)), ("today 7pm", at(2026, 11, 23, 19)),
        ("tomorrow 7pm", at(2026, 11, 24, 19)), ("in 2 hours", now + timedelta(hours=2)),
        ("in 3 days at 6pm", at(2026, 11, 26, 18)), ("noon", at(2026, 11, 23, 12)),
        ("17:00", at(2026, 11, 23, 17)), ("at 17", at(2026, 11, 23, 17)),
        ("7pm UTC", at(2026, 11, 23, 19)), ("2026-12-24T18:00+01:00", at(2026, 12, 24, 17)),
        ("tonight 8", at(2026, 11, 23, 20)), ("tonight 11", at(2026, 11, 23, 23)),
    ]:
        assert parse_when(text, UTCZ, now) == meant, text


@settings(max_examples=80, deadline=None, database=None, derandomize=True)
@given(st.sampled_from(["UTC", "Europe/Berlin", "Pacific/Kiritimati", "Pacific/Honolulu", "America/New_York"]),
       st.integers(0, 5 * 365 - 40), st.integers(0, 24 * 60 - 1), st.integers(1, 31),
       st.sampled_from(["the {d}{o} at 19:00", "{d}{o} 7pm", "on the {d}{o} at 7pm", "7pm on the {d}{o}"]))
def test_a_day_of_the_month_is_the_first_such_day_from_today_or_refused(
        zone: str, days: int, minutes: int, day: int, shape: str) -> None:
    tz = ZoneInfo(zone)
    now = datetime(2026, 11, 23, tzinfo=UTC) + timedelta(days=days, minutes=minutes)
    suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}.get(day, "th")
    text = shape.format(d=day, o=suffix)
    today = now.astimezone(tz).date()
    first = today.replace(day=1)
    month = first if day >= today.day else (first + timedelta(days=32)).replace(day=1)
    try:
        meant_day: date | None = month.replace(day=day)
    except ValueError:
        meant_day = None
    if meant_day is None:
        said = refusal(text, tz, now)
        assert f"{month:%B}" in said, (text, now, said)
        return
    meant = datetime(meant_day.year, meant_day.month, day, 19, 0, tzinfo=tz).astimezone(UTC)
    if meant <= now:
        assert "in the past" in refusal(text, tz, now), (text, now)
    else:
        assert parse_when(text, tz, now) == meant, (text, now)


async def test_the_reply_says_the_month_a_day_of_the_month_falls_in(fake: FakeAdapter) -> None:
    """Said on 23 Nov: "the 20th" is next month's, and the card says which."""
    [card] = await fake.invoke('!event create Party when="the 20th at 6pm"')
    assert not card.text.startswith("⚠️") and "Sun 20 Dec 2026 18:00" in card.text, card.text
    [card] = await fake.invoke('!event create Walk when="weds 7pm"')
    assert "Wed 25 Nov 2026 19:00" in card.text, card.text
