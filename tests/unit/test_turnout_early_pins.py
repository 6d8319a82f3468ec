"""A 📍 from before an event's check-in opened (made for the time it had before it moved, or
made too early) stays on the card until its person takes it off, and counts for nothing: live,
and on the reading of the cards at a start, alike. Taken off and put on again, it counts.
Both engines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.testing import FakeAdapter

Where = Callable[[], str]  # the `databases` fixture
WHEN = '"2026-11-26 18:00"'  # a Thursday; the fake's clock starts on Monday 23 Nov 09:00 UTC
TO_WINDOW = timedelta(days=3, hours=8, minutes=30)  # to 17:30, when check-in opens (30m)
EARLY_NOTE = "from before check-in opened does not count"


async def started(databases: Where, clock: ManualClock, later: list[Bot], fake: FakeAdapter) -> Bot:
    bot = await build_bot(databases(), clock=clock)
    later.append(bot)
    bot.add_adapter(fake)
    await bot.start()
    await bot.settle()
    await bot.cards.idle()
    return bot


async def test_a_pin_from_before_a_move_counts_neither_live_nor_after_a_restart(
        databases: Where, clock: ManualClock, later: list[Bot]) -> None:
    fake = FakeAdapter()
    bot = await started(databases, clock, later, fake)
    [card] = await fake.invoke(f"!event create Clean-up when={WHEN}")
    await bot.advance(TO_WINDOW)
    await fake.react(card, "📍", "carol")
    assert "Here (1)\n  carol" in fake.messages[card.id]
    [ok] = await fake.invoke('!event edit 1 when="2026-12-03 18:00"')
    assert ok.text.startswith("✅")
    await bot.advance(timedelta(days=7))  # the new check-in has opened
    live = fake.messages[card.id].text
    assert "Here (0)" in live and EARLY_NOTE in live, live
    await bot.stop()
    again = await started(databases, clock, later, fake)  # the cards are read again
    read = fake.messages[card.id].text
    assert "Here (0)" in read and EARLY_NOTE in read, read
    await fake.react(card, "📍", "carol", added=False)  # taken off and put on again: now it counts
    await fake.react(card, "📍", "carol")
    now = fake.messages[card.id].text
    assert "Here (1)\n  carol" in now and "does not count" not in now, now
    await again.stop()


async def test_a_pin_from_before_a_move_taken_off_while_away_lets_a_new_one_count(
        databases: Where, clock: ManualClock, later: list[Bot]) -> None:
    fake = FakeAdapter()
    bot = await started(databases, clock, later, fake)
    [card] = await fake.invoke(f"!event create Clean-up when={WHEN}")
    await bot.advance(TO_WINDOW)
    await fake.react(card, "📍", "carol")
    await fake.invoke('!event edit 1 when="2026-12-03 18:00"')
    await bot.advance(timedelta(days=7))
    await bot.stop()
    await fake.react(card, "📍", "carol", added=False, dispatch=False)
    again = await started(databases, clock, later, fake)
    assert "does not count" not in fake.messages[card.id].text
    await fake.react(card, "📍", "carol")
    assert "Here (1)\n  carol" in fake.messages[card.id]
    await again.stop()


async def test_a_pin_made_before_check_in_opened_does_not_count_after_a_restart_either(
        databases: Where, clock: ManualClock, later: list[Bot]) -> None:
    fake = FakeAdapter()
    bot = await started(databases, clock, later, fake)
    [card] = await fake.invoke(f"!event create Clean-up when={WHEN}")
    await fake.react(card, "📍", "bob")  # too early: bob is told so
    [told] = fake.containing("check-in for")
    assert told.text.startswith("⚠️") and "say !checkin 1 to check in" in told.text, told.text
    await bot.advance(TO_WINDOW)
    assert "Here (0)" in fake.messages[card.id]
    await bot.stop()
    again = await started(databases, clock, later, fake)
    read = fake.messages[card.id].text
    assert "Here (0)" in read and EARLY_NOTE in read, read
    await again.stop()


async def test_a_pin_made_while_away_before_check_in_opened_is_read_as_too_early(
        databases: Where, clock: ManualClock, later: list[Bot]) -> None:
    fake = FakeAdapter()
    bot = await started(databases, clock, later, fake)
    [card] = await fake.invoke(f"!event create Clean-up when={WHEN}")
    await bot.stop()
    await fake.react(card, "📍", "bob", dispatch=False)
    bot = await started(databases, clock, later, fake)  # read before check-in opens
    await bot.advance(TO_WINDOW)
    assert "Here (0)" in fake.messages[card.id]
    await bot.stop()
    again = await started(databases, clock, later, fake)  # and again, in the window
    assert "Here (0)" in fake.messages[card.id], fake.messages[card.id].text
    await again.stop()
