"""bob reacts 📍 before check-in opens. A 📍 he takes off and puts back while the bot is away
reads at the next start just like the early one, so the way in the bot offers him (in its reply
and on the card) is the command, and following it checks him in. Both engines."""

from __future__ import annotations

from datetime import timedelta

from bot.app import Bot
from bot.clock import ManualClock
from bot.testing import FakeAdapter
from tests.unit.test_turnout_early_pins import EARLY_NOTE, TO_WINDOW, WHEN, Where, started


async def test_the_advice_for_an_early_pin_checks_in_after_a_repin_while_away(
        databases: Where, clock: ManualClock, later: list[Bot]) -> None:
    fake = FakeAdapter()
    bot = await started(databases, clock, later, fake)
    [card] = await fake.invoke(f"!event create Clean-up when={WHEN}")
    await fake.react(card, "📍", "bob")  # too early
    [told] = fake.containing("check-in for")
    assert told.text.startswith("⚠️") and "once it opens, say !checkin 1 to check in" in told.text, told.text
    assert "react again" not in told.text, told.text
    await bot.stop()
    clock.advance(TO_WINDOW + timedelta(minutes=5))  # check-in has opened; the bot is away
    await fake.react(card, "📍", "bob", added=False, dispatch=False)
    await fake.react(card, "📍", "bob", dispatch=False)
    again = await started(databases, clock, later, fake)
    read = fake.messages[card.id].text
    assert "Here (0)" in read and EARLY_NOTE in read and "say !checkin 1 to check in" in read, read
    [ok] = await fake.invoke("!checkin 1", user="bob")
    assert ok.text.startswith("📍"), ok.text
    assert "Here (1)\n  bob" in fake.messages[card.id], fake.messages[card.id].text
    await again.stop()
