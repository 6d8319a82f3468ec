"""A closed poll's card whose edit the platform refuses for good (the bot may no longer edit
there: kicked from the room, its permission taken): no later try lands either, so the card stops
being live as a gone one does, rather than be read and re-edited (refused again) at every start."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.adapter import DeliveryRefused
from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.model import MessageRef
from bot.render import Out
from bot.testing import FakeAdapter
from tests.unit.test_poll_close_then_stop import live

pytestmark = pytest.mark.allow_errors


class Refusing(FakeAdapter):
    refuse = False
    tries = 0

    async def edit(self, message: MessageRef, out: Out) -> None:
        if self.refuse:
            self.tries += 1
            raise DeliveryRefused("no right to edit there")
        await super().edit(message, out)


async def test_a_closing_edit_refused_for_good_ends_the_cards_life(
        bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    fake = Refusing()
    bot.add_adapter(fake)
    await bot.start()
    await fake.invoke("!poll create Film? Alien | Brazil")
    [card] = fake.cards()
    fake.refuse = True
    await fake.invoke("!poll close 1")
    await bot.settle()
    assert fake.tries == 1
    assert await live(bot, card.ref.id) == 0
    await bot.stop()

    again = await build_bot(databases(), clock=clock)
    again.add_adapter(fake)
    await again.start()
    try:
        await again.advance(timedelta(minutes=5))
        await again.settle()
        assert fake.tries == 1, "not edited again at the next start"
        assert not again.is_tracked(card.ref)
    finally:
        await again.stop()
