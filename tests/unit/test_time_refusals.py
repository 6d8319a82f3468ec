"""Times the bot must refuse rather than guess (PRODUCT.md, "Times"), and what the refusal
says: what was understood, and a way to write it that the bot then accepts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.testing import FakeAdapter
from bot.timeparse import TimeParseError, parse_when, parse_when_or_duration, zone

NOW = datetime(2026, 12, 6, 23, 40, tzinfo=UTC)  # Sun 06 Dec, late in the evening (UTC)
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SPACE = ZoneInfo("UTC")
BEFORE_SPRING = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def refusal(text: str, tz: ZoneInfo = SPACE, now: datetime = NOW) -> str:
    with pytest.raises(TimeParseError) as e:
        parse_when(text, tz, now)
    return str(e.value)


# -- a day-or-longer offset is a day: it needs a time of day ------------------------------------

@pytest.mark.parametrize("text, day", [
    ("in 3 days", "Wed 09 Dec"), ("in 2 weeks", "Sun 20 Dec"), ("in 1 week", "Sun 13 Dec"),
    ("in a day", "Mon 07 Dec"), ("in 40 days", "Fri 15 Jan"), ("in 1 week 2 days", "Tue 15 Dec"),
    ("in 3d", "Wed 09 Dec"),
])
def test_a_day_offset_with_no_time_of_day_asks_which_time(text: str, day: str) -> None:
    said = refusal(text)
    assert f"which time on {day}?" in said, said


def test_day_offsets_with_a_time_and_shorter_offsets_are_read() -> None:
    assert parse_when("in 3 days at 6pm", SPACE, NOW) == datetime(2026, 12, 9, 18, 0, tzinfo=UTC)
    assert parse_when("in 2 hours", SPACE, NOW) == NOW + timedelta(hours=2)
    assert parse_when("in 90 minutes", SPACE, NOW) == NOW + timedelta(minutes=90)
    assert parse_when("in 1d 2h", SPACE, NOW) == NOW + timedelta(hours=26)
    # a length of time from now is the same moment in every zone
    assert parse_when("in 2 hours UTC", BERLIN, NOW) == NOW + timedelta(hours=2)


@pytest.mark.parametrize("text, needles", [
    ("in 1:30", ("in 1 hour 30 minutes", "at 1:30am")),
    ("in 2:15", ("in 2 hours 15 minutes", "at 2:15am")),
    ("in 1.5 hours", ("fractions", "in 90 minutes")),
    ("in 2.5 days", ("fractions", "in 60 hours")),
    ("in 30", ("in 30 minutes",)),
    ("7", ("7pm", "19:00")),
])
def test_a_length_of_time_that_is_not_one_is_refused_with_the_way_to_write_it(
        text: str, needles: tuple[str, ...]) -> None:
    said = refusal(text)
    assert all(n in said for n in needles), said
    assert "which time on" not in said, said


# -- a date without a year that has passed this year --------------------------------------------

@pytest.mark.parametrize("text, example", [
    ("dec 5 6pm", "dec 5 2027 18:00"), ("5 december 18:00", "dec 5 2027 18:00"),
    ("nov 1 6pm", "nov 1 2027 18:00"), ("dec 5", "dec 5 2027 18:00"),
    # the nearer reading is still this year's, 182 days back (next year's is 183 ahead)
    ("jun 7 6pm", "jun 7 2027 18:00"),
])
def test_a_date_passed_this_year_is_refused_not_moved_a_year_on(text: str, example: str) -> None:
    said = refusal(text)
    assert "has passed" in said and f'"{example}"' in said, said


@pytest.mark.parametrize("text, meant", [
    ("jan 5 6pm", datetime(2027, 1, 5, 18, 0, tzinfo=UTC)),
    # 183 days back, 182 ahead: next year's is the nearer, so that is the one meant
    ("jun 6 6pm", datetime(2027, 6, 6, 18, 0, tzinfo=UTC)),
    ("dec 7 6pm", datetime(2026, 12, 7, 18, 0, tzinfo=UTC)),
])
def test_a_date_nearer_next_year_is_next_year(text: str, meant: datetime) -> None:
    assert parse_when(text, SPACE, NOW) == meant


def test_feb_29_in_a_year_without_one_names_the_next() -> None:
    said = refusal("feb 29 6pm")
    assert "2028" in said and '"feb 29 2028 18:00"' in said, said
    # in a year before a leap year it is next year's, and plain
    assert parse_when("feb 29 6pm", SPACE, datetime(2027, 12, 1, tzinfo=UTC)) == datetime(
        2028, 2, 29, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize("text, needle", [
    ("2026-13-01 10:00", "no month 13"), ("2027-02-30 10:00", "February 2027 has 28 days"),
    ("2028-02-30 10:00", "February has at most 29 days"),
    ("2027-02-29 10:00", "February 2027 has 28 days"),
    ("dec 40 7pm", "December has 31 days"),
])
def test_a_date_not_on_the_calendar_says_which_part(text: str, needle: str) -> None:
    said = refusal(text)
    assert "not a real date" in said and needle in said, said


# -- the nights clocks change -------------------------------------------------------------------

@pytest.mark.parametrize("text, tz, needles", [
    ("2027-03-28 02:30", BERLIN, ("02:00", "03:00", '"2027-03-28 01:30"', '"2027-03-28 03:30"')),
    ("2027-03-14 02:30", NEW_YORK, ("02:00", "03:00", '"2027-03-14 01:30"', '"2027-03-14 03:30"')),
    ("mar 28 2027 2:30am", BERLIN, ("does not exist", '"2027-03-28 03:30"')),
    ("2027-03-28 02:30 europe/berlin", SPACE, ('"2027-03-28 01:30 europe/berlin"',)),
])
def test_a_time_the_clocks_skip_is_refused(text: str, tz: ZoneInfo, needles: tuple[str, ...]) -> None:
    said = refusal(text, tz, BEFORE_SPRING)
    assert all(n in said for n in needles), said


@pytest.mark.parametrize("text, tz, needles", [
    ("2027-10-31 02:30", BERLIN, ("twice", '"2027-10-31 02:30 CEST"', '"2027-10-31 02:30 CET"')),
    ("2027-11-07 01:30", NEW_YORK, ("twice", '"2027-11-07 01:30 EDT"', '"2027-11-07 01:30 EST"')),
])
def test_a_time_that_happens_twice_is_refused(text: str, tz: ZoneInfo, needles: tuple[str, ...]) -> None:
    said = refusal(text, tz, BEFORE_SPRING)
    assert all(n in said for n in needles), said


@pytest.mark.parametrize("text, tz, meant", [
    ("2027-10-31 02:30 CEST", BERLIN, datetime(2027, 10, 31, 0, 30, tzinfo=UTC)),
    ("2027-10-31 02:30 CET", BERLIN, datetime(2027, 10, 31, 1, 30, tzinfo=UTC)),
    ("2027-10-31 02:30 +02:00", BERLIN, datetime(2027, 10, 31, 0, 30, tzinfo=UTC)),
    ("2027-10-31T02:30+01:00", BERLIN, datetime(2027, 10, 31, 1, 30, tzinfo=UTC)),
    ("2027-11-07 01:30 EST", NEW_YORK, datetime(2027, 11, 7, 6, 30, tzinfo=UTC)),
    ("2027-03-28 02:30 UTC", BERLIN, datetime(2027, 3, 28, 2, 30, tzinfo=UTC)),
    ("2027-03-28 03:30", BERLIN, datetime(2027, 3, 28, 1, 30, tzinfo=UTC)),
])
def test_a_time_with_its_offset_is_honoured_on_those_nights(text: str, tz: ZoneInfo, meant: datetime) -> None:
    assert parse_when(text, tz, BEFORE_SPRING) == meant


# -- every example a refusal offers is accepted ---------------------------------------------------

LATE = NOW
MIDDAY = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
REFUSED_WHEN = [
    "in 3 days", "in a day", "in 2 weeks", "in 1 week 2 days", "in 1:30", "in 1.5 hours", "in 30",
    "in 3 days utc", "7", "17", "0", "friday", "friday utc", "today", "tomorrow", "2026-12-24",
    "next monday", "dec 5 6pm", "dec 5", "5 december 18:00", "feb 29 6pm", "blurple", "blurple 7pm",
    "x" * 200, "2026-13-01 10:00", "tonight 8am", "",
]
REFUSED_CLOSES = ["-1h", "0m", "99999d", "1.5h", "-30 minutes"]
REFUSED_ON_CHANGE_NIGHTS = [("2027-03-28 02:30", BERLIN), ("2027-10-31 02:30", BERLIN),
                            ("2027-03-14 02:30", NEW_YORK), ("2027-11-07 01:30", NEW_YORK),
                            ("2027-10-31 02:30 europe/berlin", SPACE), ("2027-03-28 02:30 europe/berlin", SPACE)]
QUOTED = re.compile(r'"([^"]+)"')


def _examples_parse(said: str, tz: ZoneInfo, now: datetime) -> list[str]:
    examples = QUOTED.findall(said)
    for example in examples:
        parse_when_or_duration(example, tz, now)  # raises if the example is itself refused
    return examples


@pytest.mark.parametrize("now", [LATE, MIDDAY], ids=["late", "midday"])
@pytest.mark.parametrize("tz", [SPACE, BERLIN, NEW_YORK], ids=lambda z: z.key)
@pytest.mark.parametrize("text", REFUSED_WHEN)
def test_each_example_in_a_when_refusal_is_accepted(text: str, tz: ZoneInfo, now: datetime) -> None:
    said = refusal(text, tz, now)
    _examples_parse(said, tz, now)


@pytest.mark.parametrize("text", REFUSED_CLOSES)
def test_each_example_in_a_closes_refusal_is_accepted(text: str) -> None:
    with pytest.raises(TimeParseError) as e:
        parse_when_or_duration(text, SPACE, NOW)
    _examples_parse(str(e.value), SPACE, NOW)


@pytest.mark.parametrize(("text", "tz"), REFUSED_ON_CHANGE_NIGHTS)
def test_each_example_on_a_change_night_is_accepted(text: str, tz: ZoneInfo) -> None:
    said = refusal(text, tz, BEFORE_SPRING)
    assert len(_examples_parse(said, tz, BEFORE_SPRING)) >= 2, said


@pytest.mark.parametrize(("text", "tz", "now"), [
    # 01:45 in Berlin, a quarter of an hour before the clocks jump: 01:30 has gone.
    ("02:30", BERLIN, datetime(2027, 3, 28, 0, 45, tzinfo=UTC)),
    ("2027-03-28 02:30", BERLIN, datetime(2027, 3, 28, 0, 45, tzinfo=UTC)),
    # 02:45 CEST, the first 02:30 of the autumn night has gone; the second is still ahead.
    ("2027-10-31 02:30", BERLIN, datetime(2027, 10, 31, 0, 45, tzinfo=UTC)),
])
def test_on_the_change_night_itself_only_times_still_ahead_are_offered(text: str, tz: ZoneInfo,
                                                                       now: datetime) -> None:
    said = refusal(text, tz, now)
    assert len(_examples_parse(said, tz, now)) == 1, said


@pytest.mark.parametrize("text", ["in 6000 days", "in 100000 hours", "in 6000 days at 7pm"])
def test_a_length_past_when_s_own_bound_names_that_bound(text: str) -> None:
    said = refusal(text)
    assert "more than five years away" in said and "3650d" not in said, said


@pytest.mark.parametrize(("text", "now"), [
    ("2027-03-28 02:30", datetime(2027, 3, 28, 1, 45, tzinfo=UTC)),  # 03:45 CEST: the night is over
    ("2027-10-31 02:30", datetime(2027, 10, 31, 1, 45, tzinfo=UTC)),  # 02:45 CET: both 02:30s gone
])
def test_a_change_night_time_already_behind_is_refused_as_past(text: str, now: datetime) -> None:
    said = refusal(text, BERLIN, now)
    assert "in the past" in said and "does not exist" not in said and "twice" not in said, said


# -- through the commands -------------------------------------------------------------------------

@pytest.mark.parametrize("line, needle", [
    ('!poll create "Q?" A | B closes=-1h', "must be positive"),
    ('!poll create "Q?" A | B closes=0m', "longer than zero"),
    ('!poll create "Q?" A | B closes=99999d', "3650d"),
    ("!event create X when=7", "only a number"),
    ('!event create X when="in 3 days"', "which time on Thu 26 Nov?"),
    ('!event create X when="in 2 hours UTC"', None),
])
async def test_commands_refuse_times_they_would_have_to_guess(fake: FakeAdapter, line: str,
                                                              needle: str | None) -> None:
    [reply] = await fake.invoke(line)
    if needle is None:
        assert not reply.text.startswith("⚠️"), reply.text
        assert "Mon 23 Nov 2026 11:00 UTC" in reply.text, reply.text
        return
    assert reply.text.startswith("⚠️") and needle in reply.text, reply.text


@pytest.mark.parametrize("name", ["São Paulo", "sao paulo", "SÃO PAULO", "Zürich"])
def test_city_names_with_accents_are_found(name: str) -> None:
    assert zone(name).key in ("America/Sao_Paulo", "Europe/Zurich")


async def test_a_city_with_accents_is_a_space_timezone(fake: FakeAdapter) -> None:
    [reply] = await fake.invoke("!config set timezone São Paulo", "mod", mod=True)
    assert reply.text == "✅ timezone is now America/Sao_Paulo", reply.text


@pytest.mark.parametrize("name", ["Factory", "posix/Europe/Berlin", "right/UTC", "localtime"])
def test_zone_database_files_that_name_no_place_are_not_a_space_timezone(name: str) -> None:
    from bot.timeparse import zone

    with pytest.raises(TimeParseError, match="not a timezone I know"):
        zone(name)
