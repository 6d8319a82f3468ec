"""A reminder's DMs are marked in one write before the first of them (bot/resend.py `mark_sends`),
so a fan-out pays one committed write, not one per person; a re-run after a crash later than
Discord holds its nonces still DMs each person once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.app import Bot
from bot.clock import ManualClock
from tests.adapters.discord.test_discord_job_once import (
    Killed,
    board_games,
    dms,
    kill_before_sent,
    reminders,
    restart_later,
)
from tests.conftest import ENGINES
from tests.discord_fake.harness import Harness, World

PEOPLE = ("bob", "carol", "mod")


async def three_want_dms(harness: Harness, world: World) -> tuple[Bot, ManualClock]:
    """Bob, Carol and the moderator want DMs and go to Board games, in 3 hours (1h reminder in 2)."""
    return await board_games(harness, world, PEOPLE)


def dmed(world: World) -> list[int]:
    """Whom the DMs went to, one entry a DM (sorted)."""
    return sorted(int(c["recipients"][0]["id"]) for c in world.fake.channels.values() if c["type"] == 1
                  for _ in world.fake.channel_messages(int(c["id"])))


@pytest.mark.parametrize("engine", ENGINES)
async def test_a_reminders_dms_are_marked_and_each_is_sent_once_after_a_late_rerun(
        harness: Harness, world: World) -> None:
    fake, ch = world.fake, world.channel
    bot, clock = await three_want_dms(harness, world)
    kill_before_sent(bot)
    with pytest.raises(Killed):
        await bot.scheduler.advance(timedelta(hours=2, minutes=1))
    [reminder], sent = reminders(fake, ch), dms(fake)
    assert len(sent) == len(PEOPLE)
    keys = [r[0] for r in await bot.db.fetchall("SELECT key FROM job_sends")]
    assert len([k for k in keys if "/dm/" in k]) == len(PEOPLE), f"each DM marked before it went: {keys}"

    again = await restart_later(harness, world, bot, clock.now())
    assert reminders(fake, ch) == [reminder] and dms(fake) == sent, "each once"
    assert tuple(await again.db.fetchone("SELECT count(*) FROM job_sends")) == (0,), "marks go with the job"


async def test_a_reminder_killed_on_the_way_to_its_last_dm_sends_only_that_one_on_restart(
        harness: Harness, world: World) -> None:
    fake, ch, u = world.fake, world.channel, world.users
    bot, clock = await three_want_dms(harness, world)
    adapter = bot.adapters["discord"]
    real = adapter.dm_parts  # type: ignore[attr-defined]
    calls = 0

    async def die_at_the_last(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == len(PEOPLE):
            raise Killed
        return await real(*args, **kwargs)

    adapter.dm_parts = die_at_the_last  # type: ignore[attr-defined]
    with pytest.raises(Killed):
        await bot.scheduler.advance(timedelta(hours=2, minutes=1))
    assert len(dms(fake)) == len(PEOPLE) - 1

    await restart_later(harness, world, bot, clock.now())
    assert len(reminders(fake, ch)) == 1
    assert dmed(world) == sorted(u[who] for who in PEOPLE), "the two DMed before are not again; the third is, once"
