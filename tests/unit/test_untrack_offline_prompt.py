"""An offline prompt answered just before a stop, its card's closing edit still on its way (a
slow platform): the card stays live, durably, until that edit is on it, so the next start
closes it (the offline cog's reconcile) rather than leave an answered prompt inviting answers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.testing import FakeAdapter, Sent
from tests.unit.test_poll_close_then_stop import SlowEdits, live


async def answered_then_stopped(bot: Bot, fake: SlowEdits, emoji: str) -> Sent:
    """A prompt, answered with `emoji` while its card's edits hang; the stop comes then."""
    bot.add_adapter(fake)
    await bot.start()
    [card] = await fake.invoke("!offline", "alice")
    fake.hang = True
    answering = asyncio.create_task(fake.react(card, emoji, "bob"))  # it settles: waits for the edit
    await fake.editing.wait()
    answering.cancel()
    await asyncio.gather(answering, return_exceptions=True)
    # The card still invites (its title is on the answered one too): the answer is not on it.
    assert "for a quick poll of times" in card.text and card.edits == 0, card.text
    assert "waved" not in card.text and "proposed" not in card.text, card.text
    # What a kill -9 would leave now: the card still live in the database.
    assert await live(bot, card.ref.id) == 1
    await bot.stop()
    fake.hang = False
    return card


async def restarted(databases: Callable[[], str], clock: ManualClock, fake: FakeAdapter) -> Bot:
    again = await build_bot(databases(), clock=clock)
    again.add_adapter(fake)
    await again.start()
    await again.advance(timedelta(minutes=5))
    await again.settle()
    return again


async def test_a_prompt_waved_off_before_a_stop_shows_it_after_the_restart(
        bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    fake = SlowEdits()
    card = await answered_then_stopped(bot, fake, "🔕")
    again = await restarted(databases, clock, fake)
    try:
        assert "Not now — this was waved off" in card.text and "Propose" not in card.text, card.text
        assert await live(again, card.ref.id) == 0, "no longer live once it shows the answer"
        assert not again.is_tracked(card.ref)
    finally:
        await again.stop()


async def test_a_prompt_whose_meetup_poll_was_made_before_a_stop_names_it_after_the_restart(
        bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    fake = SlowEdits()
    card = await answered_then_stopped(bot, fake, "📅")
    assert len(fake.containing("When could we meet?")) == 1
    again = await restarted(databases, clock, fake)
    try:
        assert "A meetup was proposed: vote on poll #1" in card.text, card.text
        assert await live(again, card.ref.id) == 0
        assert len(fake.containing("When could we meet?")) == 1, "the poll is not made again"
    finally:
        await again.stop()


async def test_an_answered_prompts_edit_that_lands_ends_its_life(bot: Bot) -> None:
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    [card] = await fake.invoke("!offline", "alice")
    await fake.react(card, "🔕", "bob")
    await bot.settle()
    assert "Not now — bob waved this off" in card.text, card.text
    assert await live(bot, card.ref.id) == 0
    assert not bot.is_tracked(card.ref)


async def test_a_prompt_that_lapsed_before_a_stop_shows_it_after_the_restart(
        bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    fake = SlowEdits()
    bot.add_adapter(fake)
    await bot.start()
    [card] = await fake.invoke("!offline", "alice")
    fake.hang = True
    lapsing = asyncio.create_task(bot.scheduler.advance(timedelta(days=1, minutes=1)))
    await fake.editing.wait()
    lapsing.cancel()
    await asyncio.gather(lapsing, return_exceptions=True)
    assert card.edits == 0 and await live(bot, card.ref.id) == 1
    await bot.stop()
    fake.hang = False
    again = await restarted(databases, clock, fake)
    try:
        assert "lapsed" in card.text, card.text
        assert await live(again, card.ref.id) == 0
    finally:
        await again.stop()
