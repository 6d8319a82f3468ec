"""The words a card of a recurring meetup shows for its rule (PRODUCT.md "Recurring meetups"):
each starts with the rule's name in the contract, and each is read back as `repeat=`; and a
series edit of an occurrence moved alone to another day reads a time of day on its series' day."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr

from bot.context import Refusal
from cogs.events.recurrence import occurrences, parse_rule

from .console_kit import typed

RULES = ("daily", "weekly", "every 2 weeks", "every 3 days", "monthly", "every 2 months",
         "monthly on the 15th", "every monday and thursday", "every other week", "biweekly")
# A Thursday, a fifth Tuesday (monthly reads as the last), the fourth Friday that is also the
# last, the 15th itself, and a Monday.
FIRSTS = (datetime(2026, 12, 3, 18), datetime(2026, 12, 29, 18, 30), datetime(2026, 12, 25, 19),
          datetime(2027, 1, 15, 7), datetime(2027, 3, 15, 12))


@pytest.mark.parametrize("first", FIRSTS, ids=lambda d: f"{d:%a-%d-%b}")
@pytest.mark.parametrize("said", RULES)
def test_the_words_of_every_rule_read_back_as_the_same_rule(said: str, first: datetime) -> None:
    rule = parse_rule(said, first)
    again = parse_rule(rule.words, first)
    assert again.rrule == rule.rrule and again.words == rule.words, (said, rule, again)


@pytest.mark.parametrize(("said", "words"), [
    ("daily", "daily"), ("weekly", "weekly on thursday"), ("every 2 weeks", "every 2 weeks on thursday"),
    ("every 3 days", "every 3 days"), ("monthly", "monthly on the first thursday"),
    ("every 2 months", "every 2 months on the first thursday"), ("monthly on the 3rd", "monthly on the 3rd"),
    ("every monday and thursday", "every monday and thursday")])
async def test_a_card_starts_with_the_rules_name_and_its_words_are_taken_back(  # type: ignore[no-untyped-def]
        console, said: str, words: str) -> None:
    _, c = console
    out = await typed(c, ":as ann mod", "!config set reminders off",
                      f'!event create A when="2026-12-03 18:00" repeat="{said}" count=2')
    shown = re.search(r"🔁 Repeats (.+)", out)
    assert shown is not None and shown.group(1).strip() == words, out
    again = await typed(c, f'!event create B when="2026-12-03 18:00" repeat="{words}" count=2')
    assert "⚠️" not in again and f"🔁 Repeats {words}\n" in again, again


@pytest.mark.parametrize(("first", "said", "short"), [
    ("2026-12-03 18:00", "weekly on thursday", "weekly"),
    ("2026-12-03 18:00", "every 2 weeks on thursday", "every 2 weeks"),
    ("2026-12-04 18:00", "every other week on friday", "every 2 weeks"),
    ("2026-12-04 18:00", "biweekly on friday", "every 2 weeks"),
    ("2026-12-08 18:00", "monthly on the second tuesday", "monthly"),
    ("2027-01-29 18:00", "monthly on the last friday", "monthly"),
    ("2026-12-08 18:00", "every 2 months on the second tuesday", "every 2 months")])
def test_the_long_forms_are_the_short_rule_on_the_first_times_day(first: str, said: str, short: str) -> None:
    at = datetime.fromisoformat(first)
    assert parse_rule(said, at).rrule == parse_rule(short, at).rrule


async def test_a_named_day_that_is_not_the_first_times_is_refused(console) -> None:  # type: ignore[no-untyped-def]
    bot, c = console
    out = await typed(c, ":as ann mod", '!event create A when="2026-12-03 18:00" repeat="every 2 weeks on friday"')
    reply = out.rsplit("logoff: ", 1)[1]
    assert reply.startswith("⚠️") and "Thu 03 Dec 2026 is a Thursday" in reply, out
    assert 'when="2026-12-04 18:00"' in reply, out
    assert await bot.db.fetchall("SELECT id FROM event_series") == []


def test_a_number_of_weeks_out_of_range_with_a_day_says_the_range() -> None:
    with pytest.raises(Refusal, match="the number is from 1 to 99"):
        parse_rule("every 0 weeks on thursday", datetime(2026, 12, 3, 18))


async def test_a_series_edit_of_one_moved_alone_reads_the_time_on_its_series_day(console) -> None:  # type: ignore[no-untyped-def]
    _, c = console
    await typed(c, ":as ann mod", "!config set reminders off",
                '!event create E when="2026-11-26 18:00" repeat=weekly count=4',
                '!event edit 2 when="2026-12-04 18:00"')  # #2, of Thu 03 Dec, moved alone to Fri
    out = await typed(c, '!event edit 2 when="19:30" series')
    assert "⚠️" not in out, out
    assert "#2 has a new time: Thu 03 Dec 2026 19:30 UTC" in out, out
    later = await typed(c, ":wait 8d", "!event show 3")  # the next one, made by the series it goes on as
    assert "🕒 Thu 10 Dec 2026 19:30 UTC" in later, later


async def test_a_series_edit_to_another_day_says_what_it_read_and_the_day_kept(console) -> None:  # type: ignore[no-untyped-def]
    _, c = console
    await typed(c, ":as ann mod", "!config set reminders off",
                '!event create E when="2026-11-26 18:00" repeat=weekly count=4',
                '!event edit 2 when="2026-12-04 18:00"')
    out = await typed(c, '!event edit 2 when="2026-12-04 19:30" series')
    reply = out.rsplit("logoff: ", 1)[1]
    assert reply.startswith("⚠️"), out
    assert "Fri 04 Dec 2026 19:30 UTC" in reply and "Thu 03 Dec 2026" in reply, out
    assert 'when="2026-12-03 19:30"' in reply, out
    done = await typed(c, '!event edit 2 when="2026-12-03 19:30" series')
    assert "⚠️" not in done, done
    assert "#2 has a new time: Thu 03 Dec 2026 19:30 UTC" in done, done


def test_several_days_every_other_week_say_where_a_week_starts() -> None:
    """Which of Sunday and Monday share a fortnight depends on the week's first day: the rule
    says it (Monday, as the bot counts), so a calendar whose weeks start on Sunday agrees."""
    first = datetime(2026, 12, 6, 18)  # a Sunday
    rule = parse_rule("every 2 weeks on sunday and monday", first)
    assert "WKST=MO" in rule.rrule.split(";"), rule
    got = [local for local, _ in occurrences(rule.rrule, first, ZoneInfo("UTC"), count=4)]
    sunday_weeks = list(rrulestr(rule.rrule.replace("WKST=MO", "WKST=SU").replace(";;", ";"), dtstart=first))[:4]
    assert got == [datetime(2026, 12, d, 18) for d in (6, 14, 20, 28)], got
    assert got != sunday_weeks  # the start of the week matters, so it must be written
    assert "WKST" not in parse_rule("every 2 weeks", first).rrule  # one day: nothing to pair
