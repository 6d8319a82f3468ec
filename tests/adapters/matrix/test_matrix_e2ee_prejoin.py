"""Encrypted events from before the bot joined a room are the room's past, as plain ones are:
never held for their keys, no key asked for, and never run, even when their key is sent to
the bot after it joined (on the real Synapse, with clients that encrypt like Element). What
is sent after the join and cannot be decrypted yet still waits for its key."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

import nio
import pytest
from nio.api import Api

from adapters.matrix.adapter import MatrixAdapter
from tests.matrix_harness import BotRunner, eventually
from tests.matrix_harness.crypto import CryptoHuman

MakeHuman = Callable[[str], CryptoHuman]
GAP = 110  # more than a sync's timeline holds (the sync filter's limit)
WAITING = "will handle it when the key arrives"


async def next_room_key(h: CryptoHuman, room: str) -> dict[str, Any]:
    """A new room key of `h`'s, shared with the devices its client knows in the room now, at
    its first index: the key of the messages `h` sends next (for `send_room_key` later)."""
    c = h.client
    olm = c.olm
    assert olm is not None

    async def encrypted() -> bool:
        return c.rooms[room].encrypted

    await eventually(encrypted, what=f"{h.user_id}'s client to see the room encrypted")
    olm.create_outbound_group_session(room)
    await c.share_group_session(room, ignore_unverified_devices=True)
    session = olm.outbound_group_sessions[room]
    return {"algorithm": "m.megolm.v1.aes-sha2", "room_id": room,
            "session_id": session.id, "session_key": session.session_key}


async def bot_in_room(runner: BotRunner, room: str, *members: CryptoHuman) -> None:
    async def joined() -> bool:  # as each member's client has seen it (their next key is the bot's too)
        return all(runner.user_id in h.client.rooms[room].users
                   and not h.client.rooms[room].users[runner.user_id].invited for h in members)

    await eventually(joined, what="the bot to join the encrypted room")


async def key_reaches_bot(adapter: MatrixAdapter, room: str, sender: CryptoHuman,
                          key: dict[str, Any]) -> None:
    """`key` is sent to the bot over Olm and its client stores it; the sync that brought it
    (and its retry of what waits for a key) handled, and its lanes settled."""
    await sender.send_room_key(room, adapter.client.user_id, key)
    olm = adapter.client.olm
    assert olm is not None and sender.client.olm is not None
    curve = sender.client.olm.account.identity_keys["curve25519"]

    async def stored() -> bool:
        return olm.inbound_group_store.get(room, curve, key["session_id"]) is not None

    await eventually(stored, what="the bot to take the room key in")
    await adapter.wait_synced(1)


async def answers(h: CryptoHuman, room: str, bot_id: str, needle: str) -> int:
    return len([m for m in await h.bot_messages(room, bot_id) if needle in m.body])


async def test_an_encrypted_command_from_before_the_bot_joined_is_never_run(
        runner: BotRunner, crypto_humans: MakeHuman, caplog: pytest.LogCaptureFixture) -> None:
    """Before: the bot held it as if its key were coming ("will handle it when the key
    arrives"), asked alice for the key, and ran the command when the key came."""
    caplog.set_level(logging.WARNING, logger="adapters.matrix")
    bot, adapter = await runner.start()
    alice = crypto_humans("alice")
    await alice.start()
    room = await alice.create_room()  # encrypted; the bot is not in it
    stale_key = await next_room_key(alice, room)
    stale = await alice.say(room, '!poll create "Stale?" Yes | No')
    await alice.invite(room, runner.user_id)
    await bot_in_room(runner, room, alice)

    await alice.say(room, '!poll create "Fresh?" Yes | No')  # the join's sync is handled by its answer
    await alice.wait_bot_message(room, runner.user_id, "Fresh?")
    crypto = adapter.syncer.crypto
    assert crypto is not None
    assert stale not in crypto.held and crypto.held == {}
    assert stale_key["session_id"] not in adapter.client.outgoing_key_requests
    assert not [r for r in caplog.records if WAITING in r.getMessage()]

    # Its key reaches the bot after all (a client forwarding it): still the room's past.
    await key_reaches_bot(adapter, room, alice, stale_key)
    assert crypto.decrypted_late == 0
    assert await answers(alice, room, runner.user_id, "Stale?") == 0
    assert await answers(alice, room, runner.user_id, "Fresh?") == 1
    assert await bot.db.fetchall("SELECT event_id FROM matrix_undecrypted") == []

    # Sent after the join, without its key: held, its key asked for, run when the key comes.
    late_key = await alice.share_withholding(room, runner.user_id)
    await alice.say(room, '!poll create "Late?" Yes | No')

    async def held() -> bool:
        return bool(crypto.held)

    await eventually(held, what="the bot to hold the event it cannot decrypt")
    assert late_key["session_id"] in adapter.client.outgoing_key_requests
    assert [r for r in caplog.records if WAITING in r.getMessage()]
    await alice.send_room_key(room, runner.user_id, late_key)
    await alice.wait_bot_message(room, runner.user_id, "Late?")
    assert crypto.held == {} and crypto.decrypted_late == 1
    await adapter.wait_synced(1)
    assert await answers(alice, room, runner.user_id, "Stale?") == 0


async def say_plain(h: CryptoHuman, room: str, text: str) -> None:
    """A message in the clear (an encrypted room allows it), so the filler is not held."""
    c = h.client
    method, path, data = Api.room_send(c.access_token, room, "m.room.message",
                                       {"msgtype": "m.text", "body": text}, uuid.uuid4())
    h._ok(await c._send(nio.RoomSendResponse, method, path, data, (room,)), nio.RoomSendResponse)


async def test_an_encrypted_command_from_before_the_join_in_a_back_filled_gap_is_never_run(
        runner: BotRunner, crypto_humans: MakeHuman, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The join and the command before it came after the previous sync's token, and so many
    events after the join that the sync's timeline leaves both in the gap it back-fills.
    Before: the back-fill held the command for its key, asked for it, and ran it when it came."""
    caplog.set_level(logging.WARNING, logger="adapters.matrix")
    bot, adapter = await runner.start()
    alice, carol = crypto_humans("alice"), crypto_humans("carol")
    await alice.start()
    # Carol's client syncs only when told: it cannot learn of the bot's invite and share her
    # key with it before she sends.
    c = carol.client
    if c.should_upload_keys:
        await c.keys_upload()
    await carol._sync_once(0)
    room = await alice.create_room(invite=[carol.user_id])
    carol._ok(await c.join(room), nio.JoinResponse)
    await carol._sync_once(0)
    await c.joined_members(room)
    if c.should_query_keys:
        await c.keys_query()
    stale_key = await next_room_key(carol, room)

    syncer = adapter.syncer
    join_all = syncer.transport.join_all
    stale: list[str] = []

    async def joining(rooms: list[str]) -> None:
        if room not in rooms or stale:
            await join_all(rooms)
            return
        stale.append(await carol.say(room, '!poll create "Stale?" Yes | No'))
        await join_all(rooms)
        for i in range(GAP):
            await say_plain(alice, room, f"chat {i}")

    monkeypatch.setattr(syncer.transport, "join_all", joining)
    limited, backfilled = syncer.limited_syncs, syncer.backfilled_events
    await alice.invite(room, runner.user_id)
    await carol.start()
    await bot_in_room(runner, room, alice, carol)

    await carol.say(room, '!poll create "Fresh?" Yes | No')
    await alice.wait_bot_message(room, runner.user_id, "Fresh?")
    assert stale and syncer.limited_syncs > limited and syncer.backfilled_events > backfilled
    crypto = syncer.crypto
    assert crypto is not None and crypto.held == {}
    assert stale_key["session_id"] not in adapter.client.outgoing_key_requests
    assert not [r for r in caplog.records if WAITING in r.getMessage()]

    await key_reaches_bot(adapter, room, carol, stale_key)
    assert crypto.decrypted_late == 0
    assert await answers(alice, room, runner.user_id, "Stale?") == 0
    assert await answers(alice, room, runner.user_id, "Fresh?") == 1

