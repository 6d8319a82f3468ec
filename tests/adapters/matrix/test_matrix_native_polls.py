"""Native polls (MSC3381) beside poll cards, on a real Synapse: people vote with poll
responses as Element sends them, with number reactions and with `poll vote`, and the card,
the results and the poll's end event read back from the room say what MSC3381 says."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from bot.model import ChannelRef
from bot.render import Card, Choices
from tests.adapters.matrix.native_poll_events import (
    END,
    RESPONSE,
    START,
    TEXT,
    bot_events,
    poll_card,
    poll_start,
    respond,
)
from tests.matrix_harness import (
    BotRunner,
    HumanFactory,
    eventually,
    room_with,
    until_card,
)
from tests.matrix_harness.crypto import CryptoHuman, encrypted_room


async def test_native_poll_responses_reactions_close_and_end(runner: BotRunner,
                                                             humans: HumanFactory) -> None:
    await runner.start()
    alice, bob, carol, dave = humans("alice"), humans("bob"), humans("carol"), humans("dave")
    room = await room_with(runner, alice, bob, carol, dave)
    await alice.say(room, '!poll create "Where @room?" Riverside Park | Blue Cafe | Library')
    card = await alice.wait_bot_message(room, runner.user_id, "#1")
    start_ev = await poll_start(alice, room, runner)
    start, content = start_ev["event_id"], start_ev["content"]
    poll = content[START]
    assert poll["kind"] == "org.matrix.msc3381.poll.disclosed" and poll["max_selections"] == 1
    assert [(a["id"], a[TEXT]) for a in poll["answers"]] == [
        ("1", "Riverside Park"), ("2", "Blue Cafe"), ("3", "Library")]
    assert "@room" not in poll["question"][TEXT] and "room?" in poll["question"][TEXT]
    assert content["m.mentions"] == {}
    for fallback in (content[TEXT], content["body"]):
        assert "#1" in fallback and "room?" in fallback and "1. Riverside Park" in fallback
        assert "3. Library" in fallback

    # bob changes his mind: only his latest response counts.
    await respond(bob, room, start, ["1"])
    await until_card(alice, room, runner, card.event_id, r"Riverside Park — 1\b")
    await respond(bob, room, start, ["2"])
    await until_card(alice, room, runner, card.event_id, r"Riverside Park — 0\b", r"Blue Cafe — 1\b")
    # carol votes with a number reaction, alice with `poll vote`: all count on one card.
    await carol.react(room, card.event_id, "3️⃣")
    await alice.say(room, "!poll vote 1 2")
    await until_card(alice, room, runner, card.event_id, r"Blue Cafe — 2\b", r"Library — 1\b")
    # dave votes, then withdraws with an empty response.
    await respond(dave, room, start, ["3"])
    await until_card(alice, room, runner, card.event_id, r"Library — 2\b", r"4 voters so far")
    await respond(dave, room, start, [])
    await until_card(alice, room, runner, card.event_id, r"Library — 1\b", r"3 voters so far")

    await alice.say(room, "!poll close 1")
    await until_card(alice, room, runner, card.event_id, r"\(closed\)", r"Blue Cafe — 2\b")
    results = await alice.wait_bot_message(room, runner.user_id, "Results of poll #1")
    assert "Result: Blue Cafe with 2 votes" in results.body
    assert "Riverside Park — 0" in results.body and "Library — 1" in results.body

    async def ended() -> list[dict[str, Any]]:
        return await bot_events(alice, room, runner, END)

    [end] = await eventually(ended, what="the poll's end event")
    assert end["content"]["m.relates_to"] == {"rel_type": "m.reference", "event_id": start}
    assert "Blue Cafe — 2" in end["content"][TEXT] and end["content"]["m.mentions"] == {}

    # After the end a response is ignored (MSC3381): nothing written, the results stand.
    late = await respond(dave, room, start, ["1"])
    seen = len(await alice.bot_messages(room, runner.user_id))
    await alice.say(room, "!poll results 1")
    after = await alice.wait_bot_message(room, runner.user_id, "(closed)", after=seen)
    assert "Riverside Park — 0" in after.body and "Blue Cafe — 2" in after.body
    assert runner.bot is not None
    assert await runner.bot.db.fetchone(
        "SELECT 1 FROM matrix_poll_votes WHERE response_id=?", (late,)) is None
    assert len(await ended()) == 1


async def test_multi_choice_native_poll(runner: BotRunner, humans: HumanFactory) -> None:
    await runner.start()
    alice, bob, carol = humans("alice"), humans("bob"), humans("carol")
    room = await room_with(runner, alice, bob, carol)
    card, start = await poll_card(runner, alice, room,
                                  "!poll create Snacks? Chips | Fruit | Cake multi=yes")
    [start_ev] = await bot_events(alice, room, runner, START)
    assert start_ev["content"][START]["max_selections"] == 3

    await respond(bob, room, start, ["1", "3"])
    await respond(carol, room, start, ["2"], stable=True)  # m.poll.response with m.selections
    await until_card(alice, room, runner, card, r"Chips — 1\b", r"Fruit — 1\b", r"Cake — 1\b")
    # bob drops Chips and keeps Cake; carol withdraws; repeated answers count once.
    await respond(bob, room, start, ["3", "3"])
    await respond(carol, room, start, [], stable=True)
    await until_card(alice, room, runner, card, r"Chips — 0\b", r"Fruit — 0\b", r"Cake — 1\b",
                     r"1 voter so far")
    # A number reaction and a native answer for the same option are one choice.
    await bob.react(room, card, "3️⃣")
    await respond(bob, room, start, ["2"])
    await until_card(alice, room, runner, card, r"Fruit — 1\b", r"Cake — 1\b", r"1 voter so far")


async def test_hostile_responses_and_a_redacted_start(runner: BotRunner,
                                                      humans: HumanFactory) -> None:
    await runner.start()
    alice, bob, carol, dave = humans("alice"), humans("bob"), humans("carol"), humans("dave")
    room = await room_with(runner, alice, bob, carol, dave)
    card, start = await poll_card(runner, alice, room, "!poll create Day? Monday | Tuesday | Friday")

    # An unknown answer spoils bob's response: his latest counts, for nothing.
    await respond(bob, room, start, ["1"])
    await until_card(alice, room, runner, card, r"Monday — 1\b")
    await respond(bob, room, start, ["1", "9"])
    await until_card(alice, room, runner, card, r"Monday — 0\b", r"0 voters so far")
    # Responses to no poll of the bot's: nothing happens. (Synapse refuses a relation to an
    # event it does not have: point at ones that are no start.) Answers that are no list
    # spoil carol's vote (MSC3381): she had none, and has none.
    await respond(carol, room, await carol.say(room, "a plain message"), ["1"])
    await respond(carol, room, card, ["1"])
    await respond(carol, room, start, "1")
    await respond(carol, room, start, {"answers": ["1"]})
    # More answers than a single choice allows: only the first counts.
    await respond(dave, room, start, ["3", "1"])
    await until_card(alice, room, runner, card, r"Monday — 0\b", r"Friday — 1\b", r"1 voter so far")
    assert runner.bot is not None
    rows = await runner.bot.db.fetchall("SELECT sender, answers FROM matrix_poll_votes")
    assert sorted(tuple(r) for r in rows) == sorted([(bob.user_id, ""), (carol.user_id, ""),
                                                     (dave.user_id, "3")])

    # Redacting a response reverts its sender to the one before (MSC3381).
    await respond(carol, room, start, ["2"])
    await until_card(alice, room, runner, card, r"Tuesday — 1\b")
    third = await respond(carol, room, start, ["3"])
    await until_card(alice, room, runner, card, r"Tuesday — 0\b", r"Friday — 2\b")
    await carol.redact(room, third)
    await until_card(alice, room, runner, card, r"Tuesday — 1\b", r"Friday — 1\b")

    # The room's creator redacts the poll start: its answers stand, it takes no more, and
    # the card goes on with reactions and closes without an end event.
    await alice.redact(room, start)
    await respond(bob, room, start, ["2"])
    await bob.react(room, card, "1️⃣")
    await until_card(alice, room, runner, card, r"Monday — 1\b", r"Tuesday — 1\b", r"Friday — 1\b")
    assert tuple(await runner.bot.db.fetchone("SELECT state FROM matrix_polls")) == ("gone",)
    await alice.say(room, "!poll close 1")
    await alice.wait_bot_message(room, runner.user_id, "Results of poll #1")
    await until_card(alice, room, runner, card, r"\(closed\)")
    await runner.idle()
    assert await bot_events(alice, room, runner, END) == []


async def test_responses_while_the_bot_is_down_are_recounted(runner: BotRunner,
                                                             humans: HumanFactory) -> None:
    await runner.start()
    alice, bob, carol, dave = humans("alice"), humans("bob"), humans("carol"), humans("dave")
    room = await room_with(runner, alice, bob, carol, dave)
    card, start = await poll_card(runner, alice, room, "!poll create Film? Alien | Brazil | Clue")
    await respond(bob, room, start, ["1"])
    await until_card(alice, room, runner, card, r"Alien — 1\b")

    # Down: the next sync brings what happened.
    await runner.stop()
    await respond(bob, room, start, ["2"])
    await respond(carol, room, start, ["3"])
    await respond(dave, room, start, ["1"])
    await respond(dave, room, start, [])
    await runner.start()
    await until_card(alice, room, runner, card, r"Alien — 0\b", r"Brazil — 1\b", r"Clue — 1\b",
                     r"2 voters so far")

    # Down with the sync history gone: only /relations knows.
    await runner.stop()
    await respond(carol, room, start, ["2"])
    await respond(dave, room, start, ["1"])
    with sqlite3.connect(runner.db_path) as db:
        db.execute("DELETE FROM matrix_sync")
    bot, adapter = await runner.start()
    await until_card(alice, room, runner, card, r"Alien — 1\b", r"Brazil — 2\b", r"Clue — 0\b",
                     r"3 voters so far")
    [ref] = [m for m in bot.live_messages("matrix") if m.id == card]
    reactions = await adapter.fetch_reactions(ref)
    assert reactions is not None
    assert {u.id for u in reactions["2️⃣"]} == {bob.user_id, carol.user_id}
    assert {u.id for u in reactions["1️⃣"]} == {dave.user_id}
    # A vote the bot learnt from /relations is replaced by the next one like any other.
    await respond(dave, room, start, ["3"])
    await until_card(alice, room, runner, card, r"Alien — 0\b", r"Clue — 1\b")


async def test_native_polls_off_sends_no_start(runner: BotRunner, humans: HumanFactory) -> None:
    await runner.start()
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    await alice.say(room, "!config set polls.native off")
    await alice.wait_bot_message(room, runner.user_id, "polls.native is now off")
    await alice.say(room, "!poll create Tea? Green | Black")
    card = await alice.wait_bot_message(room, runner.user_id, "#1")
    await bob.react(room, card.event_id, "2️⃣")
    await until_card(alice, room, runner, card.event_id, r"Black — 1\b")
    await alice.say(room, "!poll close 1")
    await alice.wait_bot_message(room, runner.user_id, "Results of poll #1")
    await runner.idle()
    assert await bot_events(alice, room, runner, START) == []
    assert await bot_events(alice, room, runner, END) == []
    await alice.say(room, "!config show")
    shown = await alice.wait_bot_message(room, runner.user_id, "Settings of this space")
    assert "polls.native = off" in shown.body


async def test_event_when_poll_counts_native_votes(runner: BotRunner, humans: HumanFactory) -> None:
    await runner.start()
    alice, bob, carol = humans("alice"), humans("bob"), humans("carol")
    room = await room_with(runner, alice, bob, carol)
    card, start = await poll_card(runner, alice, room,
                                  '!poll create When? "2030-12-05 18:30" | "2030-12-06 11:00"')
    [start_ev] = await bot_events(alice, room, runner, START)
    assert "18:30" in start_ev["content"][START]["answers"][0][TEXT]
    await respond(bob, room, start, ["2"])
    await respond(carol, room, start, ["2"])
    await until_card(alice, room, runner, card, r"— 2\b")
    await alice.say(room, '!event create "Dinner" when=poll:1 where=Home')
    event = await alice.wait_bot_message(room, runner.user_id, "Dinner")
    assert "06 Dec 2030 11:00" in event.body
    # Taking the poll's result closes the poll, and with it the native poll.
    await until_card(alice, room, runner, card, r"\(closed\)")

    async def ended() -> list[dict[str, Any]]:
        return await bot_events(alice, room, runner, END)

    [end] = await eventually(ended, what="the poll's end event")
    assert end["content"]["m.relates_to"]["event_id"] == start


async def test_a_card_sent_again_with_its_key_starts_one_native_poll(runner: BotRunner,
                                                                     humans: HumanFactory) -> None:
    """A scheduled post re-sent after a crash: Synapse answers the repeated txn ids with the
    first events, so the card and its native poll land once."""
    _, adapter = await runner.start()
    alice = humans("alice")
    room = await runner.join(alice)
    card = Card("📊 Lunch?", ref="#7", reactions=("1️⃣", "2️⃣"),
                choices=Choices("Lunch?", (("Soup",), ("Salad",))))
    channel = ChannelRef("matrix", room, room)
    first = await adapter.send(channel, card, idempotency_key="poll:7:post")
    again = await adapter.send(channel, card, idempotency_key="poll:7:post")
    assert first == again
    [start] = await bot_events(alice, room, runner, START)
    assert [a[TEXT] for a in start["content"][START]["answers"]] == ["Soup", "Salad"]
    assert runner.bot is not None
    rows = await runner.bot.db.fetchall("SELECT start_id, card_id FROM matrix_polls")
    assert [tuple(r) for r in rows] == [(start["event_id"], first.id)]


async def test_a_native_vote_is_the_latest_choice_over_earlier_reactions(
        runner: BotRunner, humans: HumanFactory) -> None:
    """Single choice: bob reacted 1️⃣ then 2️⃣ (both reactions stay on the card), then picks
    option 1 in the native poll. His latest choice is 1, though a reaction held it already."""
    await runner.start()
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    card, start = await poll_card(runner, alice, room, "!poll create Pet? Cat | Dog")
    cat = await bob.react(room, card, "1️⃣")
    await bob.react(room, card, "2️⃣")
    await until_card(alice, room, runner, card, r"Cat — 0\b", r"Dog — 1\b")
    await respond(bob, room, start, ["1"])
    await until_card(alice, room, runner, card, r"Cat — 1\b", r"Dog — 0\b")
    # Withdrawing in the poll leaves his 1️⃣ reaction, so 1 stays his choice until he takes
    # that back too; then his 2️⃣ counts again.
    await respond(bob, room, start, [])
    seen = len(await alice.bot_messages(room, runner.user_id))
    await alice.say(room, "!poll results 1")
    shown = await alice.wait_bot_message(room, runner.user_id, "Results of poll #1", after=seen)
    assert "Cat — 1" in shown.body and "Dog — 0" in shown.body
    await bob.redact(room, cat)
    await until_card(alice, room, runner, card, r"Cat — 0\b", r"Dog — 1\b")
    assert runner.bot is not None
    rows = await runner.bot.db.fetchall("SELECT key FROM matrix_reactions WHERE sender=?", (bob.user_id,))
    assert [r[0] for r in rows] == ["2️⃣"]


async def test_encrypted_native_poll_is_counted_and_recounted(
        runner: BotRunner, crypto_humans: Callable[[str], CryptoHuman]) -> None:
    """In an encrypted room responses arrive encrypted (the relation in the clear); after a
    restart without the sync history they are recounted from /relations, decrypted."""
    await runner.start()
    alice, bob = crypto_humans("alice"), crypto_humans("bob")
    await alice.start()
    await bob.start()
    room = await encrypted_room(alice, runner.user_id, bob)
    card, start = await poll_card(runner, alice, room, "!poll create Game? Chess | Go")
    wire = {e["event_id"]: e["type"] for e in await alice.wire_events(room, runner.user_id)}
    assert wire[start] == "m.room.encrypted"  # the poll is as private as the room

    def response(answers: list[str]) -> dict[str, Any]:
        return {"m.relates_to": {"rel_type": "m.reference", "event_id": start},
                RESPONSE: {"answers": answers}}

    await bob.send_encrypted(room, RESPONSE, response(["2"]))
    await until_card(alice, room, runner, card, r"Chess — 0\b", r"Go — 1\b")
    await runner.stop()
    await bob.send_encrypted(room, RESPONSE, response(["1"]))
    with sqlite3.connect(runner.db_path) as db:
        db.execute("DELETE FROM matrix_sync")
    await runner.start()
    await until_card(alice, room, runner, card, r"Chess — 1\b", r"Go — 0\b")
