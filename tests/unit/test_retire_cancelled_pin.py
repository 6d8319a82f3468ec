"""A cancel cut off by a stop while it took the bot's own 📍 off the event's cards (check-in was
open): the next start's reconcile retires the card, and takes the 📍 off it too, so a cancelled
card does not go on asking for check-ins."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from bot.app import Bot
from bot.clock import ManualClock
from bot.model import MessageRef
from bot.testing import FakeAdapter
from tests.unit.test_untrack_cancelled_event import live, restarted


class SlowTakeBack(FakeAdapter):
    """Taking its own reaction back hangs while `hang` is set: the stop comes first."""

    hang = False

    def __init__(self) -> None:
        super().__init__()
        self.taking = asyncio.Event()

    async def take_back_own_reaction(self, message: MessageRef, emoji: str) -> None:
        if self.hang:
            self.taking.set()
            await asyncio.Event().wait()
        await super().take_back_own_reaction(message, emoji)


async def test_a_cancel_cut_off_while_taking_the_pin_back_has_it_taken_back_at_the_next_start(
        bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    fake = SlowTakeBack()
    bot.add_adapter(fake)
    await bot.start()
    await fake.invoke('!event create Picnic when="in 3 hours"')
    [card] = fake.cards()
    await bot.advance(timedelta(hours=2, minutes=40))  # check-in is open
    await bot.settle()
    assert "Here (0)" in fake.messages[card.ref.id].text
    fake.reactions[card.ref.id]["📍"] = [fake.me]  # what the platforms add as check-in opens
    fake.hang = True
    cancelling = asyncio.create_task(fake.invoke("!event cancel 1"))
    await fake.taking.wait()
    cancelling.cancel()
    await asyncio.gather(cancelling, return_exceptions=True)
    assert await live(bot, card.ref.id) == 1
    await bot.stop()
    fake.hang = False
    again = await restarted(databases, clock, fake)
    try:
        assert "(cancelled)" in fake.messages[card.ref.id].text
        assert fake.me not in fake.reactions[card.ref.id].get("📍", []), "a cancelled card still asks for 📍"
        assert await live(again, card.ref.id) == 0
    finally:
        await again.stop()
