"""Direct messages on a real Synapse: sent from inside the sync's own handlers without
holding up any room, never posted into the group room instead, and a new room when the
person has left the old one."""

from __future__ import annotations

import re
from collections.abc import Callable

import nio
from nio.crypto.attachments import decrypt_attachment

from bot.clock import ManualClock
from tests.matrix_harness import (
    BotRunner,
    Human,
    HumanFactory,
    dm_reminder_due,
    eventually,
    room_with,
    until_card,
)
from tests.matrix_harness.crypto import CryptoHuman, encrypted_room

MakeCryptoHuman = Callable[[str], CryptoHuman]


async def invited_rooms(human: Human) -> list[str]:
    resp = await human.client.sync(timeout=0, full_state=True)
    assert isinstance(resp, nio.SyncResponse), resp
    return list(resp.rooms.invite)


def files(events: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    return [e["content"] for e in events if e.get("type") == "m.room.message"
            and e["content"].get("msgtype") in ("m.file", "m.image")]


async def test_a_command_that_sends_a_direct_message_holds_up_no_room(
        runner: BotRunner, humans: HumanFactory) -> None:
    bot, adapter = await runner.start()
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    other = await runner.join(bob)
    await alice.say(room, '!event create "Meetup" when="in 3 hours"')
    card = await alice.wait_bot_message(room, runner.user_id, "#1")
    await bob.react(room, card.event_id, "✅")
    await until_card(alice, room, runner, card.event_id, r"Going \(1\)")
    await alice.say(room, "!event export 1")
    await bob.say(other, "!help")
    # The DM room is new to nio: sending to it must not wait for a sync the handler holds up (that
    # wait outlasts these).
    await bob.wait_bot_message(other, runner.user_id, "logoff commands", within=10)
    await alice.wait_bot_message(room, runner.user_id, "by direct message", within=10)
    [dm] = await eventually(lambda: invited_rooms(alice), what="the bot's invite to a direct room")
    await alice.join(dm)
    [csv] = await eventually(lambda: _files(alice, dm), what="the CSV in the direct room")
    assert csv["filename"] == "event-1-attendees.csv"
    assert files(await alice.raw_events(room)) == []  # never in the group room
    rows = await bot.db.fetchall("SELECT user_id, room_id FROM matrix_dm_rooms")
    assert [tuple(r) for r in rows] == [(alice.user_id, dm)]


async def _files(human: Human, room: str) -> list[dict]:  # type: ignore[type-arg]
    return files(await human.raw_events(room))


async def test_an_encrypted_direct_message_from_a_command_is_readable(
        runner: BotRunner, crypto_humans: MakeCryptoHuman) -> None:
    await runner.start()
    alice = crypto_humans("alice")
    await alice.start()
    room = await encrypted_room(alice, runner.user_id)
    await alice.say(room, '!event create "Secret meetup" when="in 3 hours"')
    card = await alice.wait_bot_message(room, runner.user_id, "#1")
    await alice.react(room, card.event_id, "✅")
    await until_card(alice, room, runner, card.event_id, r"Going \(1\)")
    await alice.say(room, "!event export 1")
    await alice.wait_bot_message(room, runner.user_id, "by direct message", within=10)
    [dm] = await eventually(lambda: _invites(alice, room), what="the bot's invite to a direct room")
    await alice.join(dm)
    [csv] = await eventually(lambda: _files(alice, dm), what="the CSV in the direct room")
    assert csv["filename"] == "event-1-attendees.csv"
    assert alice.client.rooms[dm].encrypted
    assert await alice.undecryptable(dm, runner.user_id) == []
    # The file itself is encrypted too: the media repository holds only ciphertext.
    assert "url" not in csv
    secret = csv["file"]
    stored = await download(alice, secret["url"])
    assert b"name,platform" not in stored and b"going" not in stored
    data = decrypt_attachment(stored, secret["key"]["k"], secret["hashes"]["sha256"], secret["iv"])
    assert data.startswith(b"name,platform") and b"going" in data


async def download(human: Human, mxc: str) -> bytes:
    server, media = mxc.removeprefix("mxc://").split("/", 1)
    resp = await human.client.send("GET", f"/_matrix/client/v1/media/download/{server}/{media}",
                                   headers={"Authorization": f"Bearer {human.client.access_token}"})
    assert resp.status == 200, resp.status
    return await resp.read()


async def _invites(human: CryptoHuman, room: str) -> set[str]:
    return human.invites - {room}


async def test_a_person_who_left_the_direct_room_gets_a_new_one_once_then_dms_are_closed(
        runner: BotRunner, humans: HumanFactory) -> None:
    bot, adapter = await runner.start(clock=ManualClock())
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    await alice.say(room, "!config set timezone Europe/Berlin")
    await alice.wait_bot_message(room, runner.user_id, "Europe/Berlin")
    await dm_reminder_due(runner, room, alice, bob)
    said = await alice.wait_bot_message(room, runner.user_id, "Reminder")
    [first] = await eventually(lambda: invited_rooms(bob), what="the bot's invite to a direct room")
    await bob.join(first)
    dm = await bob.wait_bot_message(first, runner.user_id, "Reminder")
    # The DM room is a space of its own, with the default zone; the times are the event's.
    [at] = re.findall(r"\w{3} \d\d \w{3} \d{4} \d\d:\d\d \w+", said.body)
    assert at.endswith(("CET", "CEST")) and at in dm.body
    await bob.client.room_leave(first)
    # The next DM goes to a new room, not into the one nobody reads any more.
    await alice.say(room, '!event edit 1 when="in 4 hours"')
    [second] = await eventually(lambda: invited_rooms(bob), what="an invite to a new direct room")
    assert second != first
    await bob.join(second)
    await bob.wait_bot_message(second, runner.user_id, "has a new time")
    joined = await adapter.client.joined_rooms()
    assert isinstance(joined, nio.JoinedRoomsResponse) and first not in joined.rooms  # not left alone
    # Leaving that one too closes bob's DMs: said once in the channel, no third room.
    await bob.client.room_leave(second)
    await alice.say(room, '!event edit 1 when="in 5 hours"')
    await alice.wait_bot_message(room, runner.user_id, "couldn't send you a direct message")
    assert await invited_rooms(bob) == []
    assert await bot.db.fetchall("SELECT room_id FROM matrix_dm_rooms") == []
