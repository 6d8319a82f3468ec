"""Fixtures of the unit tests: a started bot with a console writing to a string."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.console import ConsoleAdapter
from bot.app import Bot, build_bot
from bot.clock import ManualClock


@pytest.fixture
async def console(tmp_path: Path, clock: ManualClock):  # type: ignore[no-untyped-def]
    bot = await build_bot(str(tmp_path / "c.db"), clock=clock, rate_limit=False)
    adapter = ConsoleAdapter(out=io.StringIO(), files=tmp_path / "files")
    bot.add_adapter(adapter)
    await bot.start()
    try:
        yield bot, adapter
    finally:
        await bot.stop()


@pytest.fixture
async def later() -> AsyncIterator[list[Bot]]:
    """The bots started again in a test, stopped at its end even when it fails."""
    bots: list[Bot] = []
    yield bots
    for bot in bots:
        if bot.started or bot.db.is_open:
            await bot.stop()
