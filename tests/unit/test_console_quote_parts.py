"""Through the console, the real commands: apostrophes that are not quotes keep their place in
a title and a poll option, a 12" is an inch mark or refused, and a quote never closed is
refused with the usage of the command typed (PRODUCT.md's text syntax)."""

from __future__ import annotations

from adapters.console import ConsoleAdapter
from bot.app import Bot
from tests.unit.console_kit import typed


async def test_apostrophes_in_a_title_and_a_poll_option_are_shown_as_typed(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    shown = await typed(adapter, "!event create 'cause the Smiths' dog needs a walk when=\"tomorrow 7pm\"")
    assert "⚠️" not in shown and "'cause the Smiths' dog needs a walk #1" in shown, shown  # was "cause the Smiths dog"
    shown = await typed(adapter, "!poll create \"Which music?\" rock 'n' roll | jazz | 'cause the Smiths' dog barks")
    assert "⚠️" not in shown and "rock 'n' roll — 0" in shown, shown  # was "rock n roll"
    assert "'cause the Smiths' dog barks — 0" in shown, shown
    shown = await typed(adapter, "!event create 'Board games' when=\"tomorrow 7pm\"")
    assert "📅 Board games #2" in shown, shown  # a whole title in quotes is as before


async def test_an_inch_mark_is_read_as_typed_or_refused_never_misread(console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    shown = await typed(adapter, '!event create "12" pizza night" when="tomorrow 7pm"')
    assert shown.startswith("[m1] logoff: ⚠️") and '"12\\" pizza night"' in shown, shown  # was '12 pizza night"'
    assert "Usage: !event create" in shown and not adapter.cards(), shown
    shown = await typed(adapter, '!event create 12" pizza night when="tomorrow 7pm"')
    assert "⚠️" not in shown and '📅 12" pizza night #1' in shown, shown  # was "when is missing"
    shown = await typed(adapter, '!event edit 1 title=12" pizza where="Bob\'s"')
    assert "⚠️" not in shown and '12" pizza' in shown and "Bob's" in shown, shown


async def test_a_double_quote_never_closed_shows_the_usage_of_the_command_typed(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    shown = await typed(adapter, '!event create "Party when=tomorrow 7pm')
    assert "⚠️" in shown and "never closed" in shown and '"<title>"' in shown, shown
    assert "Usage: !event create" in shown and "Where should we meet" not in shown, shown
    await typed(adapter, '!event create Party when="tomorrow 7pm"')
    shown = await typed(adapter, '!rsvp "1 going')
    assert "⚠️" in shown and "number, written without quotes" in shown and "Usage: !rsvp" in shown, shown
    assert "Where should we meet" not in shown and "Going (0)" not in shown, shown
