"""A clock time beside words the patterns do not read is read in full or refused, never read
with a part dropped: "8pm (utc)" is 20:00 UTC, "20:00Z" is UTC as ISO 8601 says (as
"2026-11-28 20:00Z" always was), "T20:00" is refused saying what was read. Dateparser is asked
only about words that may name a day; with none it could only drop them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.timeparse import TimeParseError, names_a_day, parse_when
from bot.timezones import space_zone

BERLIN = space_zone("Europe/Berlin")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Berlin


def utc(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "at"), [
    ("8pm (utc)", utc(23, 20)), ("20:00 (utc)", utc(23, 20)), ("20:00Z", utc(23, 20)),
    ("2026-11-28 20:00Z", utc(28, 20)), ("saturday 20:00z", utc(28, 20)), ("saturday 8pm (utc)", utc(28, 20)),
    ("2026-11-28 8pm (utc)", utc(28, 20)), ("8pm (europe/london)", utc(23, 20)), ("8 pm utc", utc(23, 20)),
    ("8pm (cet)", utc(23, 19)), ("8pm gmt+1", utc(23, 19)), ("8pm (gmt+1)", utc(23, 19)),
    ("20:00h", utc(23, 19)), ("2026-11-28 20:00h", utc(28, 19)), ("20h00", utc(23, 19)),
    ("saturday evening 7pm", utc(28, 18)), ("7pm in the evening", utc(23, 18)), ("8pm (sat)", utc(28, 19)),
])
def test_every_part_is_read(text: str, at: datetime) -> None:
    assert parse_when(text, BERLIN, NOW) == at


@pytest.mark.parametrize(("text", "said"), [
    ("T20:00", "I can't read 't20:00' as a time: I read 20:00 but not 't'"),
    ("20:00 h", "I can't read '20:00 h' as a time: I read 20:00 but not 'h'"),
    ("20:00hrs", "but not 'hrs'"), ("a 7pm", "I can't read 'a 7pm' as a time: I read 19:00 but not 'a'"),
    ("8pm (foo)", "'FOO' is not a timezone I know"),
    ("2026-11-28 T20:00", "I can't read '2026-11-28 t20:00' as a time"),
    ("20:00z saturday", "I can't read"), ("8pm (utc) saturday", "I can't read"),
])
def test_what_is_not_read_is_refused_not_dropped(text: str, said: str) -> None:
    with pytest.raises(TimeParseError) as e:
        parse_when(text, BERLIN, NOW)
    assert said in str(e.value), str(e.value)
    for example in str(e.value).split('"')[1::2]:  # every way to write it the refusal offers is read
        parse_when(example, BERLIN, NOW)


@pytest.mark.parametrize(("text", "named"), [
    ("20:00", False), ("20:00h", False), ("T20:00", False), ("8pm (utc)", False), ("evening 7pm", False),
    ("saturday 8pm", True), ("tomorrow 8pm", True), ("in 2 hours", True), ("2026-11-28 20:00", True),
    ("28 nov 8pm", True), ("saturday", True), ("saturday evening 7pm", True),
    ("in the evening 7pm", False), ("in the morning 9am", False), ("in 2 days 8pm", True),
])
def test_names_a_day_tells_a_time_alone(text: str, named: bool) -> None:
    assert names_a_day(text, BERLIN, NOW) is named
