"""One card of an event re-read on its own, outside a start (a moderator removed all its
reactions, so the platform names nobody): that card's reading is the truth for the answers
and check-ins it carried, the event's other cards keep theirs, and no reading is applied again
later. Both engines."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.model import MessageRef, UserRef
from bot.testing import FakeAdapter

from .test_events_card_union import TO_CHECKIN, WHEN, listed, started, two_cards

Where = Callable[[str], str]  # the `databases` fixture: a database by name, on this engine


@pytest.mark.parametrize("emoji, label", [("✅", "Going"), ("🤔", "Maybe")])
async def test_clearing_one_of_two_cards_takes_back_the_answers_it_carried(
        databases: Where, clock: ManualClock, emoji: str, label: str) -> None:
    fake = FakeAdapter()
    bot = await started(databases("c.db"), clock, fake)
    card, again = await two_cards(fake)
    await fake.react(card, emoji, "bob")
    for where in (card, again):
        await fake.react(where, emoji, "carol")
    await fake.react(again, emoji, "erin")
    await fake.clear_reactions(card)
    assert await listed(fake, label) == f"{label} (2): carol, erin"  # carol: still on the other card
    assert f"{label} (2)" in fake.messages[card.id].text
    assert [u for u in fake.reactions[card.id][emoji] if not u.is_bot] == []
    await bot.stop()
    bot = await started(databases("c.db"), clock, fake)  # and the next start agrees
    assert await listed(fake, label) == f"{label} (2): carol, erin"
    await bot.stop()


async def test_a_cleared_card_gives_a_place_to_the_waitlist(databases: Where, clock: ManualClock) -> None:
    fake = FakeAdapter()
    bot = await started(databases("w.db"), clock, fake)
    [card] = await fake.invoke('!event create Picnic when="2026-11-26 18:00" capacity=1')
    [again] = await fake.invoke("!event show 1", "dave")
    await fake.react(card, "✅", "bob")
    await fake.react(again, "✅", "carol")  # waitlisted
    await fake.clear_reactions(card)
    assert await listed(fake, "Going") == "Going (1/1): carol"
    assert fake.containing("a spot opened up") != []
    await bot.stop()


async def test_a_reading_of_one_card_is_not_applied_again_when_another_is_read(
        databases: Where, clock: ManualClock) -> None:
    fake = FakeAdapter()
    bot = await started(databases("s.db"), clock, fake)
    card, again = await two_cards(fake)
    await fake.clear_reactions(card)  # nothing on it yet: a reading of no one
    await fake.react(card, "✅", "carol")  # after that reading, while the bot listens
    await fake.clear_reactions(again)
    assert await listed(fake, "Going") == "Going (1): carol"  # her ✅ is still on the first card
    await bot.stop()


async def test_a_reading_from_a_start_that_could_not_read_every_card_is_not_kept(
        databases: Where, clock: ManualClock) -> None:
    # At start the second card cannot be read: the first card's reading counts (adding only) and
    # is then done with; a later re-read of the second card alone must not bring it back.
    fake = FakeAdapter()
    path = databases("p.db")
    bot = await started(path, clock, fake)
    card, again = await two_cards(fake)
    await bot.stop()
    read = fake.fetch_reactions

    async def flaky(message: MessageRef) -> Mapping[str, Sequence[UserRef]] | None:
        if message.id == again.ref.id:
            raise RuntimeError("429 Too Many Requests")
        return await read(message)

    fake.fetch_reactions = flaky  # type: ignore[method-assign]
    bot = await started(path, clock, fake)
    fake.fetch_reactions = read  # type: ignore[method-assign]
    await fake.react(card, "✅", "carol")
    await fake.clear_reactions(again)
    assert await listed(fake, "Going") == "Going (1): carol"
    await bot.stop()


async def test_clearing_one_of_two_cards_takes_back_the_checkins_it_carried(
        databases: Where, clock: ManualClock) -> None:
    fake = FakeAdapter()
    bot = await started(databases("h.db"), clock, fake)
    card, again = await two_cards(fake)
    await bot.advance(TO_CHECKIN)
    await fake.react(card, "📍", "bob")
    for where in (card, again):
        await fake.react(where, "📍", "carol")
    await fake.clear_reactions(card)
    assert await listed(fake, "Here") == "Here (1): carol"
    await fake.react(card, "📍", "erin")  # after the first card was read
    await fake.clear_reactions(again)
    assert await listed(fake, "Here") == "Here (1): erin"
    await bot.stop()


async def test_clearing_a_finished_events_card_changes_no_answer(databases, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    """Answers close at the end: a moderator tidying a finished event's cards (the card is
    kept for a day after it) takes nobody's RSVP back and promotes nobody."""
    fake = FakeAdapter()
    bot = await started(databases("past.db"), clock, fake)
    [card] = await fake.invoke(f"!event create Picnic when={WHEN} capacity=1")
    [again] = await fake.invoke("!event show 1", "dave")
    await fake.react(card, "✅", "bob")
    await fake.react(again, "✅", "carol")  # waitlisted
    await bot.advance(timedelta(days=3, hours=12))  # past the end (18:00 + 2h), before the archive
    await fake.clear_reactions(card)
    await fake.clear_reactions(again)
    assert await listed(fake, "Going") == "Going (1/1): bob"
    assert await listed(fake, "Waitlist") == "Waitlist (1): carol"
    assert fake.containing("spot opened up") == []
    await bot.stop()
