"""Two readings of one card in flight at once: the start-up's reading of every card, and a
moderator's "remove all reactions" (which re-reads that card alone) arriving while the start-up's
reading of the same card is still on its way. The later reading wins, whichever is applied
first; the rest of the start-up is not held up by it."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path

from bot.app import Bot
from bot.clock import ManualClock
from bot.model import MessageRef, UserRef
from bot.testing import FakeAdapter, Sent

from .test_events_card_union import WHEN, listed, started


class HeldRead:
    """The fake's reading of `card` at start-up takes what the card shows at once and answers
    only when released, as a slow platform request does; every other reading answers at once."""

    def __init__(self, fake: FakeAdapter, card: str) -> None:
        self.fake, self.card = fake, card
        self.read = fake.fetch_reactions
        self.taken = asyncio.Event()
        self.release = asyncio.Event()
        self.held = False
        self.others_read: list[str] = []
        fake.fetch_reactions = self.fetch  # type: ignore[method-assign]

    async def fetch(self, message: MessageRef) -> Mapping[str, Sequence[UserRef]] | None:
        shown = await self.read(message)
        if message.id == self.card and not self.held:
            self.held = True
            self.taken.set()
            await self.release.wait()
        elif message.id != self.card:
            self.others_read.append(message.id)
        return shown


async def clear(fake: FakeAdapter, card: Sent) -> None:
    """A moderator removes every reaction of the card: what the fake's `clear_reactions` does,
    without waiting for the card's edit, which waits for the start-up to finish."""
    assert fake.bot is not None
    on_card = fake.reactions.setdefault(card.id, {})
    for emoji in on_card:
        on_card[emoji] = [u for u in on_card[emoji] if u.is_bot]
    await fake.bot.reconcile(fake, lambda m: m.key == card.ref.key, at_once=1)


async def restart_with_held_read(tmp_path: Path, clock: ManualClock, fake: FakeAdapter,
                                 card: str) -> tuple[HeldRead, asyncio.Task[Bot]]:
    held = HeldRead(fake, card)
    start = asyncio.create_task(started(str(tmp_path / "o.db"), clock, fake))
    await held.taken.wait()
    return held, start


async def test_a_cleared_card_keeps_its_answers_cleared_when_the_start_ups_reading_lands_later(
        tmp_path: Path, clock: ManualClock) -> None:
    fake = FakeAdapter()
    bot = await started(str(tmp_path / "o.db"), clock, fake)
    [card] = await fake.invoke(f"!event create Picnic when={WHEN}")
    await fake.react(card, "✅", "bob")
    await bot.stop()
    held, start = await restart_with_held_read(tmp_path, clock, fake, card.id)
    await clear(fake, card)  # read after the clear: nobody is going
    held.release.set()  # the start-up's reading, from before the clear, arrives now
    bot = await start
    assert await listed(fake, "Going") == "Going (0): —"
    assert "Going (0)" in fake.messages[card.id].text
    await bot.stop()


async def test_a_cleared_poll_card_keeps_its_votes_cleared(tmp_path: Path, clock: ManualClock) -> None:
    fake = FakeAdapter()
    bot = await started(str(tmp_path / "o.db"), clock, fake)
    [poll] = await fake.invoke('!poll create "Where?" Park | Cafe')
    await fake.react(poll, "1️⃣", "bob")
    await bot.stop()
    held, start = await restart_with_held_read(tmp_path, clock, fake, poll.id)
    await clear(fake, poll)
    held.release.set()
    bot = await start
    [tally] = await fake.invoke("!poll results 1")
    assert "Park — 0" in tally.text, tally.text
    await bot.stop()


async def test_the_rest_of_the_start_up_is_not_held_up_by_one_card_in_flight(
        tmp_path: Path, clock: ManualClock) -> None:
    fake = FakeAdapter()
    bot = await started(str(tmp_path / "o.db"), clock, fake)
    [card] = await fake.invoke(f"!event create Picnic when={WHEN}")
    [other] = await fake.invoke(f"!event create Games when={WHEN}")
    await bot.stop()
    await fake.react(other, "✅", "carol", dispatch=False)  # while the bot is away
    held, start = await restart_with_held_read(tmp_path, clock, fake, card.id)
    await clear(fake, card)
    assert held.others_read == [other.id]
    held.release.set()
    bot = await start
    [people] = await fake.invoke("!event attendees 2", "zed")
    assert "carol" in people.text
    await bot.stop()


async def test_an_older_reading_applied_first_is_then_overruled_by_the_later_one(
        tmp_path: Path, clock: ManualClock) -> None:
    fake = FakeAdapter()
    bot = await started(str(tmp_path / "o.db"), clock, fake)
    [card] = await fake.invoke(f"!event create Picnic when={WHEN}")
    await fake.react(card, "✅", "bob")
    await bot.stop()
    held, start = await restart_with_held_read(tmp_path, clock, fake, card.id)
    held.release.set()
    bot = await start  # the start-up's reading first: bob is going
    assert await listed(fake, "Going") == "Going (1): bob"
    await fake.clear_reactions(card)
    assert await listed(fake, "Going") == "Going (0): —"
    await bot.stop()
