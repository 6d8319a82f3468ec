"""The bot's key store across restarts, on the real Synapse: without the folder, on the same
device, the bot refuses to start and says what to do (going on, it would read nothing people
send: their clients encrypt to the keys they saw first); with the folder back it goes on."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import nio
import pytest

from adapters.matrix import MatrixAdapter, MatrixError
from adapters.matrix.client import key_store_dir
from bot.app import build_bot
from bot.model import ChannelRef
from bot.render import text
from tests.matrix_harness import BotRunner
from tests.matrix_harness.clients import eventually
from tests.matrix_harness.crypto import CryptoHuman, encrypted_room
from tests.matrix_harness.faulty import FaultyProxy

MakeHuman = Callable[[str], CryptoHuman]


async def test_a_lost_key_store_on_the_same_device_is_refused_at_start(
        runner: BotRunner, crypto_humans: MakeHuman, tmp_path: Path) -> None:
    await runner.start()
    alice = crypto_humans("alice")
    await alice.start()
    room = await encrypted_room(alice, runner.user_id)
    await alice.say(room, "!help")
    await alice.wait_bot_message(room, runner.user_id, "poll")
    await runner.stop()
    folder = Path(key_store_dir(str(runner.db_path)))
    backup = tmp_path / "keys-backup"
    shutil.copytree(folder, backup)
    shutil.rmtree(folder)

    bot = await build_bot(str(runner.db_path))
    adapter = MatrixAdapter(runner.config(), sync_timeout_ms=5_000)
    bot.add_adapter(adapter)
    try:
        with pytest.raises(MatrixError) as refused:
            await bot.start()
    finally:
        await bot.stop()
    said = str(refused.value)
    assert "other encryption keys for device" in said and str(folder) in said
    assert "Restore the folder from a backup" in said
    n = len(await alice.bot_messages(room, runner.user_id))

    # The folder restored: the bot reads and answers as before.
    shutil.rmtree(folder)
    shutil.copytree(backup, folder)
    await runner.start()
    await alice.say(room, '!poll create "Back?" Yes | No')
    await alice.wait_bot_message(room, runner.user_id, "Back?", after=n)
    assert await alice.undecryptable(room, runner.user_id) == []


async def test_without_encryption_nothing_goes_into_an_encrypted_room_in_the_clear(
        runner: BotRunner, crypto_humans: MakeHuman, monkeypatch: pytest.MonkeyPatch) -> None:
    """As when the homeserver does not say which device a token belongs to: no key store."""
    monkeypatch.setattr("adapters.matrix.client.ENCRYPTION_ENABLED", False)
    bot, _ = await runner.start()
    alice = crypto_humans("alice")
    await alice.start()
    room = await encrypted_room(alice, runner.user_id)
    with pytest.raises(MatrixError, match="the room is encrypted"):
        await bot.send(ChannelRef("matrix", room, room), text("a reminder"))
    assert [e["type"] for e in await alice.wire_events(room, runner.user_id)] == ["m.room.member"]


async def joined_unseen(proxy: FaultyProxy, make_room: Awaitable[str]) -> str:
    """A room the bot has joined and its sync has not shown: the bot's join is held until it
    is asked, and the sync after it (the one that would show the room) is held from then on."""
    proxy.hold("POST", r"/join")
    made = asyncio.ensure_future(make_room)

    async def joining() -> bool:
        return any("/join" in r for r in proxy.held)

    await eventually(joining, what="the bot to ask to join")
    # In the same turn of the loop: the join goes on, and the bot asks for its next sync only
    # once the join is answered, so that sync is held.
    proxy.release()
    proxy.hold("GET", r"/sync$")
    return await made


async def plain_room(alice: CryptoHuman, bot_id: str) -> str:
    """A room without encryption, the bot invited and joined."""
    made = await alice.client.room_create(name="plain room", invite=[bot_id])
    assert isinstance(made, nio.RoomCreateResponse)

    async def bot_joined() -> bool:
        return (await alice.members(made.room_id)).get(bot_id) == "join"

    await eventually(bot_joined, what="the bot to join")
    return str(made.room_id)


async def test_without_encryption_nothing_goes_in_the_clear_into_an_encrypted_room_not_yet_synced(
        runner: BotRunner, crypto_humans: MakeHuman, proxy: FaultyProxy,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("adapters.matrix.client.ENCRYPTION_ENABLED", False)
    bot, _ = await runner.start()
    alice = crypto_humans("alice")
    await alice.start()
    room = await joined_unseen(proxy, encrypted_room(alice, runner.user_id))
    with pytest.raises(MatrixError, match="the room is encrypted"):
        await bot.send(ChannelRef("matrix", room, room), text("a reminder"))
    assert [e["type"] for e in await alice.wire_events(room, runner.user_id)] == ["m.room.member"]

    async def sync_held() -> bool:
        return any("/sync" in r for r in proxy.held)

    await eventually(sync_held, what="the bot's sync after the join to be held")


async def test_without_encryption_a_room_that_turns_encryption_on_gets_nothing_more_in_the_clear(
        runner: BotRunner, crypto_humans: MakeHuman, proxy: FaultyProxy,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Posts go on in a room without encryption; once it is turned on (before the bot's sync
    has shown that), nothing more goes out."""
    monkeypatch.setattr("adapters.matrix.client.ENCRYPTION_ENABLED", False)
    bot, _ = await runner.start()
    alice = crypto_humans("alice")
    await alice.start()

    room = await joined_unseen(proxy, plain_room(alice, runner.user_id))
    where = ChannelRef("matrix", room, room)
    await bot.send(where, text("in the clear"))
    turned = await alice.client.room_put_state(room, "m.room.encryption", {"algorithm": "m.megolm.v1.aes-sha2"})
    assert isinstance(turned, nio.RoomPutStateResponse)
    with pytest.raises(MatrixError, match="the room is encrypted"):
        await bot.send(where, text("a reminder"))
    assert [e["type"] for e in await alice.wire_events(room, runner.user_id)] == [
        "m.room.message", "m.room.member"]  # newest first


async def test_without_encryption_nothing_is_sent_while_whether_the_room_is_encrypted_is_unknown(
        runner: BotRunner, crypto_humans: MakeHuman, proxy: FaultyProxy,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("adapters.matrix.client.ENCRYPTION_ENABLED", False)
    bot, _ = await runner.start()
    alice = crypto_humans("alice")
    await alice.start()
    room = await joined_unseen(proxy, plain_room(alice, runner.user_id))
    proxy.fail("GET", r"/state/m\.room\.encryption")
    with pytest.raises(MatrixError, match="could not tell whether") as unknown:
        await bot.send(ChannelRef("matrix", room, room), text("a reminder"))
    assert not unknown.value.refused  # the homeserver's trouble: a later try may go
    assert [e["type"] for e in await alice.wire_events(room, runner.user_id)] == ["m.room.member"]
