"""A series' cards job whose send of a card reached Discord but raised (the answer was lost)
waits to retry, keeping the mark of that send. Whatever asks for the job again before that
retry (a `config set series.ahead` making occurrences and posting their cards) must not put it afresh: that
would forget the mark and its tries, and the card that is out would be posted a second time
once Discord no longer holds the nonce."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import ManualClock
from tests.adapters.discord.test_discord_features import ALL
from tests.adapters.discord.test_discord_series_once import cards, fail_after_series_send
from tests.conftest import ENGINES
from tests.discord_fake import message_text
from tests.discord_fake.harness import Harness, World


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("config_set", [False, True])
async def test_a_cards_job_retrying_a_landed_send_posts_it_once_whatever_asks_for_it(
        harness: Harness, world: World, config_set: bool) -> None:
    fake, u, ch = world.fake, world.users, world.channel
    fake.nonce_window = 0.0  # Discord holds a nonce minutes only: the mark must do it
    bot, _ = await harness.start(ALL, clock=ManualClock())
    failed = fail_after_series_send(bot, lambda: ConnectionResetError("the answer was lost; the message is out"),
                                    once=True)
    await fake.send_interaction("event create", {"title": "Readers", "when": "in 3 hours", "repeat": "weekly"},
                                user=u["alice"], channel=ch)
    await fake.wait_for(lambda: bool(failed), what="the second card sent, its answer lost")
    await fake.wait_for(lambda: any("repeats" in message_text(m) for m in fake.channel_messages(ch)),
                        what="the command's last reply")
    await bot.settle()
    assert len(cards(world, 2)) == 1
    assert await bot.db.fetchone("SELECT 1 FROM job_sends"), "the mark of the send that landed is kept"
    if config_set:  # makes the occurrences a longer `ahead` reaches, and posts their cards
        await fake.send_interaction("config set", {"key": "series.ahead", "value": "15d"}, user=u["mod"], channel=ch)
    await bot.settle()
    await bot.scheduler.advance(timedelta(minutes=30))
    await bot.settle()
    assert len(cards(world, 2)) == 1, "the card that was out is posted once"
    assert not await bot.db.fetchone(
        "SELECT 1 FROM jobs WHERE key LIKE 'series:%:cards' AND state IN ('pending', 'sending')")
