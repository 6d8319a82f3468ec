"""Model-based: random histories of RSVPs on one event (✅/🤔/❌ reactions and their removal on
any of its cards — `event show` posts more —, also while the bot is away, `rsvp` and its buttons,
capacity raised, lowered and lifted, check-ins while check-in is open, a cancel), and after each
step every card, `event attendees` and what the bot said to people (promotions, "you're on the
waitlist", who moved to the waitlist) are exactly what the reference model (model_kit.py, from
PRODUCT.md) says. Then the defects it found, each on its own."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.app import build_bot
from bot.clock import ManualClock
from bot.testing import FakeAdapter
from tests.unit.model_kit import (
    EMOJI,
    START,
    EventModel,
    expect_here,
    expect_lists,
    in_fresh_dir,
    mentioned,
    model_settings,
    new_since,
    read_lists,
)

PEOPLE = ("alice", "bob", "cat", "dan", "eve")  # alice made the event
WHEN = '"2026-11-26 18:00"'  # a Thursday, three days after START
TO_WINDOW = timedelta(days=3, hours=8, minutes=30)  # check-in opens 30m before the start
SAID = {"going": "You're going to", "maybe": "You're a maybe for", "no": "You're not going to"}

STEPS = ("react", "react", "react", "unreact", "unreact", "rsvp", "capacity", "open", "pin", "unpin",
         "checkin", "cancel", "restart", "restart", "show")
# While the bot is away, each of these people reacts or takes a reaction back: the platforms say
# which reactions are there, not in which order they came, so one change per person.
AWAY = st.lists(st.tuples(st.sampled_from(PEOPLE), st.sampled_from(sorted(EMOJI)), st.booleans(), st.integers(0, 2)),
                min_size=1, max_size=4, unique_by=lambda change: change[0])


async def history(where: str, data: st.DataObject) -> None:
    clock = ManualClock(START)
    bot = await build_bot(f"{where}/m.db", clock=clock, rate_limit=False)
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    try:
        capacity = data.draw(st.sampled_from([None, 1, 2, 3]), label="capacity")
        made = f"!event create Picnic when={WHEN}" + (f" capacity={capacity}" if capacity else "")
        [card] = await fake.invoke(made, "alice")
        cards = [card]  # `event show` posts more: each counts, and each shows the same
        model = EventModel(capacity)
        is_open, minute = False, 0
        pinned = False  # check-in opened before any cancel: the card keeps its `Here (n)`
        for step in range(data.draw(st.integers(5, 30), label="steps")):
            kind = data.draw(st.sampled_from(STEPS), label=f"{step}: kind")
            who = data.draw(st.sampled_from(PEOPLE), label=f"{step}: who")
            mark = len(fake.log)
            in_before, wait_before, queue_before = model.going_in(), model.waitlist(), list(model.queue)
            told: list[str] = []  # who should hear they are on the waitlist (a reaction has no reply)
            on = cards[data.draw(st.integers(0, len(cards) - 1), label=f"{step}: card")]
            if kind in ("react", "unreact"):
                emoji = data.draw(st.sampled_from(sorted(EMOJI)), label=f"{step}: emoji")
                added = kind == "react"
                await fake.react(on, emoji, who, added=added)
                if not model.cancelled:
                    model.react(who, EMOJI[emoji], added, on.id)
                    if (who in model.waitlist() and who not in queue_before):
                        told = [who]
            elif kind == "rsvp":
                status = data.draw(st.sampled_from(["going", "maybe", "no"]), label=f"{step}: status")
                if data.draw(st.booleans(), label=f"{step}: by button"):
                    [reply] = await fake.press(on, f"rsvp:1:{status}", who)
                else:
                    [reply] = await fake.invoke(f"!rsvp 1 {status}", who)
                if model.cancelled:
                    assert reply.text.startswith("⚠️"), reply.text
                else:
                    model.say(who, status)
                    if who in model.waitlist():
                        place = model.waitlist().index(who) + 1
                        assert "on the waitlist" in reply.text and f"(number {place})" in reply.text, reply.text
                    else:
                        assert SAID[status] in reply.text, reply.text
            elif kind == "capacity":
                new = data.draw(st.integers(0, 4), label=f"{step}: new capacity")
                [reply, *_] = await fake.invoke(f"!event edit 1 capacity={new}", "alice")
                if model.cancelled:
                    assert reply.text.startswith("⚠️"), reply.text
                else:
                    assert reply.text.startswith("✅ Updated"), reply.text
                    model.capacity = new or None
            elif kind == "open":
                if is_open:
                    continue
                await bot.advance(TO_WINDOW)
                is_open, pinned = True, not model.cancelled
            elif kind in ("pin", "unpin"):
                if not is_open:
                    continue
                minute += 1
                await bot.advance(timedelta(minutes=1))
                await fake.react(on, "📍", who, added=kind == "pin")
                if not model.cancelled:
                    model.pin(who, kind == "pin", minute, on.id)
            elif kind == "checkin":
                if not is_open:
                    continue
                minute += 1
                await bot.advance(timedelta(minutes=1))
                [reply] = await fake.invoke("!checkin 1", who)
                if model.cancelled:
                    assert reply.text.startswith("⚠️"), reply.text
                elif model.check_in(who, minute):
                    assert "You're checked in" in reply.text, reply.text
                else:
                    assert "already checked in" in reply.text, reply.text
            elif kind == "restart":
                await bot.stop()
                away = data.draw(AWAY, label=f"{step}: while away")
                for person, emoji, added, n in away:
                    await fake.react(cards[n % len(cards)], emoji, person, added=added, dispatch=False)
                bot = await build_bot(f"{where}/m.db", clock=clock, rate_limit=False)
                bot.add_adapter(fake)
                await bot.start()
                if not model.cancelled:  # taken in by person, in a fixed order: any is right
                    for person, emoji, added, n in sorted(away):
                        model.react(person, EMOJI[emoji], added, cards[n % len(cards)].id)
                told = []  # nobody hears of a place on the waitlist they took while it was away
            elif kind == "show":
                if model.cancelled or len(cards) == 3:
                    continue
                [shown_again] = await fake.invoke("!event show 1", who)
                cards.append(shown_again)
            elif kind == "cancel":
                if model.cancelled:
                    continue
                [reply, *_] = await fake.invoke("!event cancel 1", "alice")
                assert reply.text.startswith("✅ Cancelled"), reply.text
                model.cancelled = True
            await bot.settle()
            at = f"step {step} ({kind} by {who})"

            for each in cards:
                shown = fake.messages[each.id].text
                expect_lists(read_lists(shown), model, f"{at}, card {each.id}:\n{shown}", card=True)
                expect_here(read_lists(shown), model, f"{at}, card {each.id}", even_empty=pinned, card=True)
            [full] = await fake.invoke("!event attendees 1", "eve")
            expect_lists(read_lists(full.text), model, f"{at}, attendees:\n{full.text}", card=False)
            expect_here(read_lists(full.text), model, f"{at}, attendees", even_empty=False)

            said = new_since(fake, mark)
            in_after = model.going_in()
            if kind == "capacity" and not model.cancelled:
                assert mentioned(said, "moved to the waitlist") == [w for w in in_before if w not in in_after], at
            promoted = [w for w in in_after if w in wait_before]  # told a spot opened up
            assert sorted(mentioned(said, "a spot opened up")) == sorted(promoted), f"{at}: {[s.text for s in said]}"
            if kind != "restart":
                assert mentioned(said, "on the waitlist; I'll tell you") == told, f"{at}: {[s.text for s in said]}"
            for person in told:
                place = model.waitlist().index(person) + 1
                assert [s for s in said if f"you're number {place} on the waitlist" in s.text], at
    finally:
        await bot.stop()


@model_settings(examples=80)
@given(st.data())
def test_rsvps_capacity_waitlist_and_checkins_match_the_model(data: st.DataObject) -> None:
    in_fresh_dir(lambda where: history(where, data))


# --- defects the model found, each on its own ---------------------------------------------------

async def restarted(databases, clock, later, fake: FakeAdapter):  # type: ignore[no-untyped-def]
    bot = await build_bot(databases(), clock=clock)
    later.append(bot)
    bot.add_adapter(fake)
    await bot.start()
    await bot.settle()
    return bot


async def test_answers_made_while_away_into_free_places_are_no_promotions(  # type: ignore[no-untyped-def]
        databases, clock, later) -> None:
    fake = FakeAdapter()
    bot = await restarted(databases, clock, later, fake)
    [card] = await fake.invoke(f"!event create Picnic when={WHEN} capacity=1", "alice")
    await bot.stop()
    await fake.react(card, "✅", "alice", dispatch=False)  # the one place: alice is in
    await fake.react(card, "✅", "bob", dispatch=False)  # bob waits
    await restarted(databases, clock, later, fake)
    assert "Going (1/1)\n  alice" in card.text and "Waitlist (1)\n  bob" in card.text
    assert fake.containing("a spot opened up") == []  # alice was never waiting


async def test_the_first_waiting_is_told_of_a_place_freed_while_away_even_when_their_own_reactions_changed(  # type: ignore[no-untyped-def]
        databases, clock, later) -> None:
    fake = FakeAdapter()
    bot = await restarted(databases, clock, later, fake)
    [card] = await fake.invoke(f"!event create Picnic when={WHEN} capacity=1", "alice")
    await fake.react(card, "✅", "ann")
    await fake.react(card, "🤔", "zoe")
    await fake.react(card, "✅", "zoe")  # on the waitlist; her 🤔 stays under it
    await bot.stop()
    await fake.react(card, "✅", "ann", added=False, dispatch=False)  # ann's place frees up
    await fake.react(card, "🤔", "zoe", added=False, dispatch=False)  # zoe tidies her reactions
    await restarted(databases, clock, later, fake)
    assert "Going (1/1)\n  zoe" in card.text and "Waitlist" not in card.text
    [told] = fake.containing("a spot opened up")
    assert [u.id for u in told.out.mentions] == ["zoe"]
