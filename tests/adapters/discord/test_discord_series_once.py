"""A series' card is posted once on Discord also when the process dies after the card went out
and before it was marked posted, and the next process comes later than Discord holds the send's
nonce: the card's send is a keyed send of a job, so the re-run finds it (bot/resend.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from adapters.discord import DiscordAdapter
from bot.app import Bot
from bot.clock import ManualClock
from bot.model import MessageRef
from tests.adapters.discord.test_discord_features import ALL
from tests.adapters.discord.test_discord_job_once import Killed
from tests.conftest import ENGINES
from tests.discord_fake.harness import Harness, World


def kill_after_series_send(bot: Bot) -> list[str]:
    """The process dies as a series card's keyed send returns: on Discord, not yet marked posted."""
    return fail_after_series_send(bot, Killed)


def fail_after_series_send(bot: Bot, error: Callable[[], BaseException], *, once: bool = False) -> list[str]:
    """A series card's keyed send lands and then `error` is raised (the process killed, or the
    answer lost): the keys of those sends. With `once`, only the first."""
    adapter = bot.adapters["discord"]
    assert isinstance(adapter, DiscordAdapter)
    real = adapter.send
    keys: list[str] = []

    async def send(channel: Any, out: Any, *, idempotency_key: str | None = None) -> MessageRef:
        ref = await real(channel, out, idempotency_key=idempotency_key)
        if idempotency_key is not None and idempotency_key.startswith("series:") and not (once and keys):
            keys.append(idempotency_key)
            raise error()
        return ref

    adapter.send = send  # type: ignore[method-assign]
    return keys


def cards(world: World, n: int) -> list[dict[str, Any]]:
    return [m for m in world.fake.channel_messages(world.channel)
            if m["embeds"] and "Readers" in m["embeds"][0]["title"] and f"#{n}" in m["embeds"][0]["title"]]


async def restart_later(harness: Harness, world: World, bot: Bot, clock: ManualClock) -> Bot:
    """The dead process is gone; the next starts 10 minutes on, when Discord holds no nonce of it
    and the card's claim has lapsed."""
    harness.running.remove(bot)
    await bot.stop()
    world.fake.nonce_window = 0.0
    again, _ = await harness.start(ALL, clock=ManualClock(clock.now() + timedelta(minutes=10)))
    await again.settle()
    return again


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.allow_errors("Task exception was never retrieved")  # the command the kill stopped
async def test_a_series_card_posted_by_its_create_then_killed_is_posted_once(
        harness: Harness, world: World) -> None:
    """`event create ... repeat=weekly` answers with the first card and posts the second (a week
    on, inside `series.ahead`) itself; the process dies as that one is out."""
    fake, u, ch = world.fake, world.users, world.channel
    clock = ManualClock()
    bot, _ = await harness.start(ALL, clock=clock)
    keys = kill_after_series_send(bot)
    await fake.send_interaction("event create", {"title": "Readers", "when": "in 3 hours", "repeat": "weekly"},
                                user=u["alice"], channel=ch)
    await fake.wait_for(lambda: bool(keys), what="the second card sent")
    assert len(cards(world, 1)) == 1 and len(cards(world, 2)) == 1
    again = await restart_later(harness, world, bot, clock)
    await again.scheduler.advance(timedelta(minutes=30))
    assert len(cards(world, 2)) == 1, "the card that was out is not posted again"
    assert len(cards(world, 1)) == 1
    row = await again.db.fetchone("SELECT card_posted FROM events WHERE id=2")
    assert row is not None and row[0] == 1


async def test_a_series_card_posted_by_the_series_job_then_killed_is_posted_once(
        harness: Harness, world: World) -> None:
    """The series' own job makes the third occurrence and posts its card; the process dies as it
    is out, before the card or the job is marked."""
    fake, u, ch = world.fake, world.users, world.channel
    clock = ManualClock()
    bot, _ = await harness.start(ALL, clock=clock)
    await fake.send_interaction("event create", {"title": "Readers", "when": "in 3 hours", "repeat": "weekly"},
                                user=u["alice"], channel=ch)
    await fake.wait_for(lambda: len(cards(world, 2)) == 1, what="the second card")
    keys = kill_after_series_send(bot)
    try:
        await bot.scheduler.advance(timedelta(hours=3, minutes=1))
    except Killed:
        pass
    assert keys and len(cards(world, 3)) == 1
    again = await restart_later(harness, world, bot, clock)
    await again.scheduler.advance(timedelta(minutes=30))
    assert len(cards(world, 3)) == 1, "the card that was out is not posted again"
    row = await again.db.fetchone("SELECT card_posted FROM events WHERE id=3")
    assert row is not None and row[0] == 1
