"""Encrypted rooms as their membership changes, on the real Synapse with clients that encrypt
like Element: someone who joins after a card was posted, a person's new device, and members
who leave or are kicked (the bot's next message is under a room key they never get)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import nio

from tests.matrix_harness import BotRunner, eventually, until_card
from tests.matrix_harness.crypto import CryptoHuman, encrypted_room

MakeHuman = Callable[[str], CryptoHuman]


async def sessions_of(reader: CryptoHuman, room: str, sender: str) -> dict[str, str]:
    """event id -> the Megolm session it was encrypted with, of `sender`'s encrypted events."""
    return {e["event_id"]: e["content"]["session_id"] for e in await reader.wire_events(room, sender)
            if e["type"] == "m.room.encrypted"}


async def test_someone_who_joins_after_the_card_answers_it_and_reads_what_follows(
        runner: BotRunner, crypto_humans: MakeHuman) -> None:
    await runner.start()
    alice, dave = crypto_humans("alice"), crypto_humans("dave")
    await alice.start()
    await dave.start()
    room = await encrypted_room(alice, runner.user_id)
    await alice.say(room, '!event create "Picnic" when="tomorrow 10am" where="Park"')
    card = await alice.wait_bot_message(room, runner.user_id, "Picnic")

    await alice.client.room_invite(room, dave.user_id)
    await dave.join(room)

    async def dave_seen() -> bool:  # alice's client shares her next key with dave
        return dave.user_id in alice.client.rooms[room].users

    await eventually(dave_seen, what="alice's client to see dave")
    await dave.react(room, card.event_id, "✅")
    await until_card(alice, room, runner, card.event_id, r"Going \(1\)")
    await dave.say(room, "!rsvp 1 maybe")
    said = await dave.wait_bot_message(room, runner.user_id, "Picnic #1")
    assert "maybe" in said.body.lower()
    await until_card(alice, room, runner, card.event_id, r"Maybe \(1\)")
    # Everything the bot said since dave joined is readable to him (the card itself came
    # before him: Megolm gives a new member no older keys).
    locked = set(await dave.undecryptable(room, runner.user_id))
    assert locked <= {card.event_id}, locked
    edits = [e for e in await dave.raw_events(room) if e.get("sender") == runner.user_id
             and e["content"].get("m.relates_to", {}).get("rel_type") == "m.replace"]
    assert edits and "Maybe (1)" in edits[-1]["content"]["m.new_content"]["body"]


async def test_a_new_device_of_a_member_reads_the_next_message_and_is_read(
        runner: BotRunner, crypto_humans: MakeHuman, tmp_path: Path) -> None:
    bot, adapter = await runner.start()
    alice, bob = crypto_humans("alice"), crypto_humans("bob")
    await alice.start()
    await bob.start()
    room = await encrypted_room(alice, runner.user_id, bob)
    await bob.say(room, "!help")
    await bob.wait_bot_message(room, runner.user_id, "poll")

    phone = await CryptoHuman.log_in(runner.synapse.url, bob.account, tmp_path / "bob-phone", "BOBPHONE")
    try:
        await phone.start()
        await phone.wait_room(room)

        async def bot_knows_phone() -> bool:  # trusted on first use
            device = adapter.client.device_store[bob.user_id].get("BOBPHONE")
            return device is not None and device.verified

        await eventually(bot_knows_phone, what="the bot to learn of bob's new device")
        await phone.wait_sync(2)  # the phone has the bot's device too
        # A command from the new device is read and answered; the answer reaches the new device.
        await phone.say(room, '!poll create "Phone?" Yes | No')
        reply = await alice.wait_bot_message(room, runner.user_id, "Phone?")

        async def readable_on_phone() -> bool:
            return reply.event_id not in await phone.undecryptable(room, runner.user_id)

        await eventually(readable_on_phone, what="bob's new device to read the bot's answer")
    finally:
        await phone.close()


async def _leaves_then_bot_speaks(runner: BotRunner, crypto_humans: MakeHuman, *, kick: bool) -> None:
    await runner.start()
    alice, bob, carol = crypto_humans("alice"), crypto_humans("bob"), crypto_humans("carol")
    for h in (alice, bob, carol):
        await h.start()
    room = await encrypted_room(alice, runner.user_id, bob, carol)
    await alice.say(room, "!help")
    before = await alice.wait_bot_message(room, runner.user_id, "poll")
    assert before.event_id not in await carol.undecryptable(room, runner.user_id)

    if kick:
        assert isinstance(await alice.client.room_kick(room, carol.user_id), nio.RoomKickResponse)
    else:
        assert isinstance(await carol.client.room_leave(room), nio.RoomLeaveResponse)

    async def gone() -> bool:
        return (await alice.members(room)).get(carol.user_id) == "leave"

    await eventually(gone, what="carol to be out")
    await alice.wait_sync(1)
    n = len(await alice.bot_messages(room, runner.user_id))
    await bob.say(room, '!poll create "After?" Yes | No')
    after = await alice.wait_bot_message(room, runner.user_id, "After?", after=n)
    sessions = await sessions_of(alice, room, runner.user_id)
    new = sessions[after.event_id]
    assert new != sessions[before.event_id], "the bot kept the room key carol holds"
    await carol.wait_sync(2)
    olm = carol.client.olm
    assert olm is not None
    assert new not in {s.id for s in olm.inbound_group_store}, "carol was given the room key after she left"
    assert after.event_id not in await bob.undecryptable(room, runner.user_id)


async def test_a_member_who_leaves_does_not_get_the_key_of_the_next_message(
        runner: BotRunner, crypto_humans: MakeHuman) -> None:
    await _leaves_then_bot_speaks(runner, crypto_humans, kick=False)


async def test_a_member_who_is_kicked_does_not_get_the_key_of_the_next_message(
        runner: BotRunner, crypto_humans: MakeHuman) -> None:
    await _leaves_then_bot_speaks(runner, crypto_humans, kick=True)
