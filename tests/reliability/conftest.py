"""Fixtures of the reliability tests (helpers live in reliability_kit.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import Bot, build_bot
from bot.clock import Clock, ManualClock
from bot.testing import FakeAdapter
from tests.reliability.reliability_kit import START, MakeBot


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Iterator[dict[str, object]]:
    """Figures a test measured; printed (run with -s to see them) for RELIABILITY.md."""
    data: dict[str, object] = {}
    yield data
    if data:
        print(f"\nFIGURES {request.node.name}: " + ", ".join(f"{k}={v}" for k, v in data.items()))


@pytest.fixture
async def make_bot(databases) -> AsyncIterator[MakeBot]:  # type: ignore[no-untyped-def]
    """Build a real bot on a real SQLite file (default tmp_path/t.db) with a FakeAdapter (or
    the adapter given) and start it; every bot made is stopped at teardown, also when the
    test fails (an open aiosqlite thread would keep the test process alive)."""
    made: list[Bot] = []

    async def make(db: Path | None = None, *, clock: Clock | None = None, adapter: FakeAdapter | None = None,
                   rate_limit: bool = False, start: bool = True) -> tuple[Bot, FakeAdapter]:
        bot = await build_bot(databases(Path(db).name if db else "t.db"), clock=clock or ManualClock(START),
                              rate_limit=rate_limit)
        made.append(bot)
        fake = adapter if adapter is not None else FakeAdapter()
        bot.add_adapter(fake)
        if start:
            await bot.start()
        return bot, fake

    yield make
    for bot in made:
        if bot.db.is_open:
            await bot.stop()
