"""A time with seconds: the bot keeps and shows times to the minute, so a time whose seconds
are not :00 is refused with what was read and the minutes it lies between, never cut to its
minute (an event "18:00:30" would start half a minute after the 18:00 its card shows). `:00`
seconds, as str(datetime) prints them, keep working. The same for `when=`, `until=` and poll
options that read as times."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.testing import FakeAdapter
from bot.timeparse import TimeParseError, parse_when, read_time

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # tests/conftest.py's clock
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize("text, says, written", [
    ("2026-12-24 18:00:30", "2026-12-24 18:00 or 2026-12-24 18:01", ["2026-12-24 18:00", "2026-12-24 18:01"]),
    ("2026-12-24T18:00:30+01:00", "2026-12-24 18:00+01:00 or 2026-12-24 18:01+01:00",
     ["2026-12-24 18:00+01:00"]),
    ("2026-12-24T18:00:00.5Z", "2026-12-24 18:00Z or 2026-12-24 18:01Z", ["2026-12-24 18:01Z"]),
    ("tomorrow 18:00:45", "18:00 or 18:01", ["tomorrow 18:00", "tomorrow 18:01"]),
    ("friday 6:30:15pm", "6:30pm or 6:31pm", ["friday 6:30pm", "friday 6:31pm"]),
    ("2026-12-24 23:59:59", "e.g. 2026-12-24 23:59", ["2026-12-24 23:59"]),
])
def test_seconds_are_refused_with_the_minutes_to_write(text: str, says: str, written: list[str]) -> None:
    with pytest.raises(TimeParseError) as refused:
        parse_when(text, BERLIN, NOW)
    assert "has seconds" in str(refused.value) and says in str(refused.value), refused.value
    assert read_time(text, BERLIN, NOW) is None  # a poll option: text, not a time cut short
    for example in written:  # what the refusal suggests is read
        parse_when(example, BERLIN, NOW)


@pytest.mark.parametrize("text, at", [
    ("2026-12-24 18:00:00", datetime(2026, 12, 24, 17, 0, tzinfo=UTC)),  # str(datetime) of 18:00
    ("2026-12-24T18:00:00.000+01:00", datetime(2026, 12, 24, 17, 0, tzinfo=UTC)),
    ("tomorrow 18:00:00", datetime(2026, 11, 24, 17, 0, tzinfo=UTC)),
    ("6:30:00pm", datetime(2026, 11, 23, 17, 30, tzinfo=UTC)),
])
def test_zero_seconds_are_read_as_the_minute(text: str, at: datetime) -> None:
    assert parse_when(text, BERLIN, NOW) == at
    assert read_time(text, BERLIN, NOW) == at


async def test_event_create_with_seconds_is_refused_and_writes_nothing(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    [refused] = await fake.invoke('!event create Picnic when="2026-12-24 18:00:30"')
    assert refused.text.startswith("⚠️") and "18:00:30 has seconds" in refused.text, refused.text
    assert await bot.db.fetchall("SELECT id FROM events") == []
    [made] = await fake.invoke('!event create Picnic when="2026-12-24 18:00:00"')
    assert "Thu 24 Dec 2026 18:00 UTC" in made.text, made.text


async def test_until_with_seconds_is_refused(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    [refused] = await fake.invoke('!event create M when="2026-12-01 19:00" repeat=weekly '
                                  'until="2027-01-05 19:00:30"')
    assert refused.text.startswith("⚠️") and "has seconds" in refused.text, refused.text
    assert await bot.db.fetchall("SELECT id FROM events") == []


async def test_a_poll_option_with_seconds_stays_text_and_is_not_taken_as_a_time(  # type: ignore[no-untyped-def]
        fake: FakeAdapter, bot) -> None:
    [card] = await fake.invoke('!poll create "When?" "2026-12-24 18:00:30" | "2026-12-24 18:00:00"')
    assert "1️⃣ 2026-12-24 18:00:30 — 0" in card.text, card.text  # as typed, not a time cut short
    assert "2️⃣ Thu 24 Dec 2026 18:00 UTC — 0" in card.text, card.text
    await fake.invoke("!poll vote 1 1", "bob")
    [refused] = await fake.invoke("!event create Meet when=poll:1")
    assert refused.text.startswith("⚠️") and "has seconds" in refused.text, refused.text
    assert await bot.db.fetchall("SELECT id FROM events") == []
