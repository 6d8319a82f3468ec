"""The later parts of a long public answer are posted once although Discord made them and lost
its answers (a 500 after the fact, which discord.py retries): they go in the channel with a
nonce, as a follow-up (which takes none) could not."""

from __future__ import annotations

from collections import Counter

from tests.adapters.discord.test_discord_answer_once import LINES, PROBE, line_numbers, pings_only
from tests.discord_fake import EPHEMERAL, SEND_MESSAGES
from tests.discord_fake.harness import Harness, World


async def test_a_long_public_answer_whose_later_parts_lost_their_answers_shows_each_line_once(
        harness: Harness, world: World) -> None:
    fake, u, ch = world.fake, world.users, world.channel
    await harness.start(PROBE)
    # The second part's first request takes effect and loses its answer, wherever it goes.
    fake.lose_answers("POST", r"^/webhooks/\d+/[^/]+$")
    fake.lose_answers("POST", rf"^/channels/{ch}/messages$")
    r = await fake.send_interaction("long", {"lines": LINES}, user=u["alice"], channel=ch)
    await fake.wait_for(lambda: set(line_numbers(fake.channel_messages(ch))) == set(range(LINES)),
                        what="every line shown")
    await fake.quiet(1.5)  # discord.py waits a second before its retry
    shown = fake.channel_messages(ch)
    assert line_numbers(shown) == Counter(range(LINES)), "every line exactly once"
    posts = [x for x in fake.requests if x[1] == f"/channels/{ch}/messages"]
    assert len(posts) == (len(shown) - 1) + 1, "the later parts, and the retry of the lost one"
    assert len(r.interaction.message_ids) == 1, "the answer, then the rest in the channel"
    assert all(pings_only(m, u["alice"]) for m in shown), "@everyone pings nobody; only the mention"


async def test_a_long_public_answer_where_the_bot_may_not_post_goes_on_as_follow_ups(
        harness: Harness, world: World) -> None:
    fake, u, ch = world.fake, world.users, world.channel
    fake.set_overwrite(ch, fake.bot_id, deny=SEND_MESSAGES)  # commands still answer: no post needed
    await harness.start(PROBE)
    r = await fake.send_interaction("long", {"lines": LINES}, user=u["alice"], channel=ch)
    await fake.wait_for(lambda: set(line_numbers(r.messages)) == set(range(LINES)), what="every line")
    assert line_numbers(r.messages) == Counter(range(LINES))
    assert not [m for m in r.messages if int(str(m["flags"])) & EPHEMERAL]
