"""The meetup poll an offline prompt proposed, made but its card not posted (a stop between the
poll's commit and its card's send, or one between the send and its tracking): the next start
posts it, once, and counts its votes, rather than leave the prompt naming a poll nobody sees."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.app import Bot
from bot.clock import ManualClock
from bot.model import ChannelRef
from bot.render import Out
from bot.testing import FakeAdapter
from tests.unit.test_untrack_offline_prompt import live, restarted

POLL = "📊 When could we meet?"


class SlowPollSend(FakeAdapter):
    """The poll card's send hangs while `hang` is set: before the platform has it, or (with
    `landed`) once it has it, the bot not yet told."""

    hang = False
    landed = False

    def __init__(self) -> None:
        super().__init__()
        self.sending = asyncio.Event()

    async def send(self, channel: ChannelRef, out: Out, *, idempotency_key: str | None = None):  # type: ignore[no-untyped-def]
        if self.hang and idempotency_key and idempotency_key.startswith("offline:"):
            if self.landed:
                await super().send(channel, out, idempotency_key=idempotency_key)
            self.sending.set()
            await asyncio.Event().wait()
        return await super().send(channel, out, idempotency_key=idempotency_key)


async def proposed_then_stopped(bot: Bot, fake: SlowPollSend) -> str:
    bot.add_adapter(fake)
    await bot.start()
    [card] = await fake.invoke("!offline", "alice")
    fake.hang = True
    answering = asyncio.create_task(fake.react(card, "📅", "bob"))
    await fake.sending.wait()
    answering.cancel()
    await asyncio.gather(answering, return_exceptions=True)
    await bot.stop()
    fake.hang = False
    return card.ref.id


async def test_a_poll_card_never_posted_is_posted_at_the_next_start(
        bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    fake = SlowPollSend()
    prompt = await proposed_then_stopped(bot, fake)
    assert not fake.containing(POLL)
    again = await restarted(databases, clock, fake)
    try:
        [poll] = fake.containing(POLL)
        assert again.is_tracked(poll.ref), "its votes count"
        card = fake.messages[prompt]
        assert "poll #1" in card.text and "poll vote 1" in card.text, card.text
        assert await live(again, prompt) == 0
        await fake.react(poll, "1️⃣", "carol")
        assert "1" in poll.text and poll.edits >= 1, poll.text
    finally:
        await again.stop()


async def test_a_poll_card_posted_but_not_tracked_is_tracked_at_the_next_start(
        bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    fake = SlowPollSend()
    fake.landed = True
    await proposed_then_stopped(bot, fake)
    [poll] = fake.containing(POLL)
    again = await restarted(databases, clock, fake)
    try:
        assert len(fake.containing(POLL)) == 1, "the keyed send posts no second card"
        assert again.is_tracked(poll.ref)
    finally:
        await again.stop()

