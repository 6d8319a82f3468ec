"""Where the bot cannot see the channel of an interaction (a user-installed app's: Discord says the
channel is unknown to it), a long public answer goes on as follow-ups; and a shard range that
does not fit is said so, not turned round into another that does not fit either."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from adapters.discord.config import parse
from bot.config import ConfigError
from tests.adapters.discord.test_discord_answer_once import LINES, PROBE, line_numbers
from tests.discord_fake import EPHEMERAL
from tests.discord_fake.harness import Harness, World
from tests.discord_fake.wire import error


async def test_a_long_public_answer_in_a_channel_the_bot_cannot_see_goes_on_as_follow_ups(
        harness: Harness, world: World) -> None:
    fake, u, ch = world.fake, world.users, world.channel
    check = fake._check_send

    def unseen(channel_id: int, body: Any) -> Any:  # what Discord answers the bot for such a channel
        return error(404, 10003, "Unknown Channel") if channel_id == ch else check(channel_id, body)

    fake._check_send = unseen  # type: ignore[method-assign]
    await harness.start(PROBE)
    r = await fake.send_interaction("long", {"lines": LINES}, user=u["alice"], channel=ch)
    await fake.wait_for(lambda: set(line_numbers(r.messages)) == set(range(LINES)), what="every line")
    assert line_numbers(r.messages) == Counter(range(LINES))
    assert not [m for m in r.messages if int(str(m["flags"])) & EPHEMERAL]


@pytest.mark.parametrize("shards", ["5-1", "4-0", "9"])
def test_a_shard_range_past_shard_count_is_said_not_to_fit_whichever_way_round(shards: str) -> None:
    with pytest.raises(ConfigError, match="does not fit shard_count = 4: shards are numbered 0 to 3"):
        parse({"shard_count": 4, "shards": shards})
