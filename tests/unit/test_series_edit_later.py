"""`event edit <id> … series` (PRODUCT.md "Recurring meetups", "Errors"): nothing is written on
a refusal, also when the next occurrence is not posted yet; those who answered a later one hear
of a new time only when it is new; a goal holds for every later one; and "every later one"
includes those the series went on as after a move to a new time of day."""

from __future__ import annotations

import re

import pytest

from .console_kit import typed

SETUP = (":as ann mod", "!config set reminders off", "!config set events.followup off")


def weekly_quiz(ahead: str, extra: str = "") -> tuple[str, ...]:
    """SETUP, then a weekly Quiz from Tue 24 Nov 18:30 whose occurrences are posted `ahead`."""
    return (*SETUP, f"!config set series.ahead {ahead}",
            f'!event create Quiz when="2026-11-24 18:30" repeat=weekly{extra}')


def posted(out: str, title: str) -> list[str]:
    """The days of the cards of `title` printed for the first time (not edits) in `out`."""
    return re.findall(rf"^\[m\d+\] logoff: 📅 {title} #\d+\n\s+🕒 (\w+ \d+ \w+ \d+)", out, re.M)


@pytest.mark.parametrize("change", ['when="banana"', "goal=5 capacity=2", 'when="2026-12-23 20:00"',
                                    "duration=15d"])
async def test_a_refused_edit_of_a_series_with_none_posted_posts_nothing(console, change: str) -> None:  # type: ignore[no-untyped-def]
    bot, adapter = console
    # Monthly: on Fri 27 Nov the first is over and the next (22 Dec) is not posted yet.
    await typed(adapter, *SETUP, '!event create Book club when="2026-11-24 18:30" repeat=monthly', ":wait 4d")
    out = await typed(adapter, f"!event edit 1 {change} series")
    assert "⚠️" in out and "✅" not in out, out
    assert posted(out, "Book club") == [], out
    assert len(await bot.db.fetchall("SELECT id FROM events")) == 1
    # and the series goes on as it was: its next one is posted when it is due, unchanged
    later = await typed(adapter, ":wait 14d")
    assert posted(later, "Book club") == ["Tue 22 Dec 2026"], later
    assert "18:30" in later


async def test_an_edit_of_a_series_with_none_posted_posts_the_next_one_changed(console) -> None:  # type: ignore[no-untyped-def]
    _, adapter = console
    await typed(adapter, *SETUP, '!event create Book club when="2026-11-24 18:30" repeat=monthly', ":wait 4d")
    out = await typed(adapter, "!event edit 1 title=Readers series")
    assert posted(out, "Readers") == ["Tue 22 Dec 2026"], out
    assert out.index("📅 Readers") < out.index("✅ Updated Readers #2 and every later one"), out


async def test_a_series_edit_to_the_same_time_tells_nobody_of_a_new_time(console) -> None:  # type: ignore[no-untyped-def]
    _, adapter = console
    await typed(adapter, *weekly_quiz("20d"), ":as bob", "!rsvp 3 going",
                ":as ann mod")
    same = await typed(adapter, '!event edit 2 when="18:30" series')
    assert "✅" in same and "new time" not in same, same
    moved = await typed(adapter, '!event edit 2 when="19:00" series')
    assert "new time" in moved and "#3" in moved, moved


async def test_a_series_goal_is_refused_above_a_later_ones_own_capacity(console) -> None:  # type: ignore[no-untyped-def]
    bot, adapter = console
    await typed(adapter, *weekly_quiz("20d"), "!event edit 3 capacity=3")
    out = await typed(adapter, "!event edit 2 goal=5 series")
    assert "⚠️" in out and "capacity of 3" in out, out
    assert [tuple(r) for r in await bot.db.fetchall("SELECT id FROM events WHERE goal IS NOT NULL")] == []
    assert [tuple(r) for r in await bot.db.fetchall("SELECT goal FROM event_series")] == [(None,)]
    ok = await typed(adapter, "!event edit 2 goal=3 series")
    assert "✅" in ok, ok


async def test_a_series_edit_reaches_the_later_ones_moved_to_a_new_time(console) -> None:  # type: ignore[no-untyped-def]
    bot, adapter = console
    await typed(adapter, *weekly_quiz("20d"))
    assert "✅" in await typed(adapter, '!event edit 3 when="20:00" series')
    out = await typed(adapter, "!event edit 2 title=Trivia series")
    assert "✅" in out, out
    titles = await bot.db.fetchall("SELECT id, title FROM events WHERE id >= 2 ORDER BY id")
    assert [tuple(r) for r in titles] == [(2, "Trivia"), (3, "Trivia")]
    later = await typed(adapter, ":wait 7d")
    assert posted(later, "Trivia") == ["Tue 15 Dec 2026"], later


async def test_a_new_time_from_before_a_move_moves_them_all_once(console) -> None:  # type: ignore[no-untyped-def]
    bot, adapter = console
    await typed(adapter, *weekly_quiz("20d"))
    assert "✅" in await typed(adapter, '!event edit 3 when="20:00" series')
    out = await typed(adapter, '!event edit 2 when="19:00" series')
    assert "✅" in out, out
    starts = await bot.db.fetchall("SELECT id, state FROM events WHERE id >= 2 ORDER BY id")
    assert [tuple(r) for r in starts] == [(2, "active"), (3, "active")]
    cards = await typed(adapter, "!event list")
    assert "20:00" not in cards, cards
    # one Quiz a week from then on, at 19:00: none at 20:00, and the 8th is not made twice
    later = await typed(adapter, ":wait 14d")
    assert posted(later, "Quiz") == ["Tue 15 Dec 2026", "Tue 22 Dec 2026"], later
    assert "20:00" not in later and later.count("19:00") >= 2, later


async def test_ending_a_series_from_before_a_move_ends_the_moved_ones(console) -> None:  # type: ignore[no-untyped-def]
    bot, adapter = console
    await typed(adapter, *weekly_quiz("20d"))
    assert "✅" in await typed(adapter, '!event edit 3 when="20:00" series')
    out = await typed(adapter, "!event cancel 2 series")
    assert "2 occurrence(s) cancelled" in out, out
    later = await typed(adapter, ":wait 30d")
    assert posted(later, "Quiz") == [], later
