"""A room that turns encryption on after the bot has posted in it, on the real Synapse: the
cards from before go on being edited (encrypted now, the relation in the clear as the spec
asks, so Element shows the edit), reactions and native poll responses still count, and
everything new goes encrypted."""

from __future__ import annotations

from collections.abc import Callable

import nio

from tests.adapters.matrix.native_poll_events import END, RESPONSE, poll_start
from tests.matrix_harness import BotRunner, Human, eventually, until_card
from tests.matrix_harness.crypto import CryptoHuman

MakeHuman = Callable[[str], CryptoHuman]


async def test_a_room_that_turns_encryption_on_later(runner: BotRunner, crypto_humans: MakeHuman) -> None:
    await runner.start()
    alice, bob = crypto_humans("alice"), crypto_humans("bob")
    await alice.start()
    await bob.start()
    room = await Human.create_room(alice, invite=[runner.user_id, bob.user_id])
    await bob.join(room)

    async def bot_in() -> bool:
        return (await alice.members(room)).get(runner.user_id) == "join"

    await eventually(bot_in, what="the bot to join")
    await alice.wait_room(room)
    await Human.say(alice, room, '!event create "Picnic" when="tomorrow 10am" where="Park"')
    card = await alice.wait_bot_message(room, runner.user_id, "Picnic")
    await Human.say(alice, room, "!poll create Game? Chess | Go")
    poll = (await alice.wait_bot_message(room, runner.user_id, "Game?")).event_id
    start = (await poll_start(alice, room, runner))["event_id"]
    plain = {e["event_id"] for e in await alice.wire_events(room, runner.user_id)}

    resp = await alice.client.room_put_state(room, "m.room.encryption",
                                             {"algorithm": "m.megolm.v1.aes-sha2"})
    assert isinstance(resp, nio.RoomPutStateResponse), resp

    async def encrypted_for_all() -> bool:
        return all(h.client.rooms[room].encrypted for h in (alice, bob))

    await eventually(encrypted_for_all, what="the clients to see the room encrypted")
    await alice.wait_sync(1)

    await bob.react(room, card.event_id, "✅")  # encrypted, on a card from before
    await until_card(alice, room, runner, card.event_id, r"Going \(1\)")
    await bob.send_encrypted(room, RESPONSE, {"m.relates_to": {"rel_type": "m.reference", "event_id": start},
                                              RESPONSE: {"answers": ["2"]}})
    await until_card(alice, room, runner, poll, r"Go — 1\b")
    await alice.say(room, "!poll close 1")
    await alice.wait_bot_message(room, runner.user_id, "Results of poll #1")
    await alice.say(room, '!event create "Quiz" when="tomorrow 8pm"')
    await alice.wait_bot_message(room, runner.user_id, "Quiz")

    wire = [e for e in await alice.wire_events(room, runner.user_id)
            if e["event_id"] not in plain and "state_key" not in e and e["type"] != "m.reaction"]
    assert wire and {e["type"] for e in wire} == {"m.room.encrypted"}
    edits = [e for e in wire if e["content"].get("m.relates_to", {}).get("rel_type") == "m.replace"]
    # The edits of the cards from before: the relation outside, the new text only inside.
    assert {e["content"]["m.relates_to"]["event_id"] for e in edits} >= {card.event_id, poll}
    for e in edits:
        assert "m.new_content" not in e["content"] and "ciphertext" in e["content"]
    # What the bot said since is readable, and says what was asked.
    assert await alice.undecryptable(room, runner.user_id) == []
    ends = [e for e in await alice.raw_events(room) if e.get("type") == END]
    assert ends and ends[-1]["content"]["m.relates_to"]["event_id"] == start
