"""A person's live reaction on a card while the start-up's reading of that card is on its way:
the reading was taken before it, so for that person and emoji the live change wins, whichever
is applied first; reactions made while the bot was away still count, once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.app import Bot
from bot.clock import ManualClock
from bot.model import ReactionChanged
from bot.testing import FakeAdapter, Sent

from .test_events_card_union import LISTS, TO_CHECKIN, WHEN, listed, started
from .test_reread_order import restart_with_held_read


async def live(fake: FakeAdapter, card: Sent, emoji: str, user: str, *, added: bool = True) -> None:
    """A person's reaction as the bot hears it: without waiting for the card's edit, which
    waits for the start-up to finish."""
    assert fake.bot is not None
    await fake.react(card, emoji, user, added=added, dispatch=False)
    await fake.bot.reaction_changed(ReactionChanged(card.ref, fake.user(user), emoji, added))


async def event_card(tmp_path: Path, clock: ManualClock, fake: FakeAdapter) -> tuple[Bot, Sent]:
    bot = await started(str(tmp_path / "o.db"), clock, fake)
    [card] = await fake.invoke(f"!event create Picnic when={WHEN}")
    return bot, card


async def poll_card(tmp_path: Path, clock: ManualClock, fake: FakeAdapter) -> tuple[Bot, Sent]:
    bot = await started(str(tmp_path / "o.db"), clock, fake)
    [poll] = await fake.invoke('!poll create "Where?" Park | Cafe')
    return bot, poll


async def tally(fake: FakeAdapter) -> str:
    [out] = await fake.invoke("!poll results 1")
    return out.text


@pytest.mark.parametrize("emoji", list(LISTS))
async def test_a_reaction_taken_back_live_after_the_start_ups_reading_stays_taken_back(
        tmp_path: Path, clock: ManualClock, emoji: str) -> None:
    fake = FakeAdapter()
    bot, card = await event_card(tmp_path, clock, fake)
    await fake.react(card, emoji, "bob")
    await bot.stop()
    held, start = await restart_with_held_read(tmp_path, clock, fake, card.id)  # shows bob's
    await live(fake, card, emoji, "bob", added=False)
    held.release.set()
    bot = await start
    assert await listed(fake, LISTS[emoji]) == f"{LISTS[emoji]} (0): —"
    await bot.stop()


@pytest.mark.parametrize("emoji", list(LISTS))
async def test_a_reaction_added_live_after_the_start_ups_reading_stays(
        tmp_path: Path, clock: ManualClock, emoji: str) -> None:
    fake = FakeAdapter()
    bot, card = await event_card(tmp_path, clock, fake)
    await bot.stop()
    held, start = await restart_with_held_read(tmp_path, clock, fake, card.id)  # shows nobody
    await live(fake, card, emoji, "bob")
    held.release.set()
    bot = await start
    assert await listed(fake, LISTS[emoji]) == f"{LISTS[emoji]} (1): bob"
    await bot.stop()


async def test_answers_given_while_away_count_once_beside_live_ones(
        tmp_path: Path, clock: ManualClock) -> None:
    fake = FakeAdapter()
    bot, card = await event_card(tmp_path, clock, fake)
    await fake.react(card, "🤔", "dave")
    await bot.stop()
    await fake.react(card, "✅", "carol", dispatch=False)  # while the bot is away
    await fake.react(card, "🤔", "dave", added=False, dispatch=False)
    held, start = await restart_with_held_read(tmp_path, clock, fake, card.id)
    await live(fake, card, "✅", "bob")
    held.release.set()
    bot = await start
    assert await listed(fake, "Going") == "Going (2): bob, carol"  # bob's was applied first
    assert await listed(fake, "Maybe") == "Maybe (0): —"
    assert "Going (2)" in fake.messages[card.id].text
    await bot.stop()


async def test_a_vote_taken_back_live_after_the_start_ups_reading_stays_taken_back(
        tmp_path: Path, clock: ManualClock) -> None:
    fake = FakeAdapter()
    bot, poll = await poll_card(tmp_path, clock, fake)
    await fake.react(poll, "1️⃣", "bob")
    await bot.stop()
    held, start = await restart_with_held_read(tmp_path, clock, fake, poll.id)
    await live(fake, poll, "1️⃣", "bob", added=False)
    held.release.set()
    bot = await start
    assert "Park — 0" in await tally(fake)
    await bot.stop()


async def test_a_vote_added_live_after_the_start_ups_reading_stays(
        tmp_path: Path, clock: ManualClock) -> None:
    fake = FakeAdapter()
    bot, poll = await poll_card(tmp_path, clock, fake)
    await bot.stop()
    await fake.react(poll, "1️⃣", "carol", dispatch=False)  # while the bot is away
    held, start = await restart_with_held_read(tmp_path, clock, fake, poll.id)
    await live(fake, poll, "2️⃣", "bob")
    await live(fake, poll, "1️⃣", "dave")
    held.release.set()
    bot = await start
    out = await tally(fake)
    assert "Park — 2" in out and "Cafe — 1" in out, out
    await bot.stop()


async def test_a_checkin_taken_back_live_while_the_reading_is_being_applied_stays_taken_back(
        tmp_path: Path, clock: ManualClock) -> None:
    """The events cog applies a card's 📍 after its answers, once it has looked up the check-in
    window: a live change arriving in between must not be overruled by the reading either."""
    fake = FakeAdapter()
    bot, card = await event_card(tmp_path, clock, fake)
    await bot.advance(TO_CHECKIN)
    await fake.react(card, "✅", "bob")
    await fake.react(card, "📍", "bob")
    await bot.stop()
    held, start = await restart_with_held_read(tmp_path, clock, fake, card.id)
    assert isinstance(fake.bot, Bot)
    events = fake.bot.cogs["events"]
    applying_pins = events.reconcile_here  # type: ignore[attr-defined]
    arrived = False

    async def pins_after_a_live_change(*args: Any, **kwargs: Any) -> None:
        nonlocal arrived
        if not arrived:
            arrived = True
            await live(fake, card, "📍", "bob", added=False)
        await applying_pins(*args, **kwargs)

    events.reconcile_here = pins_after_a_live_change  # type: ignore[attr-defined]
    held.release.set()
    bot = await start
    assert arrived
    [people] = await fake.invoke("!event attendees 1", "zed")
    assert not [line for line in people.text.split("\n") if line.startswith("Here")], people.text
    assert await listed(fake, "Going") == "Going (1): bob"
    await bot.stop()
