"""The bot's key store across restarts, on the real Synapse: without the folder, on the same
device, the bot refuses to start and says what to do (going on, it would read nothing people
send: their clients encrypt to the keys they saw first); with the folder back it goes on."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from adapters.matrix import MatrixAdapter, MatrixError
from adapters.matrix.client import key_store_dir
from bot.app import build_bot
from bot.model import ChannelRef
from bot.render import text
from tests.matrix_harness import BotRunner
from tests.matrix_harness.crypto import CryptoHuman, encrypted_room

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
