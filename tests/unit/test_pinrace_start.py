"""An edit or a cancel that closed check-in was committed, then a stop came before the edit it
set off landed (the bot's 📍 comes off only after it): the next start's reading of the card
finds check-in not open and takes the bot's 📍 off (PRODUCT.md "Turnout")."""
from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from bot.app import Bot
from bot.clock import ManualClock
from tests.unit.test_cardsend_archive import started
from tests.unit.test_untrack_cancelled_event import SlowEdits


@pytest.mark.parametrize("command", ['!event edit 1 when="in 7 days at 7pm"', "!event cancel 1"])
async def test_a_stop_before_the_pin_came_off_leaves_it_to_the_next_start(
        bot: Bot, databases: Callable[[], str], clock: ManualClock, command: str) -> None:
    fake = SlowEdits()
    bot.add_adapter(fake)
    await bot.start()
    await fake.invoke('!event create Picnic when="in 20 minutes"')  # check-in is open: 📍
    [card] = fake.cards()
    assert fake.me in fake.reactions[card.ref.id]["📍"]
    fake.hang = True
    task = asyncio.create_task(fake.invoke(command))
    assert await asyncio.wait_for(fake.editing.wait(), 5)  # committed, its card's edit on its way
    assert fake.me in fake.reactions[card.ref.id]["📍"]
    await bot.cards.close()  # the stop: the edit never lands
    await asyncio.wait_for(task, 5)
    await bot.stop()
    fake.hang = False
    again = await started(databases, clock, fake)
    try:
        assert fake.me not in fake.reactions[card.ref.id].get("📍", []), fake.reactions[card.ref.id]
    finally:
        await again.stop()
