"""The web part served on an ephemeral loopback port for these tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.testing import FakeAdapter
from bot.web import WebConfig


@pytest.fixture
async def web(bot, fake: FakeAdapter) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    """The base address of the bot's pages (the bot and its FakeAdapter already started)."""
    await bot.web.start(WebConfig("127.0.0.1", 0, "http://127.0.0.1:0"))
    try:
        yield bot.web.url("")
    finally:
        await bot.web.stop()
