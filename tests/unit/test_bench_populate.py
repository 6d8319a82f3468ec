"""The benchmarks that measure a full database build it with bench/_populate.py straight through
the events repository; a change to that repository's signature once stopped them all without any
test noticing. A tiny build here keeps them runnable and checks it is what they say they measure."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.app import Bot
from bot.testing import FakeAdapter
from tests.conftest import START

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
async def test_the_benchmarks_populated_database_holds_what_they_say(bot: Bot, fake: FakeAdapter) -> None:
    sys.path.insert(0, str(BENCH))
    try:
        from _populate import populate
    finally:
        sys.path.remove(str(BENCH))
    await populate(bot, events=5, spaces=2, rsvps=23, now=START, chunk=2)
    counts = await bot.db.read(lambda c: (
        c.execute("SELECT COUNT(*) FROM events").fetchone()[0],
        c.execute("SELECT COUNT(*) FROM rsvps").fetchone()[0],
        c.execute("SELECT COUNT(*) FROM jobs WHERE kind='event.reminder'").fetchone()[0]))
    assert counts == (5, 23, 10)
