"""Phrases people type that were read to another moment than a careful reader would take
(found by a generated list of natural variants of PRODUCT.md's "Times" families): each is now
refused with a ⚠️ that says what was understood, and the plain forms beside them still read."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.testing import FakeAdapter
from bot.timeparse import TimeParseError, parse_when, read_time

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday, tests/conftest.py's clock
UTCZ = ZoneInfo("UTC")


@pytest.mark.parametrize("text, says", [
    # 12am is midnight, as "midnight" is: the start or the end of the day named?
    ("12am", "12am is midnight"), ("tomorrow 12am", "12am is midnight"), ("sat 12:00am", "is midnight"),
    ("tonight 12am", "12am is midnight"),  # was read as this morning's 00:00, "in the past"
    # a part of the day that disagrees with the clock time was dropped
    ("saturday morning 7pm", "19:00 is not in the morning"),
    ("tomorrow evening 7am", "07:00 is not in the evening"),
    ("tomorrow night 2am", "could be early that day or after midnight"),  # was Tue 02:00, before the night
    # a dotted clock time with no am/pm was read as a month and day ("Thu 30 Jul 2026, which has passed")
    ("7.30", "7:30 in the morning or in the evening"), ("at 6.30", "6:30 in the morning"),
    ("friday 7.30", "say 7:30am or 7:30pm (or 19:30)"), ("tomorrow 10.15", "10:15am or 10:15pm"),
])
def test_misread_phrases_are_refused_saying_what_was_understood(text: str, says: str) -> None:
    with pytest.raises(TimeParseError) as refused:
        parse_when(text, UTCZ, NOW)
    assert says in str(refused.value), refused.value
    assert read_time(text, UTCZ, NOW) is None


@pytest.mark.parametrize("text, at", [
    ("12:30am", datetime(2026, 11, 24, 0, 30, tzinfo=UTC)),
    ("12pm", datetime(2026, 11, 23, 12, 0, tzinfo=UTC)),
    ("saturday morning 10am", datetime(2026, 11, 28, 10, 0, tzinfo=UTC)),
    ("saturday evening 7pm", datetime(2026, 11, 28, 19, 0, tzinfo=UTC)),
    ("tomorrow night 9pm", datetime(2026, 11, 24, 21, 0, tzinfo=UTC)),
    ("7.30pm", datetime(2026, 11, 23, 19, 30, tzinfo=UTC)),
    ("19.30", datetime(2026, 11, 23, 19, 30, tzinfo=UTC)),
    ("24.12 18:00", datetime(2026, 12, 24, 18, 0, tzinfo=UTC)),
])
def test_the_plain_forms_beside_them_still_read(text: str, at: datetime) -> None:
    assert parse_when(text, UTCZ, NOW) == at


def test_a_fraction_of_hours_is_still_refused_as_a_fraction() -> None:
    with pytest.raises(TimeParseError) as refused:
        parse_when("in 2.25 hours", UTCZ, NOW)
    assert "fractions" in str(refused.value), refused.value


async def test_event_create_at_a_dotted_time_is_refused_and_writes_nothing(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    [refused] = await fake.invoke('!event create Picnic when="friday 7.30"')
    assert refused.text.startswith("⚠️") and "7:30am or 7:30pm" in refused.text, refused.text
    assert "Jul" not in refused.text, refused.text
    assert await bot.db.fetchall("SELECT id FROM events") == []
