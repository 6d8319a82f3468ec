"""A reaction the platform says was made earlier than it arrives (PRODUCT.md: "Reactions made
while the bot was offline count once it is back"): judged by when it was made, so an RSVP or a
📍 made before the event's end, or a vote before the poll's deadline, counts and draws no ⚠️;
one made after still draws it, and a stamp ahead of the bot's clock is not believed."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.app import Bot
from bot.clock import ManualClock
from bot.testing import FakeAdapter


async def made_then_ended(bot: Bot, fake: FakeAdapter, clock: ManualClock) -> tuple[str, datetime]:
    """A Picnic of an hour from two hours on, then the clock past its end: its card and the
    moment it was created (when it took answers)."""
    await fake.invoke('!event create Picnic when="in 2 hours" duration=1h')
    [card] = fake.cards()
    created = clock.now()
    await bot.advance(timedelta(hours=3, minutes=30))
    await bot.settle()
    return card.ref.id, created


async def test_an_rsvp_made_before_the_end_counts_when_it_arrives_after(
        bot: Bot, fake: FakeAdapter, clock: ManualClock) -> None:
    card, created = await made_then_ended(bot, fake, clock)
    before = len(fake.log)
    await fake.react(card, "✅", "ann", at=created)
    await bot.settle()
    assert [s.text for s in fake.log[before:] if "⚠️" in s.text] == []
    shown = await fake.invoke("!event attendees 1")
    assert "ann" in shown[0].text, shown[0].text


async def test_an_rsvp_made_after_the_end_is_still_refused(
        bot: Bot, fake: FakeAdapter, clock: ManualClock) -> None:
    card, _ = await made_then_ended(bot, fake, clock)
    before = len(fake.log)
    await fake.react(card, "✅", "ann", at=clock.now() - timedelta(minutes=10))
    await bot.settle()
    assert [s.text for s in fake.log[before:] if "⚠️" in s.text] == [
        "⚠️ ann: Picnic #1 has ended, so it takes no more RSVPs; your ✅ on its card does not count."]
    shown = await fake.invoke("!event attendees 1")
    assert "ann" not in shown[0].text, shown[0].text


async def test_a_stamp_ahead_of_the_bots_clock_is_not_believed(
        bot: Bot, fake: FakeAdapter, clock: ManualClock) -> None:
    await fake.invoke('!event create Picnic when="in 2 hours" duration=1h')
    [card] = fake.cards()
    # A platform clock a day ahead: the reaction is judged as made now, while the event is open.
    await fake.react(card, "✅", "ann", at=clock.now() + timedelta(days=1))
    await bot.settle()
    shown = await fake.invoke("!event attendees 1")
    assert "ann" in shown[0].text, shown[0].text


async def test_a_pin_made_while_check_in_was_open_counts_when_it_arrives_after_the_end(
        bot: Bot, fake: FakeAdapter, clock: ManualClock) -> None:
    [card] = await fake.invoke('!event create Clean-up when="2026-11-26 18:00" duration=1h')
    await bot.advance(timedelta(days=3, hours=8, minutes=45))  # 17:45: check-in open
    made = clock.now()
    await bot.advance(timedelta(hours=2))  # 19:45: ended
    before = len(fake.log)
    await fake.react(card, "📍", "carol", at=made)
    await bot.settle()
    assert [s.text for s in fake.log[before:] if "⚠️" in s.text] == []
    shown = fake.messages[card.id].text
    assert "Here (1)" in shown and "carol" in shown, shown


async def test_a_vote_made_before_the_deadline_counts_when_it_arrives_after(
        bot: Bot, fake: FakeAdapter, clock: ManualClock) -> None:
    [card] = await fake.invoke('!poll create "When?" Fri | Sat closes=2h')
    made = clock.now()
    clock.advance(timedelta(hours=3))  # the deadline passed; the vote arrives before the close runs
    await fake.react(card, "1️⃣", "carol", at=made)
    await bot.advance(timedelta(0))
    [results] = fake.containing("Results of poll #1")
    assert "Fri — 1" in results.text, results.text


async def test_a_pin_stamped_before_check_in_opened_by_a_clock_behind_still_counts(
        bot: Bot, fake: FakeAdapter, clock: ManualClock) -> None:
    """Only the end is judged by the stamp: a platform clock behind the bot's does not make a
    📍 made once check-in opened an early one."""
    [card] = await fake.invoke('!event create Clean-up when="2026-11-26 18:00" duration=1h')
    await bot.advance(timedelta(days=3, hours=8, minutes=45))  # 17:45: check-in open
    await fake.react(card, "📍", "carol", at=clock.now() - timedelta(hours=1))
    await bot.settle()
    shown = fake.messages[card.id].text
    assert "Here (1)" in shown and "carol" in shown and "does not count" not in shown, shown
