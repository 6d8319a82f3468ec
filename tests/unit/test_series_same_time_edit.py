"""`event edit <id> when=… series` with the series' own time of day (PRODUCT.md "Recurring
meetups"): nothing of the schedule changes, so the series is not split, and a later occurrence
moved on its own keeps its own time (only a new time of day moves every later one)."""

from __future__ import annotations

import pytest

from .console_kit import typed
from .test_series_edit_later import posted, weekly_quiz


@pytest.mark.parametrize("when", ["18:30", "2026-12-01 18:30", "6:30pm"])
async def test_a_series_edit_at_its_own_time_keeps_a_later_ones_own_time(console, when: str) -> None:  # type: ignore[no-untyped-def]
    bot, adapter = console
    await typed(adapter, *weekly_quiz("20d"))
    assert "✅" in await typed(adapter, '!event edit 3 when="2026-12-08 20:00"')  # #3 alone
    out = await typed(adapter, f'!event edit 2 when="{when}" title=Trivia series')
    assert "✅ Updated Trivia #2 and every later one" in out and "new time" not in out, out
    rows = await bot.db.fetchall("SELECT id, title, starts_at, series_id FROM events WHERE id >= 2 ORDER BY id")
    starts = {r[0]: r[2] for r in rows}
    assert [(r[0], r[1], r[3]) for r in rows] == [(2, "Trivia", 1), (3, "Trivia", 1)]
    assert starts[3] - starts[2] == 7 * 86400 + 90 * 60, starts  # #3 still at 20:00
    assert [tuple(r) for r in await bot.db.fetchall("SELECT id FROM event_series")] == [(1,)]
    later = await typed(adapter, ":wait 14d")
    assert posted(later, "Trivia") == ["Tue 15 Dec 2026", "Tue 22 Dec 2026"], later


async def test_a_series_edit_at_its_own_time_moves_back_the_one_named(console) -> None:  # type: ignore[no-untyped-def]
    bot, adapter = console
    await typed(adapter, *weekly_quiz("20d"), ":as bob", "!rsvp 2 going", "!rsvp 3 going", ":as ann mod")
    await typed(adapter, '!event edit 2 when="2026-12-01 20:00"', '!event edit 3 when="2026-12-08 21:00"')
    out = await typed(adapter, '!event edit 2 when="18:30" series')
    assert "✅" in out and "18:30" in out, out
    rows = await bot.db.fetchall("SELECT id, starts_at FROM events WHERE id >= 2 ORDER BY id")
    two, three = (r[1] for r in rows)
    assert three - two == 7 * 86400 + 150 * 60, rows  # #2 back at 18:30, #3 still at 21:00
    assert "#3 has a new time" not in out, out  # #3 has none
    assert [tuple(r) for r in await bot.db.fetchall("SELECT id FROM event_series")] == [(1,)]
