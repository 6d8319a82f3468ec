"""Encrypted rooms on the real Synapse, with human clients that encrypt like Element (their
own olm stores): the whole story, restarts and kill -9 with no "unable to decrypt", late
room keys, and a direct message in an encrypted room."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from nio.crypto import OlmDevice
from nio.crypto.sessions import InboundGroupSession, Session

from bot.clock import ManualClock
from bot.scheduler import Job
from tests.conftest import ENGINES
from tests.matrix_harness import BotRunner, Synapse, dm_reminder_due, eventually, until_card
from tests.matrix_harness.crypto import CryptoHuman, encrypted_room

REPO = Path(__file__).resolve().parents[3]

MakeHuman = Callable[[str], CryptoHuman]


async def no_undecryptable(room: str, bot_id: str, *readers: CryptoHuman) -> None:
    for h in readers:
        assert await h.undecryptable(room, bot_id) == [], f"{h.user_id} could not decrypt the bot"


async def all_encrypted(reader: CryptoHuman, room: str, bot_id: str) -> None:
    """Every message the bot put in the room went over the wire encrypted."""
    wire = await reader.wire_events(room, bot_id)
    # State events (the room's set-up) are never encrypted; nio sends reactions in the clear.
    kinds = {e["type"] for e in wire if "state_key" not in e and e["type"] != "m.reaction"}
    assert kinds == {"m.room.encrypted"}, kinds


@pytest.mark.parametrize("engine", ENGINES)
async def test_encrypted_room_poll_event_rsvp_reminder_and_restart(
        runner: BotRunner, crypto_humans: MakeHuman) -> None:
    clock = ManualClock()
    bot, adapter = await runner.start(clock=clock)
    alice, bob = crypto_humans("alice"), crypto_humans("bob")
    await alice.start()
    await bob.start()
    room = await encrypted_room(alice, runner.user_id, bob)

    await alice.say(room, '!poll create "When?" in 3 hours | in 5 hours')
    poll = await alice.wait_bot_message(room, runner.user_id, "#1")
    await bob.react(room, poll.event_id, "1️⃣")
    await alice.react(room, poll.event_id, "1️⃣")
    await until_card(alice, room, runner, poll.event_id, r"^1️⃣ .* — 2 ")
    await alice.say(room, "!poll close 1")
    await alice.wait_bot_message(room, runner.user_id, "Results of poll #1")

    await alice.say(room, '!event create "Picnic" when=poll:1 where="Riverside Park"')
    card = await alice.wait_bot_message(room, runner.user_id, "Picnic")
    await bob.react(room, card.event_id, "✅")
    await until_card(alice, room, runner, card.event_id, r"Going \(1\)")

    # Restart: alice RSVPs while the bot is away; its keys and her session survive.
    await runner.stop()
    await alice.react(room, card.event_id, "✅")
    bot, adapter = await runner.start(clock=clock)
    await until_card(alice, room, runner, card.event_id, r"Going \(2\)")

    fired = await bot.scheduler.advance(timedelta(hours=2, minutes=1))
    assert fired == 1
    reminder = await bob.wait_bot_message(room, runner.user_id, "Reminder")
    assert "Picnic" in reminder.body
    assert sorted(reminder.content["m.mentions"]["user_ids"]) == sorted([alice.user_id, bob.user_id])
    # Still the job's key as txn id (Synapse keeps one event per key), encrypted or not.
    row = await bot.db.fetchone(
        "SELECT id, kind, key, space, due_at, state, payload, attempts FROM jobs "
        "WHERE kind='event.reminder' AND state='sent'")
    assert row is not None
    resp = await adapter.client.room_messages(room, limit=30)
    mine = [e.source for e in resp.chunk if e.event_id == reminder.event_id]
    assert mine and mine[0]["unsigned"].get("transaction_id") == Job.from_row(row).idempotency_key

    await no_undecryptable(room, runner.user_id, alice, bob)
    await all_encrypted(alice, room, runner.user_id)
    assert adapter.syncer.crypto is not None and adapter.syncer.crypto.held == {}


async def test_an_event_whose_key_comes_late_is_handled_when_it_arrives(
        runner: BotRunner, crypto_humans: MakeHuman) -> None:
    bot, adapter = await runner.start()
    alice, carol = crypto_humans("alice"), crypto_humans("carol")
    await alice.start()
    await carol.start()
    room = await encrypted_room(alice, runner.user_id, carol)
    await alice.say(room, "!help")  # the room works
    await alice.wait_bot_message(room, runner.user_id, "poll")

    # Carol's client shares her room key with everyone but the bot, then sends a command.
    session_key = await carol.share_withholding(room, runner.user_id)
    await carol.say(room, '!poll create "Lunch?" Pizza | Sushi')
    crypto = adapter.syncer.crypto
    assert crypto is not None

    async def held() -> bool:
        return bool(crypto.held)

    await eventually(held, what="the bot to hold the event it cannot decrypt")
    await adapter.wait_synced(2)  # the sync loop goes on; nothing answered yet
    assert not [m for m in await alice.bot_messages(room, runner.user_id) if "Lunch?" in m.body]
    # ...and survives a restart while waiting.
    bot, adapter = await runner.restart()
    crypto = adapter.syncer.crypto
    assert crypto is not None and len(crypto.held) == 1

    await carol.send_room_key(room, runner.user_id, session_key)
    reply = await alice.wait_bot_message(room, runner.user_id, "Lunch?")
    assert "#1" in reply.body
    assert crypto.held == {} and crypto.decrypted_late == 1

    async def forgotten() -> bool:  # handled first, then forgotten (a crash between: handled twice, deduplicated)
        return await bot.db.fetchall("SELECT event_id FROM matrix_undecrypted") == []

    await eventually(forgotten, what="the decrypted event to leave the table")


async def test_dm_reminder_in_an_encrypted_direct_room(
        runner: BotRunner, crypto_humans: MakeHuman) -> None:
    clock = ManualClock()
    bot, adapter = await runner.start(clock=clock)
    alice, bob = crypto_humans("alice"), crypto_humans("bob")
    await alice.start()
    await bob.start()
    room = await encrypted_room(alice, runner.user_id, bob)
    await dm_reminder_due(runner, room, alice, bob)

    async def invited() -> set[str]:
        return bob.invites - {room}

    [dm] = await eventually(invited, what="the bot's invite to a direct room")
    await bob.join(dm)
    first = await bob.wait_bot_message(dm, runner.user_id, "Reminder")
    assert "Board games #1 starts in 1 hour" in first.body
    assert bob.client.rooms[dm].encrypted
    await no_undecryptable(dm, runner.user_id, bob)
    await all_encrypted(bob, dm, runner.user_id)


async def test_another_device_of_the_bots_account_gets_the_room_keys_other_users_do_not(
        runner: BotRunner, crypto_humans: MakeHuman, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    bot, adapter = await runner.start()
    alice, bob = crypto_humans("alice"), crypto_humans("bob")
    await alice.start()
    room = await encrypted_room(alice, runner.user_id)
    command = await alice.say(room, "!help")
    reply = await alice.wait_bot_message(room, runner.user_id, "poll")
    client, bot_device = adapter.client, adapter.client.device_id
    olm = client.olm
    assert olm is not None and bot_device
    # Every room key the bot forwards, and to which device.
    forwarded: list[tuple[str, str]] = []
    encrypt = olm._encrypt_forwarding_key

    def spy(room_id: str, group: InboundGroupSession, session: Session, device: OlmDevice) -> object:
        forwarded.append((device.user_id, device.device_id))
        return encrypt(room_id, group, session, device)

    monkeypatch.setattr(olm, "_encrypt_forwarding_key", spy)

    # An operator opens the bot's account in another client.
    second = await CryptoHuman.log_in(runner.synapse.url, runner.account, tmp_path / "store-second",
                                      "SECONDDEVICE")
    try:
        await second.start()
        await second.wait_room(room)
        locked = await second.undecryptable(room)
        assert command in locked and reply.event_id in locked

        async def known_to_bot() -> OlmDevice | None:
            return client.device_store[runner.user_id].get("SECONDDEVICE")

        device = await eventually(known_to_bot, what="the bot to query its new device")
        # As when nio learned of the device by a key query of its own (room_send makes one):
        # not trusted yet when its requests are read, so nio alone would leave them waiting.
        client.unverify_device(device)

        async def bot_known() -> OlmDevice | None:
            return second.client.device_store[runner.user_id].get(bot_device)

        second.client.verify_device(await eventually(bot_known, what="the bot's device"))

        # Another user asks the bot for the same keys first: never answered.
        for ev in await second._locked(room):
            request = ev.as_key_request(runner.user_id, bob.account.device_id,
                                        request_id=f"bob-{ev.session_id}")
            await bob.client.to_device(request)
        assert await second.request_keys(room) >= 2  # alice's session and the bot's

        async def all_readable() -> bool:
            return await second.undecryptable(room) == []

        await eventually(all_readable, within=30, what="the second device to read the room")
        texts = {e.get("event_id"): e for e in await second.raw_events(room)}
        assert texts[command]["content"]["body"] == "!help"
        assert texts[reply.event_id]["type"] == "m.room.message"
    finally:
        await second.close()
    assert (runner.user_id, "SECONDDEVICE") in forwarded
    assert {user for user, _ in forwarded} == {runner.user_id}
    assert not [r for r in olm.key_request_from_untrusted.values() if r.sender != runner.user_id]


async def test_a_new_device_that_asked_while_the_bot_was_down_gets_the_keys(
        runner: BotRunner, crypto_humans: MakeHuman, tmp_path: Path) -> None:
    """Its key upload and its requests reach the bot in one sync: nio alone would drop the
    requests (the device is unknown when they are read); the bot keeps them for after its
    key query."""
    bot, adapter = await runner.start()
    alice = crypto_humans("alice")
    await alice.start()
    room = await encrypted_room(alice, runner.user_id)
    command = await alice.say(room, "!help")
    reply = await alice.wait_bot_message(room, runner.user_id, "poll")
    bot_device = adapter.client.device_id
    await runner.stop()
    second = await CryptoHuman.log_in(runner.synapse.url, runner.account, tmp_path / "store-second",
                                      "SECONDDEVICE")
    try:
        await second.start()
        await second.wait_room(room)
        assert {command, reply.event_id} <= set(await second.undecryptable(room))

        async def bot_known() -> OlmDevice | None:
            return second.client.device_store[runner.user_id].get(bot_device)

        second.client.verify_device(await eventually(bot_known, what="the bot's device"))
        assert await second.request_keys(room) >= 2
        await runner.start()

        async def all_readable() -> bool:
            return await second.undecryptable(room) == []

        await eventually(all_readable, within=30, what="the second device to read the room")
    finally:
        await second.close()


# --- kill -9 of a real `logoff run` in an encrypted room ---------------------------------------


def _start_bot(cfg: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--config", str(cfg)],
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=open(cfg.with_suffix(".log"), "ab"))  # noqa: SIM115


async def test_kill_9_in_an_encrypted_room_and_the_story_goes_on(
        synapse: Synapse, crypto_humans: MakeHuman, tmp_path: Path) -> None:
    account = synapse.register(f"logoffk{os.getpid()}")
    cfg = tmp_path / "logoff.toml"
    cfg.write_text(f'[bot]\ndatabase = "{tmp_path / "bot.db"}"\n\n[matrix]\n'
                   f'homeserver = "{synapse.url}"\nuser_id = "{account.user_id}"\n'
                   'access_token_env = "LOGOFF_TEST_MATRIX_TOKEN"\n')
    env = {**os.environ, "LOGOFF_TEST_MATRIX_TOKEN": account.access_token}
    bot_id = account.user_id
    proc = _start_bot(cfg, env)
    try:
        alice, bob = crypto_humans("alice"), crypto_humans("bob")
        await alice.start()
        await bob.start()
        room = await encrypted_room(alice, bot_id, bob)
        await alice.say(room, '!event create "Clean-up" when="tomorrow 10am" where="Beach"')
        card = await alice.wait_bot_message(room, bot_id, "Clean-up", within=40)
        await bob.react(room, card.event_id, "✅")

        async def going(n: int) -> bool:
            msgs = await alice.bot_messages(room, bot_id)
            return any(m.event_id == card.event_id and f"Going ({n})" in m.body for m in msgs)

        await eventually(lambda: going(1), within=30, what="Going (1)")
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        # While it is dead: an RSVP and a command, both encrypted.
        await alice.react(room, card.event_id, "✅")
        await alice.say(room, "!event list")
        proc = _start_bot(cfg, env)
        await eventually(lambda: going(2), within=60, what="Going (2) after the restart")
        listing = await alice.wait_bot_message(room, bot_id, "Upcoming", within=30)
        assert "Clean-up" in listing.body
        # A new command after the restart is read and answered (new sessions both ways).
        await bob.say(room, '!poll create "Bring?" Gloves | Bags')
        await bob.wait_bot_message(room, bot_id, "Bring?", within=30)
        await no_undecryptable(room, bot_id, alice, bob)
        await all_encrypted(alice, room, bot_id)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert "unable to decrypt" not in (tmp_path / "logoff.log").read_text().lower()
    await asyncio.sleep(0)
