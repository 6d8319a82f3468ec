"""Abuse: a user flooding commands is slowed (one ⚠️, then silence) without delaying anyone
else; reactions and button presses by the bot itself and by other bots change nothing.

Latency is compared as a ratio (the others' median during the flood over their median
without it), never against an absolute time.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from bot.model import UserRef
from bot.testing import FakeAdapter, Sent
from tests.reliability.reliability_kit import MakeBot, changed_tables, snapshot

FLOOD_RATE = 100  # commands per second
FLOOD_SECONDS = 2.0
OTHERS = ("ann", "ben", "cat")


async def others_latencies(fake: FakeAdapter, rounds: int) -> tuple[list[float], list[Sent]]:
    """Three users, each a command every 0.3 s (well inside their own limit), timed."""
    latencies: list[float] = []
    replies: list[Sent] = []

    async def user(name: str) -> None:
        for i in range(rounds):
            line = ("!poll results 1", "!rsvp 1 going", "!event show 1")[i % 3]
            t = time.perf_counter()
            replies.extend(await fake.invoke(line, name))
            latencies.append(time.perf_counter() - t)
            await asyncio.sleep(0.3)

    await asyncio.gather(*(user(n) for n in OTHERS))
    return latencies, replies


async def test_a_flooding_user_is_slowed_and_others_are_not_delayed(make_bot: MakeBot,
                                                                    figures: dict[str, object]) -> None:
    bot, fake = await make_bot(rate_limit=True)  # the production limiter
    await fake.invoke("!poll create Q A | B", "host")
    await fake.invoke('!event create Picnic when="in 72 hours"', "host")
    rounds = int(FLOOD_SECONDS / 0.3)

    baseline, _ = await others_latencies(fake, rounds)

    spam_replies: list[list[Sent]] = []
    t0 = time.perf_counter()

    async def flood() -> None:
        tasks = []
        while time.perf_counter() - t0 < FLOOD_SECONDS:
            tasks.append(asyncio.create_task(fake.invoke("!poll create Spam A | B", "spammer")))
            await asyncio.sleep(1 / FLOOD_RATE)
        spam_replies.extend(await asyncio.gather(*tasks))

    (during, others), _ = await asyncio.gather(others_latencies(fake, rounds), flood())
    elapsed = time.perf_counter() - t0

    sent = len(spam_replies)
    flat = [r for rs in spam_replies for r in rs]
    accepted = [r for r in flat if r.text.startswith("📊")]
    warned = [r for r in flat if r.text.startswith("⚠️") and "slow down" in r.text]
    silent = sum(1 for rs in spam_replies if not rs)
    limiter = bot.limiter
    assert sent >= FLOOD_RATE * FLOOD_SECONDS / 3, f"the flood was too slow to test anything ({sent})"
    assert len(accepted) <= limiter.burst + limiter.rate * elapsed + 1, len(accepted)
    assert len(warned) == 1, "one warning, not one per refused command"
    assert len(accepted) + len(warned) + silent == sent
    # Nobody else was limited, and their commands were not slowed down by the flood.
    assert len(others) == len(OTHERS) * rounds and not any(r.text.startswith("⚠️") for r in others)
    ratio = statistics.median(during) / statistics.median(baseline)
    assert ratio < 5, f"others' median latency grew {ratio:.1f}x during the flood"
    polls = (await bot.db.fetchone("SELECT COUNT(*) FROM polls WHERE question='Spam'"))[0]
    assert polls == len(accepted), "a refused command wrote something"
    figures.update({
        "flood_commands": sent, "flood_rate_per_s": round(sent / elapsed), "spam_accepted": len(accepted),
        "spam_warnings": len(warned), "others_p50_ms_base": round(statistics.median(baseline) * 1000, 2),
        "others_p50_ms_flood": round(statistics.median(during) * 1000, 2),
        "others_max_ms_flood": round(max(during) * 1000, 2), "latency_ratio": round(ratio, 2)})


async def test_reactions_and_presses_by_bots_are_ignored(make_bot: MakeBot) -> None:
    bot, fake = await make_bot()
    event = (await fake.invoke('!event create Picnic when="in 72 hours"', "host"))[0]
    poll = (await fake.invoke("!poll create Q A | B", "host"))[0]
    prompt = (await fake.invoke("!offline", "host"))[0]
    other_bot = UserRef("fake", "otherbot", "Other Bot", is_bot=True)
    before = await snapshot(bot)
    for who in (fake.me, other_bot):
        for emoji in ("✅", "🤔", "❌"):
            await fake.react(event, emoji, who)
        await fake.react(poll, "1️⃣", who)
        await fake.react(prompt, "📅", who)  # would open a meetup poll
        replies = await fake.press(event, "rsvp:1:going", who)
        assert not replies
        await fake.say("hello", who)
    assert not changed_tables(before, await snapshot(bot)), "a bot's reaction or press changed state"
    assert "Going (0)" in fake.messages[event.id].text
    # ...also when they are found at start: reconciliation counts humans only.
    await fake.react(event, "✅", "ann", dispatch=False)
    await bot.stop()
    bot2, fake2 = await make_bot(start=False)
    fake2.messages, fake2.reactions = fake.messages, fake.reactions  # the same platform
    await bot2.start()
    rows = await bot2.db.fetchall("SELECT user, status FROM rsvps")
    assert [tuple(r) for r in rows] == [("fake:ann", "going")]
    polls = await bot2.db.fetchall("SELECT COUNT(*) FROM poll_marks")
    assert polls[0][0] == 0
