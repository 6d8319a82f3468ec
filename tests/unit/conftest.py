"""Fixtures of the unit tests: a started bot with a console writing to a string."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from adapters.console import ConsoleAdapter
from bot.app import build_bot
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
