"""Through the console, the real commands: a line reads as a shell would hand it over
(PRODUCT.md's shell-style quoting): 'title=a b' as title='a b', `\\ ` as a space outside
quotes, and a poll's `|` as the end of the option a quoted part is in."""

from __future__ import annotations

import pytest

from adapters.console import ConsoleAdapter
from bot.app import Bot
from tests.unit.console_kit import typed

WHEN = 'when="tomorrow 7pm"'


async def test_a_name_value_word_quoted_whole_and_run_on_keeps_its_quote_where_typed_after_the_name(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    """It was titled "=Movie night' extra": the run-on cut the name off the word's text with
    its quotes kept, one character short of the opening quote."""
    _, adapter = console
    out = await typed(adapter, f"!event create 'title=Movie night' extra {WHEN}")
    assert "⚠️" not in out and "📅 'Movie night' extra #1" in out, out
    out = await typed(adapter, f"!event create title='Movie night' extra {WHEN}")  # the same word to a shell
    assert "⚠️" not in out and "📅 'Movie night' extra #2" in out, out
    out = await typed(adapter, f"!event create 'title=Bob\\'s night' out {WHEN}")
    assert "⚠️" not in out and "📅 'Bob's night' out #3" in out, out
    out = await typed(adapter, f"!event create 'title=Movie night' {WHEN}")  # the whole value: quotes group
    assert "📅 Movie night #4" in out, out


@pytest.mark.parametrize("line, shown", [
    (f"!event create Pub where=Room\\ 12 {WHEN}", "📍 Room 12\n"),
    (f"!event create Pub\\ quiz {WHEN}", "📅 Pub quiz #1"),
    (f"!event create Pub where=Room\\\t12 {WHEN}", "📍 Room 12\n"),  # a tab, shown as a space
    (f'!event create Pub where="Room\\ 12" {WHEN}', "📍 Room\\ 12\n"),  # in quotes, as a shell keeps it
    (f"!event create Pub where='Room\\ 12' {WHEN}", "📍 Room\\ 12\n"),
    (f"!event create Shrug ¯\\_(ツ)_/¯ {WHEN}", "📅 Shrug ¯\\_(ツ)_/¯ #1"),
])
async def test_a_backslash_before_a_space_outside_quotes_is_a_space(
        console: tuple[Bot, ConsoleAdapter], line: str, shown: str) -> None:
    """`where=Room\\ 12` was stored 📍 Room\\ 12: the backslash escaped only quotes, `\\` and `|`."""
    _, adapter = console
    out = await typed(adapter, line)
    assert "⚠️" not in out and shown in out, out


async def test_a_quote_left_over_not_after_a_digit_is_still_refused(console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    out = await typed(adapter, f'!event create "Best of 3" pizza" {WHEN}')
    assert "⚠️" in out and "after 'pizza' closes nothing" in out and not adapter.cards(), out


async def test_a_quote_left_over_in_another_poll_option_closes_nothing_there(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    """Refused as "the quote after 'B' closes nothing", though a quote groups no `|` (`"A | B"` is
    two options): the part closed after 12 could not have closed after B" in the next option."""
    _, adapter = console
    out = await typed(adapter, '!poll create Q A | "Room 12" x | B" y')
    assert "⚠️" not in out and "2️⃣ Room 12 x — 0" in out and '3️⃣ B" y — 0' in out, out
    out = await typed(adapter, '!poll create Q "Room 12" A | B" C')
    assert "⚠️" not in out and "1️⃣ Room 12 A — 0" in out and '2️⃣ B" C — 0' in out, out


async def test_a_quote_left_over_in_the_options_that_could_close_the_question_is_still_refused(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    """The question is no list: a quoted question may hold a `|`, so B" may have closed it."""
    _, adapter = console
    out = await typed(adapter, '!poll create "Q 12" A | B" C | D')
    assert "⚠️" in out and "after 'B' closes nothing" in out and "📊" not in out, out
