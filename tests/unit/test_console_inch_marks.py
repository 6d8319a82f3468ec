"""Through the console, the real commands: a quoted part ending in a digit ("Room 12") makes a
later double quote ambiguous within the same value, and in a later value only when that quote
could have closed it (it ends a word, is no inch mark itself, and no option's name= is between); the words a named value runs over read as the rest of a line does (double
quotes only group, \\" is a quote mark), as PRODUCT.md's shell-style quoting says."""

from __future__ import annotations

import pytest

from adapters.console import ConsoleAdapter
from bot.app import Bot
from tests.unit.console_kit import typed


@pytest.mark.parametrize("line, shown", [
    ('!event create Pizza when="2026-12-05 18:30" details=bring a 12" pizza', 'bring a 12" pizza'),
    ('!event create "Room 12" when="tomorrow 7pm" where=5" from the door', '📍 5" from the door'),
    ('!event create "Meet at gate 5" when=tomorrow 7pm details=Gate is 20" wide', 'Gate is 20" wide'),
    ('!poll create "Best of 3" 12" pizza | 16" pizza', '12" pizza — 0'),
    ('!poll create "Top 10" 6\'2" | 5\'10"', '5\'10" — 0'),
    ('!event create "Room 12" when=tomorrow 7pm where=ת"א', '📍 ת"א'),  # Tel Aviv, abbreviated
])
async def test_a_quote_after_a_quoted_part_ending_in_a_digit_is_text_if_an_inch_mark_or_in_another_value(
        console: tuple[Bot, ConsoleAdapter], line: str, shown: str) -> None:
    """All were refused as 'if 18:30" is meant (inches)…', with an example running over options."""
    _, adapter = console
    out = await typed(adapter, line)
    assert "⚠️" not in out and shown in out, out


async def test_a_quote_left_over_in_the_same_value_is_refused_and_the_advice_works(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    out = await typed(adapter, '!event create Party when=tomorrow 7pm where="Hall 12" annex"')
    assert "⚠️" in out and "after 'annex' closes nothing" in out, out
    assert "after '12'" in out and '(e.g. "Hall 12\\" annex")' in out, out
    out = await typed(adapter, '!event create Party when=tomorrow 7pm where="Hall 12\\" annex"')
    assert "⚠️" not in out and '📍 Hall 12" annex' in out, out
    out = await typed(adapter, '!event create "12" pizza night" when="tomorrow 7pm"')
    assert "⚠️" in out and "after 'night' closes nothing" in out, out


async def test_a_title_given_by_name_reads_like_one_given_by_its_place(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    """title=Movie night: "Jaws" kept the quotes that the same title typed without title= drops."""
    _, adapter = console
    out = await typed(adapter, '!event create Movie night: "Jaws" when=tomorrow 7pm')
    assert "📅 Movie night: Jaws #1" in out, out
    out = await typed(adapter, '!event create when=tomorrow 7pm title=Movie night: "Jaws"')
    assert "📅 Movie night: Jaws #2" in out, out
    out = await typed(adapter, '!event edit 1 title=Movie night: "Jaws" 2')
    assert "⚠️" not in out and "Movie night: Jaws 2" in out and '"Jaws"' not in out, out
    out = await typed(adapter, '!event edit 1 where=Lab "e=mc2" details=a \'quoted\' word')
    assert "📍 Lab e=mc2" in out and "a 'quoted' word" in out, out


async def test_an_escaped_quote_in_a_run_on_value_is_a_quote_mark(console: tuple[Bot, ConsoleAdapter]) -> None:
    """Following the refusal's "write \\" for a quote mark" showed 📍 Joe's \\"Bar."""
    _, adapter = console
    out = await typed(adapter, '!event create Party when="tomorrow 7pm" where=Joe\'s "Bar')
    assert "⚠️" in out and 'write \\"' in out, out
    out = await typed(adapter, '!event create Party when="tomorrow 7pm" where=Joe\'s \\"Bar')
    assert "📍 Joe's \"Bar" in out and "\\" not in out, out
