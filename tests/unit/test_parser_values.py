"""Through the console, the real commands: what a value is when typed outside quotes or across
several values of one line (PRODUCT.md's shell-style quoting): a backslash escapes only a quote,
a backslash, a `|` or a space; a quote left over is ambiguous only within one value."""

from __future__ import annotations

import pytest

from adapters.console import ConsoleAdapter
from bot.app import Bot
from tests.unit.console_kit import typed


@pytest.mark.parametrize("line, shown", [
    ('!event create Shrug when="tomorrow 7pm" details=no idea ¯\\_(ツ)_/¯ yet', "no idea ¯\\_(ツ)_/¯ yet"),
    ('!event create Share when="tomorrow 7pm" where=\\\\nas\\share room 2', "📍 \\nas\\share room 2"),
    ('!event create Shrug ¯\\_(ツ)_/¯ when="tomorrow 7pm"', "Shrug ¯\\_(ツ)_/¯"),
    ('!event create Q when="tomorrow 7pm" where=A\\|B', "📍 A|B"),
])
async def test_a_backslash_before_anything_but_a_quote_backslash_or_bar_is_kept(
        console: tuple[Bot, ConsoleAdapter], line: str, shown: str) -> None:
    """Outside quotes every backslash escaped the next character: the shrug lost its arm."""
    _, adapter = console
    out = await typed(adapter, line)
    assert "⚠️" not in out and shown in out, out


@pytest.mark.parametrize("line, said", [
    ('!event create "Pizza 12" vs 16" when=tomorrow 7pm', "after '16' closes nothing"),
    ('!event create X when="tomorrow 7pm" where=Hall "Room 12" 5" wide', "after '5' closes nothing"),
    ('!poll create Q "Hall 12" 5" | B', "after '5' closes nothing"),
    ('!event create "Best of 3" 12" pizza when=tomorrow 7pm', "after '12' closes nothing"),
])
async def test_an_inch_mark_left_over_in_the_same_value_as_a_part_closed_after_a_digit_is_refused(
        console: tuple[Bot, ConsoleAdapter], line: str, said: str) -> None:
    """Either quote after a digit may have closed the part: it was stored 'Pizza 12 vs 16"',
    silently dropping the first inch mark."""
    _, adapter = console
    out = await typed(adapter, line)
    assert "⚠️" in out and said in out and "write \\\" for that quote mark" in out, out
    assert "📅" not in out and "📊" not in out, out


@pytest.mark.parametrize("line, shown", [
    ('!event create when="Sat 18:30" title=Trip to ת"א', '📅 Trip to ת"א'),
    ('!event create when="Sat 18:30" Trip to ת"א', '📅 Trip to ת"א'),
    ('!event create when="Fri 19:00" Movie night ("Jaws")', '📅 Movie night ("Jaws")'),
    ('!poll create "Top 10" ת"א | Haifa', 'ת"א — 0'),
    ('!event create when="Sat 18:30" where="Room 12" Trip to ת"א', '📍 Room 12'),
    ('!poll create "Best of 3" 12" pizza | 16" pizza', '16" pizza — 0'),
])
async def test_a_quote_in_another_value_than_a_part_closed_after_a_digit_is_read_as_typed(
        console: tuple[Bot, ConsoleAdapter], line: str, shown: str) -> None:
    """All but the last were refused as 'if 18:30" is meant (inches)…': only a named option's
    name= started another value."""
    _, adapter = console
    out = await typed(adapter, line)
    assert "⚠️" not in out and shown in out, out


async def test_a_quote_left_over_that_could_close_a_part_in_an_earlier_value_is_still_refused(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    out = await typed(adapter, '!event create Party when=tomorrow 7pm where="Hall 12" annex"')
    assert "⚠️" in out and "after 'annex' closes nothing" in out, out


async def test_gershayim_closing_a_quoted_part_with_a_quote_left_over_is_refused(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    """It was stored 📍 Tel Aviv תא" without a word: the quote of ת"א closed the part."""
    _, adapter = console
    out = await typed(adapter, '!event create X when="tomorrow 7pm" where="Tel Aviv ת"א"')
    assert "⚠️" in out and "in 'ת\"א' as closing" in out and "📍" not in out, out
    assert '(e.g. "Tel Aviv ת\\"א")' in out, out
    out = await typed(adapter, '!event create X when="tomorrow 7pm" where="Tel Aviv ת\\"א"')
    assert "⚠️" not in out and '📍 Tel Aviv ת"א' in out, out


@pytest.mark.parametrize("line, shown", [
    ("!event create title='cause the Smiths' dog when=\"tomorrow 7pm\"", "📅 'cause the Smiths' dog"),
    ('!event create title="Pizza" party when="tomorrow 7pm"', "📅 Pizza party"),
])
async def test_the_title_given_by_name_runs_on_past_a_quoted_first_word(
        console: tuple[Bot, ConsoleAdapter], line: str, shown: str) -> None:
    """Refused as "I don't know what to do with 'dog'": a quoted value stopped at its quote,
    though the title is the rest of the line and nothing else takes the words after it."""
    _, adapter = console
    out = await typed(adapter, line)
    assert "⚠️" not in out and shown in out, out


async def test_a_quoted_place_still_ends_where_its_quote_does(console: tuple[Bot, ConsoleAdapter]) -> None:
    """A quoted value ends at its closing quote, as in a shell: what follows fills the title."""
    _, adapter = console
    out = await typed(adapter, '!event create when="tomorrow 7pm" where="Joe\'s" pizzeria')
    assert "⚠️" not in out and "📅 pizzeria" in out and "📍 Joe's" in out, out
