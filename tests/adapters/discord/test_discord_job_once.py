"""A job's posts are made once on Discord also when its re-run after a crash comes later than
Discord holds a message nonce (a few minutes), still within the reminder's grace: the re-run
reads back what the bot posted since the job's sends were marked and posts only what is not
there (in the channel and by DM alike)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import discord
import pytest

from bot.app import Bot
from bot.clock import ManualClock
from bot.model import ChannelRef
from bot.render import text
from tests.adapters.discord.test_discord_features import ALL, only_public_card
from tests.conftest import ENGINES
from tests.discord_fake import FakeDiscord, message_text
from tests.discord_fake.harness import Harness, World


class Killed(BaseException):
    """The process died here (kill -9): nothing after this point ran, nothing was cleaned up."""


def kill_before_sent(bot: Bot) -> None:
    """The crash comes after the job's sends and before its `sent` is written: it stays `sending`."""
    real = bot.scheduler._mark

    async def mark(job_id: int, state: str, *, forget: bool) -> None:
        if state == "sent":
            raise Killed
        await real(job_id, state, forget=forget)

    bot.scheduler._mark = mark  # type: ignore[method-assign]


def dms(fake: FakeDiscord) -> list[dict[str, Any]]:
    return [m for c in fake.channels.values() if c["type"] == 1 for m in fake.channel_messages(int(c["id"]))]


def reminders(fake: FakeDiscord, channel: int) -> list[dict[str, Any]]:
    return [m for m in fake.channel_messages(channel) if "Board games" in message_text(m)
            and not m["embeds"]]


async def board_games(harness: Harness, world: World,
                      people: tuple[str, ...] = ("bob",)) -> tuple[Bot, ManualClock]:
    """`people` (bob) want DMs and go to Board games, in 3 hours; its 1h reminder is due in 2."""
    clock = ManualClock()
    bot, _ = await harness.start(ALL, clock=clock)
    fake, u, ch = world.fake, world.users, world.channel
    for who in people:
        await fake.send_interaction("notify", {"where": "dm"}, user=u[who], channel=ch)
    created = await fake.send_interaction("event create", {"title": "Board games", "when": "in 3 hours"},
                                          user=u["alice"], channel=ch)
    mid = int(only_public_card(created)["id"])
    for who in people:
        fake.add_reaction(mid, "✅", u[who])
    await fake.wait_for(lambda: f"Going ({len(people)})" in message_text(fake.messages[mid]), what="all going")
    return bot, clock


async def restart_later(harness: Harness, world: World, bot: Bot, at: datetime) -> Bot:
    """The dead process is gone; the next one starts 30 minutes after the reminder was due
    (its grace is an hour), when Discord no longer holds the nonces of the first try."""
    harness.running.remove(bot)
    await bot.stop()
    world.fake.nonce_window = 0.0
    again, _ = await harness.start(ALL, clock=ManualClock(at + timedelta(minutes=30)))
    return again


@pytest.mark.parametrize("engine", ENGINES)
async def test_a_reminder_re_sent_after_discord_forgot_its_nonces_is_posted_and_dmed_once(
        harness: Harness, world: World) -> None:
    fake, ch = world.fake, world.channel
    bot, clock = await board_games(harness, world)
    kill_before_sent(bot)
    with pytest.raises(Killed):
        await bot.scheduler.advance(timedelta(hours=2, minutes=1))
    [reminder], [dm] = reminders(fake, ch), dms(fake)
    assert await bot.db.fetchone("SELECT 1 FROM jobs WHERE kind='event.reminder' AND state='sending'")

    posts = len([r for r in fake.requests if r[0] == "POST" and r[1].endswith("/messages")])
    again = await restart_later(harness, world, bot, clock.now())
    assert reminders(fake, ch) == [reminder] and dms(fake) == [dm], "each once"
    assert len([r for r in fake.requests if r[0] == "POST" and r[1].endswith("/messages")]) == posts
    # The post's message was kept with the DMs' marks: it is fetched, not looked for.
    assert [r for r in fake.requests if r[0] == "GET" and r[1].startswith(f"/channels/{ch}/messages/")], "read back"
    assert tuple(await again.db.fetchone("SELECT state FROM jobs WHERE kind='event.reminder'")) == ("sent",)
    assert tuple(await again.db.fetchone("SELECT count(*) FROM job_sends")) == (0,), "marks go with the job"


async def test_a_reminder_killed_before_its_dm_posts_only_the_dm_on_restart(
        harness: Harness, world: World) -> None:
    fake, ch = world.fake, world.channel
    bot, clock = await board_games(harness, world)
    adapter = bot.adapters["discord"]

    async def die(*args: Any, **kwargs: Any) -> None:
        raise Killed

    adapter.dm_parts = die  # type: ignore[attr-defined]  # killed on the way to the DM, after its mark
    with pytest.raises(Killed):
        await bot.scheduler.advance(timedelta(hours=2, minutes=1))
    [reminder] = reminders(fake, ch)
    assert dms(fake) == []

    await restart_later(harness, world, bot, clock.now())
    assert reminders(fake, ch) == [reminder], "the channel post was out: not again"
    [dm] = dms(fake)
    assert "Board games" in message_text(dm), "the DM that never went out goes now, once"


async def test_a_reminder_claimed_but_not_sent_before_the_crash_is_sent_once(
        harness: Harness, world: World) -> None:
    fake, ch = world.fake, world.channel
    bot, clock = await board_games(harness, world)
    # Claimed (`sending`), and the process died before its first send: nothing was marked.
    await bot.db.execute("UPDATE jobs SET state='sending', attempts=1 WHERE kind='event.reminder'")
    due = clock.now() + timedelta(hours=2, minutes=1)
    await restart_later(harness, world, bot, due)
    assert len(reminders(fake, ch)) == 1 and len(dms(fake)) == 1


async def test_the_fakes_history_pages_as_discord_and_its_nonces_expire(
        harness: Harness, world: World) -> None:
    fake, ch = world.fake, world.channel
    bot, adapter = await harness.start(ALL)
    here = ChannelRef("discord", str(ch), str(world.guild))
    before = discord.utils.time_snowflake(discord.utils.utcnow()) - 1
    first = await bot.send(here, text("one"), idempotency_key="k1")
    assert await bot.send(here, text("one"), idempotency_key="k1") == first, "the nonce holds"
    fake.nonce_window = 0.0
    assert await bot.send(here, text("one"), idempotency_key="k1") != first, "...for a while only"
    for n in range(5):
        await bot.send(here, text(f"m{n}"))
    client = adapter._client()
    page = await client.http.logs_from(ch, 3, after=before)
    ids = [int(m["id"]) for m in page]
    assert ids == sorted(ids, reverse=True) and ids[-1] == int(first.id), "the 3 just after, newest first"
    seen = [m.content async for m in adapter._channel(here).history(after=discord.Object(before), limit=None,
                                                                         oldest_first=True)]
    assert seen == ["one", "one", "m0", "m1", "m2", "m3", "m4"]
    latest = await client.http.logs_from(ch, 2)
    assert [m["content"] for m in latest] == ["m4", "m3"]
