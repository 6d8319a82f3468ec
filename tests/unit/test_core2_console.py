"""Second-pass audit of `logoff try` (PRODUCT.md, "Console"): what a console command did
not take is said, and a message id is read as people type it."""

from __future__ import annotations

from adapters.console import ConsoleAdapter
from bot.app import Bot
from tests.unit.console_kit import typed


async def test_last_before_any_bot_message_says_there_is_none(console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    shown = await typed(adapter, ":react last 1")
    assert "⚠️" in shown and "no bot message yet" in shown, shown
    assert "or last" not in shown  # not told to use what was just used


async def test_a_message_id_in_capitals_is_the_same_message(console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    await typed(adapter, '!poll create "Q?" A | B')
    assert "A — 1" in await typed(adapter, ":react M1 1")
    assert "B — 1" in await typed(adapter, ":react LAST 2")


async def test_a_name_of_two_words_is_refused_not_cut(console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    shown = await typed(adapter, ":as Bob Smith")
    assert "⚠️" in shown and "Bob Smith" in shown, shown
    assert adapter.current.display != "Bob"
    assert "(moderator)" in await typed(adapter, ":as bob MOD")


async def test_a_number_reaction_out_of_range_is_said(console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    await typed(adapter, '!poll create "Q?" A | B')
    shown = await typed(adapter, ":react m1 11")
    assert "⚠️" in shown and "1 to 10" in shown, shown


async def test_a_reaction_that_is_no_emoji_is_said(console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    await typed(adapter, '!poll create "Q?" A | B')
    shown = await typed(adapter, ":react last banana", ":react last :tada:")
    assert shown.count("⚠️") == 2 and "'banana' is not an emoji" in shown, shown
    assert "A — 1" in await typed(adapter, ":react last :one:")  # a known shortcode still counts
    # A real emoji the card does not offer would count for nothing: said, with what it takes.
    assert "takes 1️⃣ 2️⃣, not 🍌" in await typed(adapter, ":react last 🍌")
    assert "🍌" not in adapter.reactions["m1"]
