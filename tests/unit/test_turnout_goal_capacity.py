"""A turnout goal counts those going, and with a capacity only those in are going: a goal above
the capacity could never be reached, so it is refused, on create and on edit, and nothing changes."""

from __future__ import annotations

from bot.app import Bot
from bot.testing import FakeAdapter

WHEN = '"2026-11-26 18:00"'


async def rows(bot: Bot, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in await bot.db.fetchall(sql)]


async def test_a_goal_above_the_capacity_is_refused(fake: FakeAdapter, bot: Bot) -> None:
    for line, instead in ((f"!event create Walk when={WHEN} capacity=2 goal=5", "capacity=5 or more"),
                          (f"!event create Run when={WHEN} capacity=2 goal=3 repeat=weekly count=2",
                           "capacity=3 or more")):
        [r] = await fake.invoke(line)
        assert r.text.startswith("⚠️") and "goal=2 or less" in r.text and instead in r.text, r.text
    assert await rows(bot, "SELECT id FROM events") == []
    [card] = await fake.invoke(f"!event create Walk when={WHEN} capacity=4 goal=4")
    assert "Goal (0/4)" in card
    before = await rows(bot, "SELECT capacity, goal FROM events")
    for line in ("!event edit 1 capacity=3", "!event edit 1 goal=5", "!event edit 1 capacity=2 goal=3"):
        [r] = await fake.invoke(line)
        assert r.text.startswith("⚠️") and "can never be reached" in r.text, r.text
    assert await rows(bot, "SELECT capacity, goal FROM events") == before
    for line in ("!event edit 1 capacity=2 goal=2", "!event edit 1 capacity=0 goal=9", "!event edit 1 goal=0",
                 "!event edit 1 capacity=1"):
        [ok] = await fake.invoke(line)
        assert ok.text.startswith("✅"), (line, ok.text)
    assert await rows(bot, "SELECT capacity, goal FROM events") == [(1, None)]
