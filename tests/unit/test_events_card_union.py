"""An event with several live cards on one platform (`event show` posts another): a person's
answer is the union of their reactions over the event's live cards. Taking a reaction off
one card takes the answer back only when no other live card still carries it; a card
deleted by someone else takes nobody's answer with it. Both engines, and across restarts."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from bot.app import Bot, build_bot, make_database
from bot.clock import ManualClock
from bot.testing import FakeAdapter, Sent
from bot.tracking import MIGRATIONS as CORE_MIGRATIONS
from cogs.events import repo
from cogs.events.migrations import MIGRATIONS

WHEN = '"2026-11-26 18:00"'  # the fake's clock starts on Monday 23 Nov 09:00 UTC
TO_CHECKIN = timedelta(days=3, hours=8, minutes=30)  # when check-in opens (30m before)
OLD = 13  # the events component's version before marks knew their card
LISTS = {"✅": "Going", "🤔": "Maybe", "❌": "Not going"}


async def listed(fake: FakeAdapter, label: str) -> str:
    """The names `event attendees 1` lists under `label` (Going, Maybe, Not going, Here)."""
    [people] = await fake.invoke("!event attendees 1", "zed")
    lines = people.text.split("\n")
    i = next(i for i, text in enumerate(lines) if text.startswith(label + " ("))
    return lines[i] + " " + lines[i + 1]


async def two_cards(fake: FakeAdapter) -> tuple[Sent, Sent]:
    [card] = await fake.invoke(f"!event create Picnic when={WHEN}")
    [again] = await fake.invoke("!event show 1", "dave")
    return card, again


async def started(path: str, clock: ManualClock, fake: FakeAdapter) -> Bot:
    bot = await build_bot(path, clock=clock)
    bot.add_adapter(fake)
    await bot.start()
    await bot.cards.idle()
    return bot


@pytest.mark.parametrize("emoji", list(LISTS))
async def test_taking_a_reaction_off_one_card_keeps_the_answer_another_card_carries(
        fake: FakeAdapter, emoji: str) -> None:
    card, again = await two_cards(fake)
    await fake.react(card, emoji, "bob")
    await fake.react(again, emoji, "bob")
    assert await listed(fake, LISTS[emoji]) == f"{LISTS[emoji]} (1): bob"  # counted once
    await fake.react(card, emoji, "bob", added=False)
    assert await listed(fake, LISTS[emoji]) == f"{LISTS[emoji]} (1): bob"
    assert f"{LISTS[emoji]} (1)" in fake.messages[again.id].text or emoji == "❌"
    await fake.react(again, emoji, "bob", added=False)  # the last one: the answer goes
    assert await listed(fake, LISTS[emoji]) == f"{LISTS[emoji]} (0): —"


async def test_reacting_on_another_card_is_the_latest_answer(fake: FakeAdapter) -> None:
    card, again = await two_cards(fake)
    await fake.react(card, "✅", "bob")
    await fake.react(card, "🤔", "bob")
    assert "bob" in await listed(fake, "Maybe")
    await fake.react(again, "✅", "bob")  # the most recent reaction still present says going
    assert "bob" in await listed(fake, "Going") and "bob" not in await listed(fake, "Maybe")
    await fake.react(again, "✅", "bob", added=False)  # falls back to the one before: 🤔
    assert "bob" in await listed(fake, "Maybe") and "bob" not in await listed(fake, "Going")


async def test_a_full_event_keeps_a_place_held_by_the_other_card(fake: FakeAdapter) -> None:
    [card] = await fake.invoke(f"!event create Picnic when={WHEN} capacity=1")
    [again] = await fake.invoke("!event show 1", "dave")
    await fake.react(card, "✅", "bob")
    await fake.react(card, "✅", "carol")  # waitlisted
    await fake.react(again, "✅", "bob")
    await fake.react(card, "✅", "bob", added=False)
    assert await listed(fake, "Going") == "Going (1/1): bob"
    assert await listed(fake, "Waitlist") == "Waitlist (1): carol"
    assert fake.containing("a spot opened up") == []


async def test_the_union_holds_across_restarts(databases, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    fake = FakeAdapter()
    path = databases("u.db")
    bot = await started(path, clock, fake)
    card, again = await two_cards(fake)
    for who in ("bob", "carol"):
        await fake.react(card, "✅", who)
        await fake.react(again, "✅", who)
    await fake.react(card, "✅", "bob", added=False)  # bob: still ✅ on the other card
    await bot.stop()
    await fake.react(card, "✅", "carol", added=False, dispatch=False)  # while the bot is down
    bot = await started(path, clock, fake)
    assert await listed(fake, "Going") == "Going (2): bob, carol"
    await bot.stop()
    await fake.react(again, "✅", "carol", added=False, dispatch=False)  # her last one
    bot = await started(path, clock, fake)
    assert await listed(fake, "Going") == "Going (1): bob"
    await bot.stop()


async def test_an_answer_moved_to_another_card_while_down_keeps_its_place(databases, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    # The cards are read one by one at start: the first must not take bob's place away before
    # the second shows where his ✅ went (a promotion announced, bob to the end of the queue).
    fake = FakeAdapter()
    path = databases("v.db")
    bot = await started(path, clock, fake)
    [card] = await fake.invoke(f"!event create Picnic when={WHEN} capacity=1")
    [again] = await fake.invoke("!event show 1", "dave")
    await bot.advance(TO_CHECKIN)
    await fake.react(card, "✅", "bob")
    await fake.react(card, "📍", "bob")
    await fake.react(card, "✅", "carol")
    await bot.stop()
    for emoji in ("✅", "📍"):
        await fake.react(card, emoji, "bob", added=False, dispatch=False)
        await fake.react(again, emoji, "bob", dispatch=False)
    bot = await started(path, clock, fake)
    assert await listed(fake, "Going") == "Going (1/1): bob"
    assert await listed(fake, "Waitlist") == "Waitlist (1): carol"
    assert await listed(fake, "Here") == "Here (1): bob"
    assert fake.containing("a spot opened up") == []
    await bot.stop()


async def test_a_checkin_stays_while_another_card_carries_the_pin(databases, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    fake = FakeAdapter()
    path = databases("h.db")
    bot = await started(path, clock, fake)
    card, again = await two_cards(fake)
    await bot.advance(TO_CHECKIN)
    for who in ("bob", "carol"):
        await fake.react(card, "📍", who)
        await fake.react(again, "📍", who)
    await fake.react(card, "📍", "bob", added=False)
    assert await listed(fake, "Here") == "Here (2): bob, carol"
    await bot.stop()
    await fake.react(card, "📍", "carol", added=False, dispatch=False)
    bot = await started(path, clock, fake)
    assert await listed(fake, "Here") == "Here (2): bob, carol"
    await fake.react(again, "📍", "bob", added=False)
    assert await listed(fake, "Here") == "Here (1): carol"
    await bot.stop()


async def test_a_deleted_card_takes_no_answer_with_it(databases, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    # Only the person takes their answer back: a moderator tidying away a card they answered
    # on leaves it standing, also when a fresh card is the only one at the next start.
    fake = FakeAdapter()
    path = databases("d.db")
    bot = await started(path, clock, fake)
    card, again = await two_cards(fake)
    await fake.react(card, "✅", "bob")
    await fake.react(again, "🤔", "carol")
    await fake.delete(card)
    [fresh] = await fake.invoke("!event show 1", "dave")
    assert await listed(fake, "Going") == "Going (1): bob"
    await bot.stop()
    fake.messages[again.id].deleted = True  # and one while the bot is down
    fake.reactions.pop(again.id, None)
    for _ in range(2):
        bot = await started(path, clock, fake)
        assert await listed(fake, "Going") == "Going (1): bob"
        assert await listed(fake, "Maybe") == "Maybe (1): carol"
        assert "Going (1)" in fake.messages[fresh.id].text
        await bot.stop()
    bot = await started(path, clock, fake)
    # Answered again on a live card and taken back there: no live card carries it any more.
    await fake.react(fresh, "✅", "bob")
    await fake.react(fresh, "✅", "bob", added=False)
    assert await listed(fake, "Going") == "Going (0): —"
    await bot.stop()


async def test_marks_from_before_cards_were_told_apart_migrate(databases, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    # A database written before marks knew their card (the events component at OLD): every
    # answer and check-in stays through the upgrade and its first start, nobody's answer
    # changes, and from then on the union holds.
    fake = FakeAdapter()
    bot = await started(databases("scratch.db"), clock, fake)  # the platform's two cards
    card, again = await two_cards(fake)
    await bot.stop()
    for where in (card, again): # on the platform, as the old bot saw them
        for who in ("bob", "carol", "erin"):
            await fake.react(where, "✅", who, dispatch=False)
        await fake.react(where, "📍", "bob", dispatch=False)
    await fake.react(card, "🤔", "carol", dispatch=False)

    path = databases("old.db")
    db = make_database(path)
    await db.open()
    await db.migrate("core", CORE_MIGRATIONS)
    await db.migrate("events", MIGRATIONS[:OLD])
    now = clock.now()

    def old_rows(conn: sqlite3.Connection) -> None:
        repo.insert(conn, space="fake:space1", platform="fake", channel_id="general", creator="fake:alice",
                    title="Picnic", starts_at=now + timedelta(minutes=30), location="", details="",
                    capacity=None, now=now)
        for sent in (card, again):
            m = sent.ref
            conn.execute("INSERT INTO messages(key, platform, channel_id, message_id, space_id, cog, kind,"
                         " object_id, live) VALUES(?,?,?,?,?,'events','event',1,1)",
                         (m.key, m.platform, m.channel_id, m.id, m.space_id))
        conn.executemany("INSERT INTO event_marks(object_id, user, value, source, seq, name) "
                         "VALUES(1, ?, ?, 'reaction', ?, ?)",
                         [("fake:bob", "going", 1, "bob"), ("fake:carol", "going", 2, "carol"),
                          ("fake:carol", "maybe", 3, "carol"), ("fake:erin", "going", 4, "erin")])
        conn.executemany("INSERT INTO rsvps(event_id, user, name, status, going_seq) VALUES(1, ?, ?, ?, ?)",
                         [("fake:bob", "bob", "going", 1), ("fake:carol", "carol", "maybe", 0),
                          ("fake:erin", "erin", "going", 2)])
        conn.execute("INSERT INTO event_checkins(event_id, user, name, source, at) "
                     "VALUES(1, 'fake:bob', 'bob', 'reaction', ?)", (now.timestamp(),))

    await db.write(old_rows)
    await db.close()

    bot = await started(path, clock, fake)
    assert await listed(fake, "Going") == "Going (2): bob, erin"  # as before the upgrade
    assert await listed(fake, "Maybe") == "Maybe (1): carol"
    assert await listed(fake, "Here") == "Here (1): bob"
    await fake.react(card, "✅", "bob", added=False)  # still ✅ on the other card
    await fake.react(card, "📍", "bob", added=False)
    await fake.react(again, "✅", "carol", added=False)
    assert await listed(fake, "Going") == "Going (2): bob, erin"
    assert await listed(fake, "Here") == "Here (1): bob"
    await fake.react(card, "🤔", "carol", added=False)  # falls back to her ✅ on the first card
    assert await listed(fake, "Going") == "Going (3): bob, erin, carol"
    await bot.stop()
    bot = await started(path, clock, fake)
    assert await listed(fake, "Going") == "Going (3): bob, erin, carol"
    await bot.stop()
