"""An event past answering (PRODUCT.md Times: "RSVPs ... close at the end; a past event refuses
RSVPs and edits with ⚠️"): an RSVP reaction on its card is refused in words, once per person,
without a ping; at the end the bot's own ✅ 🤔 ❌ come off its cards; `event show` of it posts a
card that neither invites answers nor is kept live. And the "missed while offline" note of an
outage that ends exactly a grace after the last reminder is said once (PRODUCT.md Times)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.testing import FakeAdapter
from tests.unit.console_kit import typed

RSVP = ("✅", "🤔", "❌")


async def test_missed_note_once_when_the_last_reminder_is_exactly_grace_late(
        databases: Callable[[], str], clock: ManualClock, later: list[Bot]) -> None:
    first = await build_bot(databases(), clock=clock)
    later.append(first)
    fake = FakeAdapter()
    first.add_adapter(fake)
    await first.start()
    await fake.invoke('!event create Late when="2026-11-26 18:00" duration=3h')  # reminders 24h,1h; grace 1h
    await first.stop()
    # Back at 18:00: the 24h one is a day late, the 1h one exactly a grace late: both skipped.
    again = await build_bot(databases(), clock=ManualClock(datetime(2026, 11, 26, 18, 0, tzinfo=UTC)))
    later.append(again)
    again.add_adapter(fake)
    await again.start()
    await again.settle()
    assert fake.containing("Reminder") == []
    missed = fake.containing("Missed while offline")
    assert len(missed) == 1, [m.text for m in missed]


async def ended_picnic(bot: Bot, fake: FakeAdapter) -> str:
    """A Picnic of an hour, bob going by ✅; then the clock past its end, before its archive.
    The card's id."""
    await fake.invoke('!event create Picnic when="in 2 hours" duration=1h')
    [card] = fake.cards()
    await fake.react(card, "✅", "bob")
    await bot.advance(timedelta(hours=4))
    await bot.settle()
    return card.ref.id


async def test_an_rsvp_reaction_on_an_ended_event_is_refused_once_per_person_without_a_ping(
        bot: Bot, fake: FakeAdapter) -> None:
    card = await ended_picnic(bot, fake)
    before = len(fake.log)
    await fake.react(card, "✅", "Erin")
    await fake.react(card, "🤔", "Erin")  # clicked again and again: told once
    await fake.react(card, "✅", "Erin", added=False)
    await fake.react(card, "✅", "Erin")
    await fake.react(card, "❌", "dave")
    await bot.settle()
    said = [s for s in fake.log[before:] if "⚠️" in s.text]
    assert [s.text for s in said if "Erin" in s.text] == [
        "⚠️ Erin: Picnic #1 has ended, so it takes no more RSVPs; your ✅ on its card does not count."]
    assert len([s for s in said if "dave" in s.text]) == 1
    assert all(s.ref.channel == fake.channel and s.out.mentions == () for s in said)
    assert "Erin" not in fake.messages[card].text and "dave" not in fake.messages[card].text
    shown = await fake.invoke("!event attendees 1")
    assert "Erin" not in shown[0].text and "bob" in shown[0].text


async def test_the_bots_own_rsvp_reactions_come_off_the_card_at_the_end(bot: Bot, fake: FakeAdapter) -> None:
    card = await ended_picnic(bot, fake)
    on_card = fake.reactions[card]
    assert all(fake.me not in on_card.get(e, []) for e in RSVP), on_card
    assert fake.user("bob") in on_card["✅"]  # people's own stay: only the bot's are its to take back
    assert "It has ended." in fake.messages[card].text


async def test_event_show_of_an_ended_event_neither_invites_answers_nor_stays_live(
        bot: Bot, fake: FakeAdapter) -> None:
    await ended_picnic(bot, fake)
    [shown] = await fake.invoke("!event show 1")
    assert "It has ended." in shown.text
    assert shown.card.reactions == ()
    assert all(fake.me not in users for users in fake.reactions.get(shown.ref.id, {}).values())
    assert not bot.is_tracked(shown.ref)


async def test_the_console_refuses_an_ended_events_reaction_and_shows_its_card_without_them(console) -> None:  # type: ignore[no-untyped-def]
    _, c = console
    await typed(c, ":as alice mod", '!event create Picnic when="today 11:00" duration=1h', ":wait 3h")
    text = await typed(c, ":as dave", "!rsvp 1 going")
    assert "⚠️" in text and "has ended" in text
    said = await typed(c, ":as erin", ":react m1 ✅")
    assert "⚠️ erin: Picnic #1 has ended" in said, repr(said)
    shown = await typed(c, "!event show 1")
    assert "It has ended" in shown
    assert "reactions: ✅ 🤔 ❌" not in shown, shown


async def test_the_bots_own_rsvp_reactions_come_off_a_cancelled_events_card(bot: Bot, fake: FakeAdapter) -> None:
    """Its card is no longer live once it shows the cancel: a reaction on it would reach nobody."""
    await fake.invoke('!event create Picnic when="in 2 days at 7pm"')
    [card] = fake.cards()
    await fake.react(card, "✅", "bob")
    await fake.invoke("!event cancel 1")
    await bot.settle()
    on_card = fake.reactions[card.ref.id]
    assert "(cancelled)" in fake.messages[card.ref.id].text
    assert all(fake.me not in on_card.get(e, []) for e in RSVP), on_card
    assert fake.user("bob") in on_card["✅"]
    assert not bot.is_tracked(card.ref)
