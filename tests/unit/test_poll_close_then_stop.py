"""A poll closed just before a stop, its card's edit still on its way (a slow platform): the card
stays live, durably, until the edit showing the poll closed is on it, so the next start freezes
it (the polls cog's reconcile) rather than leave a closed poll's card inviting votes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.model import MessageRef
from bot.render import Out
from bot.testing import FakeAdapter

RESULTS = "Results of poll #1"


class SlowEdits(FakeAdapter):
    """Its edits hang while `hang` is set: the stop comes before they land."""

    hang = False

    def __init__(self) -> None:
        super().__init__()
        self.editing = asyncio.Event()

    async def edit(self, message: MessageRef, out: Out) -> None:
        if self.hang:
            self.editing.set()
            await asyncio.Event().wait()
        await super().edit(message, out)


async def live(bot: Bot, message_id: str) -> int:
    row = await bot.db.fetchone("SELECT live FROM messages WHERE message_id=?", (message_id,))
    assert row is not None
    return int(row[0])


async def test_a_card_whose_closing_edit_a_stop_cut_off_is_frozen_at_the_next_start(
        bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    fake = SlowEdits()
    bot.add_adapter(fake)
    await bot.start()
    await fake.invoke("!poll create Film? Alien | Brazil")
    [card] = fake.cards()
    await fake.react(card, "1️⃣", "bob")
    await bot.settle()
    fake.hang = True
    closing = asyncio.create_task(fake.invoke("!poll close 1"))  # it settles: waits for the edit
    await fake.editing.wait()
    closing.cancel()
    await asyncio.gather(closing, return_exceptions=True)
    assert len(fake.containing(RESULTS)) == 1
    assert "(closed)" not in fake.messages[card.ref.id].text
    # What a kill -9 would leave now: the card still live in the database.
    assert await live(bot, card.ref.id) == 1
    await bot.stop()

    fake.hang = False
    again = await build_bot(databases(), clock=clock)
    again.add_adapter(fake)
    await again.start()
    try:
        await again.advance(timedelta(minutes=5))
        await again.settle()
        text = fake.messages[card.ref.id].text
        assert "(closed)" in text and "Alien — 1" in text, text
        assert await live(again, card.ref.id) == 0, "no longer live once it shows the close"
        assert len(fake.containing(RESULTS)) == 1, "the results are not said again"
    finally:
        await again.stop()


async def test_a_closed_cards_edit_that_lands_ends_its_life(bot: Bot) -> None:
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    await fake.invoke("!poll create Film? Alien | Brazil")
    [card] = fake.cards()
    await fake.invoke("!poll close 1")
    await bot.settle()
    assert "(closed)" in fake.messages[card.ref.id].text
    assert await live(bot, card.ref.id) == 0
    assert not bot.is_tracked(card.ref)


async def test_a_card_on_a_platform_this_process_lacks_leaves_the_others_to_end(bot: Bot) -> None:
    """A cluster's process closing a linked poll runs only one of its cards' platforms: the
    card it edited stops being live; the other is left live for its own process to freeze."""
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    await fake.invoke("!poll create Film? Alien | Brazil")
    [card] = fake.cards()
    # The linked card on a platform no adapter here runs, as loaded from the shared database.
    other = MessageRef("elsewhere", "room", "card", "room")
    await bot.track(other, "polls", "poll", 1)
    await fake.invoke("!poll close 1")
    await bot.settle()
    assert "(closed)" in fake.messages[card.ref.id].text
    assert await live(bot, card.ref.id) == 0
    assert await live(bot, other.id) == 1, "its own process freezes it at its reconcile"
