"""Times and durations are typed with the digits 0-9 only, as other numbers are
(tests/unit/test_stats_ascii_digits.py): a regex's digit class and int() also take full-width
"７", Arabic-Indic "٣" and Devanagari "७", which read a pasted or mistyped time silently. Such a
time is refused with `⚠️`, saying what it reads as in 0-9 (and the moment that is) and what to
type, and changes nothing; a character that only looks like a number ("²", "①", "½") is refused
without a reading. Both engines."""

from __future__ import annotations

import sys
import unicodedata
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from adapters.console import ConsoleAdapter
from bot.app import Bot
from bot.durations import TimeParseError, parse_duration
from bot.testing import FakeAdapter
from bot.timeparse import parse_when, parse_when_or_duration, read_time
from tests.reliability.reliability_kit import changed_tables, snapshot
from tests.unit.console_kit import typed

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday, tests/conftest.py's clock
UTCZ = ZoneInfo("UTC")
# Every character that is not ASCII but that Python counts as a number: the decimal digits
# a regex's \d and int() read, and the superscripts, circled, fractions and numerals beside them.
NUMERIC = [c for c in map(chr, range(0x80, sys.maxunicode + 1)) if c.isnumeric()]


@pytest.mark.parametrize("when, reads, at", [
    ("tomorrow ７pm", "tomorrow 7pm", "Tue 24 Nov 2026 19:00 UTC"),
    ("tomorrow ٧pm", "tomorrow 7pm", "Tue 24 Nov 2026 19:00 UTC"),
    ("tomorrow ७pm", "tomorrow 7pm", "Tue 24 Nov 2026 19:00 UTC"),
    ("tomorrow at １９:００", "tomorrow at 19:00", "Tue 24 Nov 2026 19:00 UTC"),
    ("in ３ hours", "in 3 hours", "Mon 23 Nov 2026 12:00 UTC"),
    ("dec ２4 18:00", "dec 24 18:00", "Thu 24 Dec 2026 18:00 UTC"),
    ("２०२６-12-24 18:00", "2026-12-24 18:00", "Thu 24 Dec 2026 18:00 UTC"),
    ("2026-12-24T18:00+０1:00", "2026-12-24T18:00+01:00", "Thu 24 Dec 2026 17:00 UTC"),
])
async def test_a_time_in_other_digits_is_refused_saying_what_it_reads_as(
        fake: FakeAdapter, bot: Bot, when: str, reads: str, at: str) -> None:
    before = await snapshot(bot)
    [refused] = await fake.invoke(f'!event create Picnic when="{when}"')
    assert refused.text.startswith("⚠️"), refused.text
    assert f"reads as {reads} ({at})" in refused.text, refused.text
    assert f'type "{reads}"' in refused.text, refused.text
    assert not changed_tables(before, await snapshot(bot))
    [card] = await fake.invoke(f'!event create Picnic when="{reads}"')  # what it says to type is taken
    assert at in card.text, card.text


@pytest.mark.parametrize("line, reads", [
    ('!event create Picnic when="tomorrow 7pm" duration=２h', "2h"),
    ('!event create Picnic when="tomorrow 7pm" duration="1h ３０m"', "1h 30m"),
    ("!poll create Q? A | B closes=２h", "2h (Mon 23 Nov 2026 11:00 UTC)"),
    ('!poll create Q? A | B closes="tomorrow ７pm"', "tomorrow 7pm (Tue 24 Nov 2026 19:00 UTC)"),
    ("!config set reminders ２h", "2h"),
    ("!config set reminders.grace ٢h", "2h"),
    ("!config set offline.cooldown ６h", "6h"),
])
async def test_durations_and_deadlines_in_other_digits_change_nothing(
        fake: FakeAdapter, bot: Bot, line: str, reads: str) -> None:
    before = await snapshot(bot)
    [refused] = await fake.invoke(line, mod=True)
    assert refused.text.startswith("⚠️"), refused.text
    assert f"reads as {reads};" in refused.text, refused.text
    # what a setting would take is offered; a command's lengths have limits of its own (14d, 90d)
    assert ("if that is what you meant, type" in refused.text) == line.startswith("!config"), refused.text
    assert not changed_tables(before, await snapshot(bot))


