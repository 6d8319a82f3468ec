"""`poll close` answers with the results (its reply), and the job that owes them is marked
done after: a process killed between the two re-runs the job at its next start, which must
find the reply there and not say the results again (here later than Discord holds a nonce,
which an interaction's answer has none of anyway)."""

from __future__ import annotations

import asyncio

from bot.clock import ManualClock
from tests.adapters.discord.test_discord_features import ALL, card_id, only_public_card
from tests.adapters.discord.test_discord_job_once import restart_later
from tests.adapters.discord.test_discord_job_once_again import one
from tests.discord_fake import FakeDiscord, message_text
from tests.discord_fake.harness import Harness, World


def results(fake: FakeDiscord, channel: int) -> list[str]:
    return [message_text(m) for m in fake.channel_messages(channel) if "Results of poll" in message_text(m)]


async def test_poll_close_killed_after_its_reply_says_the_results_once_after_the_restart(
        harness: Harness, world: World) -> None:
    fake, u, ch = world.fake, world.users, world.channel
    clock = ManualClock()
    bot, _ = await harness.start(ALL, clock=clock)
    created = await fake.send_interaction("poll create", {"question": "Where?", "options": "Park | Cafe"},
                                          user=u["alice"], channel=ch)
    card = only_public_card(created)
    mid, pid = int(card["id"]), card_id(card)
    for who in ("bob", "carol"):
        fake.add_reaction(mid, "2️⃣", u[who])
    await fake.wait_for(lambda: "Cafe — 2" in message_text(fake.messages[mid]), what="both votes counted")

    died = asyncio.Event()
    real = bot.scheduler._mark

    async def mark(job_id: int, state: str, *, forget: bool) -> None:
        if state == "sent":  # the kill: after the reply, before the job is marked done; the
            died.set()  # command's task ends there, as a process killed then runs nothing more
            raise asyncio.CancelledError
        await real(job_id, state, forget=forget)

    bot.scheduler._mark = mark  # type: ignore[method-assign]
    closed = await fake.send_interaction("poll close", {"id": pid}, user=u["alice"], channel=ch)
    assert "Results of poll" in closed.text and not closed.ephemeral, "the results are the command's reply"
    await asyncio.wait_for(died.wait(), 10)
    [said] = results(fake, ch)
    assert await bot.db.fetchone("SELECT 1 FROM jobs WHERE kind='poll.said' AND state='sending'")

    again = await restart_later(harness, world, bot, clock.now())
    assert results(fake, ch) == [said], "said once: the reply, not again after the restart"
    assert await one(again, "SELECT state FROM jobs WHERE kind='poll.said'") == "sent"
    assert await one(again, "SELECT count(*) FROM job_sends") == 0, "marks go with the job"
