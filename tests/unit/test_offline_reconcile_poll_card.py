"""The meetup poll an offline prompt proposed, made, its card not posted or not tracked (a stop
between the poll's commit and its card's send, or between the send and its tracking): the next
start posts no card of it. Without a durable mark of the send, one posted could not be told
from one never posted once the platform forgets the send's key (Discord's nonces last minutes),
and people would vote on a card never tracked; and a card a moderator deleted is gone (`poll
show` asks for a fresh one). The prompt's card names the poll and how to vote by command."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from bot.app import Bot
from bot.clock import ManualClock
from bot.model import ChannelRef
from bot.render import Out
from bot.testing import FakeAdapter
from tests.unit.test_untrack_offline_prompt import SlowEdits, answered_then_stopped, live, restarted

POLL = "📊 When could we meet?"


class SlowPollSend(FakeAdapter):
    """The poll card's send hangs while `hang` is set: before the platform has it, or (with
    `landed`) once it has it, the bot not yet told. With `failing`, the platform refuses it."""

    hang = False
    landed = False
    failing = False

    def __init__(self) -> None:
        super().__init__()
        self.sending = asyncio.Event()

    async def send(self, channel: ChannelRef, out: Out, *, idempotency_key: str | None = None):  # type: ignore[no-untyped-def]
        if idempotency_key and idempotency_key.startswith("offline:"):
            if self.failing:
                raise RuntimeError("503 Service Unavailable")
            if self.hang:
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


async def test_a_poll_card_never_posted_is_not_posted_at_the_next_start_the_prompt_names_the_poll(
        bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    fake = SlowPollSend()
    prompt = await proposed_then_stopped(bot, fake)
    assert not fake.containing(POLL)
    again = await restarted(databases, clock, fake)
    try:
        assert not fake.containing(POLL), "no card posted: it could double one that landed"
        card = fake.messages[prompt]
        assert "vote on poll #1 (on its card, or !poll vote 1 <number>)" in card.text, card.text
        assert await live(again, prompt) == 0
        replies = await fake.invoke("!poll vote 1 2", "carol")
        assert [r.text for r in replies if r.text.startswith("⚠️")] == [], [r.text for r in replies]
    finally:
        await again.stop()


async def test_a_poll_card_landed_but_not_tracked_is_not_doubled_once_its_key_is_forgotten(
        bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    fake = SlowPollSend()
    fake.landed = True
    prompt = await proposed_then_stopped(bot, fake)
    [first] = fake.containing(POLL)
    fake.by_key.clear()  # the platform has forgotten the send's key (down past its window)
    again = await restarted(databases, clock, fake)
    try:
        assert fake.containing(POLL) == [first], [c.ref.id for c in fake.containing(POLL)]
        assert "poll #1" in fake.messages[prompt].text, fake.messages[prompt].text
    finally:
        await again.stop()


@pytest.mark.parametrize("key_forgotten", [True, False])
async def test_a_poll_card_a_moderator_deleted_stays_gone_at_the_next_start(
        bot: Bot, databases: Callable[[], str], clock: ManualClock, key_forgotten: bool) -> None:
    """The prompt's closing edit had not landed before the stop; the poll card was deleted
    meanwhile. Within the key's window a keyed send would hand back the deleted message."""
    fake = SlowEdits()
    card = await answered_then_stopped(bot, fake, "📅")
    [poll] = fake.containing(POLL)
    fake.messages[poll.ref.id].deleted = True
    fake.reactions.pop(poll.ref.id, None)
    if key_forgotten:
        fake.by_key.clear()
    again = await restarted(databases, clock, fake)
    try:
        assert [s for s in fake.containing(POLL) if not s.deleted] == []
        assert not again.is_tracked(poll.ref)
        assert "vote on poll #1" in card.text, card.text
    finally:
        await again.stop()


async def test_a_platform_refusing_sends_at_the_start_still_closes_the_answered_prompt(
        bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    fake = SlowPollSend()
    prompt = await proposed_then_stopped(bot, fake)
    fake.failing = True
    again = await restarted(databases, clock, fake)
    try:
        card = fake.messages[prompt]
        assert "A meetup was proposed: vote on poll #1" in card.text, card.text
        assert await live(again, prompt) == 0
    finally:
        await again.stop()


@pytest.mark.allow_errors  # the press's handler logs the failed send
async def test_a_proposal_whose_poll_card_failed_to_post_names_the_poll_on_the_prompt(bot: Bot) -> None:
    """A 📅 makes the poll but its card's send fails (a 503): the poll stands (the proposal is
    not taken back), so the prompt's card is closed naming it and the command to vote with;
    it was left inviting, the poll unseen until some later start."""
    fake = SlowPollSend()
    bot.add_adapter(fake)
    await bot.start()
    [card] = await fake.invoke("!offline", "alice")
    fake.failing = True
    await fake.react(card, "📅", "bob")
    fake.failing = False
    assert len(await bot.db.fetchall("SELECT id FROM polls")) == 1 and not fake.containing(POLL)
    text = fake.messages[card.ref.id].text
    assert "bob proposed a meetup" in text and "poll vote 1 <number>" in text, text
    assert await live(bot, card.ref.id) == 0
