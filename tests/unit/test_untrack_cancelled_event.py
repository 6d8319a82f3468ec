"""An event cancelled just before a stop, its card's edit still on its way (a slow platform):
the card stays live, durably, until the edit showing it cancelled is on it, so the next start
edits it then (the events cog's reconcile) rather than leave a cancelled event's card taking
answers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.model import MessageRef
from bot.testing import FakeAdapter, Sent
from tests.unit.test_poll_close_then_stop import SlowEdits, live


async def restarted(databases: Callable[[], str], clock: ManualClock, fake: FakeAdapter) -> Bot:
    again = await build_bot(databases(), clock=clock)
    again.add_adapter(fake)
    await again.start()
    await again.advance(timedelta(minutes=5))
    await again.settle()
    return again


async def picnic_bob_going_then_edits_hang(bot: Bot, fake: SlowEdits) -> Sent:
    """A Picnic in two days posted, bob going by its ✅; from here the card's edits hang."""
    bot.add_adapter(fake)
    await bot.start()
    await fake.invoke('!event create Picnic when="in 2 days at 7pm"')
    [card] = fake.cards()
    await fake.react(card, "✅", "bob")
    await bot.settle()
    fake.hang = True
    return card


async def cancelled_before_the_edit(bot: Bot, fake: SlowEdits, line: str) -> MessageRef:
    """Post an event, then run `line` (a cancel) with the card's edit hanging; stop there."""
    card = await picnic_bob_going_then_edits_hang(bot, fake)
    cancelling = asyncio.create_task(fake.invoke(line))  # it settles: waits for the edit
    await fake.editing.wait()
    cancelling.cancel()
    await asyncio.gather(cancelling, return_exceptions=True)
    assert "(cancelled)" not in fake.messages[card.ref.id].text
    # What a kill -9 would leave now: the card still live in the database.
    assert await live(bot, card.ref.id) == 1
    await bot.stop()
    fake.hang = False
    return card.ref


async def test_a_card_whose_cancelling_edit_a_stop_cut_off_shows_it_cancelled_after_the_restart(
        bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    fake = SlowEdits()
    card = await cancelled_before_the_edit(bot, fake, "!event cancel 1")
    again = await restarted(databases, clock, fake)
    try:
        assert "(cancelled)" in fake.messages[card.id].text, fake.messages[card.id].text
        assert await live(again, card.id) == 0, "no longer live once it shows the cancel"
        assert not again.is_tracked(card)
    finally:
        await again.stop()


async def test_a_series_ended_before_its_cards_edit_shows_it_cancelled_after_the_restart(
        bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    fake = SlowEdits()
    bot.add_adapter(fake)
    await bot.start()
    await fake.invoke('!event create Quiz when="in 2 days at 7pm" repeat=weekly')
    cards = [c.ref for c in fake.cards()]
    assert len(cards) > 1  # the occurrences posted ahead
    await bot.settle()
    fake.hang = True
    ending = asyncio.create_task(fake.invoke("!event cancel 1 series"))
    await fake.editing.wait()
    ending.cancel()
    await asyncio.gather(ending, return_exceptions=True)
    assert [await live(bot, c.id) for c in cards] == [1] * len(cards)
    await bot.stop()
    fake.hang = False
    again = await restarted(databases, clock, fake)
    try:
        for c in cards:
            assert "(cancelled)" in fake.messages[c.id].text, fake.messages[c.id].text
            assert await live(again, c.id) == 0
    finally:
        await again.stop()


async def test_a_cancelled_cards_edit_that_lands_ends_its_life(bot: Bot) -> None:
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    await fake.invoke('!event create Picnic when="in 2 days at 7pm"')
    [card] = fake.cards()
    await fake.invoke("!event cancel 1")
    await bot.settle()
    assert "(cancelled)" in fake.messages[card.ref.id].text
    assert await live(bot, card.ref.id) == 0
    assert not bot.is_tracked(card.ref)