@pytest.mark.parametrize("line", [
    '!event edit 1 when="２０:00"',
    '!event create Walk when="tomorrow 7pm" repeat=weekly until=２０２７-01-05',
    '!event create Walk when="tomorrow 7pm" repeat=weekly until="jan ５"',
])
async def test_an_edit_or_an_end_date_in_other_digits_changes_nothing(
        fake: FakeAdapter, bot: Bot, line: str) -> None:
    [card] = await fake.invoke('!event create Picnic when="tomorrow 18:00"')
    before = await snapshot(bot)
    [refused] = await fake.invoke(line)
    assert refused.text.startswith("⚠️") and "not typed with the digits 0-9" in refused.text, refused.text
    assert not changed_tables(before, await snapshot(bot))
    assert "Tue 24 Nov 2026 18:00 UTC" in fake.messages[card.id]


@pytest.mark.parametrize("line, odd", [
    ('!event create Picnic when="tomorrow ²pm"', "²"),
    ('!event create Picnic when="tomorrow ①pm"', "①"),
    ('!event create Picnic when="in ½ hour"', "½"),
    ('!event create Picnic when="tomorrow Ⅶpm"', "Ⅶ"),
    ('!event create Picnic when="tomorrow 7pm" duration=²h', "²"),
    ("!poll create Q? A | B closes=③h", "③"),
])
async def test_look_alikes_of_digits_are_refused_without_a_reading(
        fake: FakeAdapter, bot: Bot, line: str, odd: str) -> None:
    before = await snapshot(bot)
    [refused] = await fake.invoke(line)
    assert refused.text.startswith("⚠️") and f"'{odd}', which is not among the digits 0-9" in refused.text, \
        refused.text
    assert "reads as" not in refused.text
    assert not changed_tables(before, await snapshot(bot))


async def test_a_poll_option_in_other_digits_is_not_fixed_to_a_time(fake: FakeAdapter, bot: Bot) -> None:
    [poll] = await fake.invoke("!poll create When? tomorrow ７pm | saturday 10am")
    assert "tomorrow ７pm" in poll.text and "Tue 24 Nov" not in poll.text, poll.text
    await fake.react(poll.id, "1️⃣", "bob")
    before = await snapshot(bot)
    [refused] = await fake.invoke("!event create Dinner when=poll:1")
    assert refused.text.startswith("⚠️") and 'type "tomorrow 7pm"' in refused.text, refused.text
    assert not changed_tables(before, await snapshot(bot))


async def test_the_console_clock_waits_only_for_a_length_in_0_to_9(console: tuple[Bot, ConsoleAdapter]) -> None:
    bot, adapter = console
    start = bot.clock.now()
    shown = await typed(adapter, ":wait ２h")
    assert "⚠️" in shown and 'type "2h"' in shown, shown
    assert bot.clock.now() == start
    await typed(adapter, ":wait 2h")
    assert bot.clock.now() == start + timedelta(hours=2)


@pytest.mark.parametrize("digit", [c for c in NUMERIC if unicodedata.decimal(c, None) == 7])
def test_no_decimal_seven_but_7_is_read_as_a_time(digit: str) -> None:
    for text in (f"tomorrow {digit}pm", f"in {digit} hours", f"dec 2{digit} 18:00"):
        with pytest.raises(TimeParseError, match="not typed with the digits 0-9"):
            parse_when(text, UTCZ, NOW)
        assert read_time(text, UTCZ, NOW) is None
    with pytest.raises(TimeParseError, match="not typed with the digits 0-9"):
        parse_when_or_duration(f"{digit}h", UTCZ, NOW)


def test_no_numeric_character_but_0_to_9_is_read_as_a_duration() -> None:
    read = []
    for c in NUMERIC:
        try:
            read.append((c, parse_duration(f"{c}h")))
        except TimeParseError as e:
            assert "digits 0-9" in str(e), (c, str(e))
    assert not read, read


def test_a_long_text_in_other_digits_is_quoted_short() -> None:
    with pytest.raises(TimeParseError, match="not typed with the digits 0-9") as refused:
        parse_duration("１h" * 500)
    assert len(str(refused.value)) < 200, refused.value
