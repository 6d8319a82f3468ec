"""Through the console, the real commands: what a value is when typed outside quotes or across
several values of one line (PRODUCT.md's shell-style quoting): a backslash escapes only a quote,
a backslash or a `|`; a quote left over is ambiguous only within one value."""

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
