"""Single quotes through the real commands in the console (PRODUCT.md's text syntax): a
quoted part holding `x=` or `\\'` is the text typed, a line of apostrophes is kept as typed,
and a quote left open on a one-word option is refused naming that option."""

from __future__ import annotations

from adapters.console import ConsoleAdapter
from bot.app import Bot
from tests.unit.console_kit import typed


async def test_a_quoted_question_keeps_an_equals_sign_and_an_escaped_apostrophe(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    shown = await typed(adapter, "!poll create 'Is x=5 the answer?' Yes | No")
    assert "⚠️" not in shown and "Is x=5 the answer?" in shown, shown  # was "'x' is not an option"
    shown = await typed(adapter, r"!poll create 'Where\'s the party?' Hall | Park")
    assert "⚠️" not in shown and "Where's the party?" in shown and "\\'" not in shown, shown


async def test_an_offline_note_of_apostrophes_is_shown_as_typed(console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    shown = await typed(adapter, "!offline 'til it's the players' call")
    assert "⚠️" not in shown and "'til it's the players' call" in shown, shown  # was "til it's the players call"


async def test_a_quote_left_open_on_an_rsvp_names_the_answer_not_a_poll_question(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    await typed(adapter, '!event create Party when="tomorrow 7pm"')
    shown = await typed(adapter, "!rsvp 1 'going")
    assert "⚠️" in shown and "never closed" in shown and "going or maybe or no" in shown, shown
    assert "Where should we meet" not in shown, shown
