"""Login, gateway, command sync and the admin commands, end to end through the fake."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from pathlib import Path

import pytest

from bot import cli
from bot.model import ChannelRef
from bot.render import text
from tests.discord_fake import EPHEMERAL
from tests.discord_fake.harness import Harness, World


async def test_login_ready_guild_create_and_intents(harness: Harness, world: World) -> None:
    bot, adapter = await harness.start()
    client = adapter.client
    assert client is not None and client.is_ready()
    assert client.user is not None and client.user.id == world.fake.bot_id
    guild = client.get_guild(world.guild)
    assert guild is not None and not guild.unavailable, "GUILD_CREATE was not applied"
    assert [c.id for c in guild.text_channels] == [world.channel]
    [identify] = world.fake.identifies
    assert identify["token"] == world.fake.token
    intents = int(identify["intents"])
    assert intents == (1 << 0) | (1 << 9) | (1 << 10) | (1 << 16), \
        "guilds, guild messages, guild reactions, guild scheduled events only"
    assert not intents & (1 << 15), "no message-content intent"
    assert not intents & (1 << 1), "no members intent"


async def test_token_never_logged(harness: Harness, world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await harness.start()
    assert all(world.fake.token not in r.getMessage() for r in caplog.records)


async def test_no_voice_warnings_at_start(harness: Harness, caplog: pytest.LogCaptureFixture,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # A fresh process: discord.py warns once per process that voice packages are missing;
    # logoff never joins voice, so the operator should not be sent looking for them.
    import discord

    monkeypatch.setattr(discord.VoiceClient, "warn_nacl", True)
    monkeypatch.setattr(discord.VoiceClient, "warn_dave", True)
    caplog.set_level(logging.WARNING)
    await harness.start()
    assert not [r for r in caplog.records if "voice" in r.getMessage()]


async def test_missing_token_is_a_clear_error(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOGOFF_TEST_DISCORD_TOKEN")
    with pytest.raises(RuntimeError, match=r"\$LOGOFF_TEST_DISCORD_TOKEN"):
        await harness.start()


async def test_command_sync_payload(harness: Harness, world: World) -> None:
    await harness.start()
    [(scope, payload)] = world.fake.command_syncs
    assert scope is None, "global commands"
    by_name = {c["name"]: c for c in payload}
    assert set(by_name) == {"config", "help"}
    config = by_name["config"]
    subs = {o["name"]: o for o in config["options"]}
    assert set(subs) == {"show", "set", "reset"}
    assert all(o["type"] == 1 for o in subs.values())
    assert [(o["name"], o["type"], o["required"]) for o in subs["set"]["options"]] == [
        ("key", 3, True), ("value", 3, True)]
    assert by_name["help"]["options"][0]["required"] is False
    for c in payload:
        assert 1 <= len(c["description"]) <= 100

    # A restart with the same commands does not register them again.
    await harness.close()
    await harness.start()
    assert len(world.fake.command_syncs) == 1


async def test_help_answers_with_an_embed(harness: Harness, world: World) -> None:
    await harness.start()
    result = await world.fake.send_interaction("help", user=world.users["alice"], channel=world.channel)
    assert result.response_type == 4
    [msg] = result.messages
    assert msg["embeds"] and "logoff commands" in msg["embeds"][0]["title"]
    assert "config set" in result.text


async def test_config_set_refused_for_member_and_accepted_for_moderators(harness: Harness, world: World) -> None:
    bot, _ = await harness.start()
    fake = world.fake
    refused = await fake.send_interaction("config set", {"key": "timezone", "value": "Europe/Berlin"},
                                          user=world.users["alice"], channel=world.channel)
    assert refused.text.startswith("⚠️") and "moderators" in refused.text
    assert refused.ephemeral
    space = ChannelRef("discord", str(world.channel), str(world.guild)).space
    assert (await bot.settings.raw(space, "timezone"))[1], "nothing written on a refusal"

    ok = await fake.send_interaction("config set", {"key": "timezone", "value": "Europe/Berlin"},
                                     user=world.users["mod"], channel=world.channel)
    assert "timezone is now" in ok.text, ok.text
    assert (await bot.settings.raw(space, "timezone"))[0] == "Europe/Berlin"

    # Manage Events from a channel overwrite counts too.
    ok2 = await fake.send_interaction("config reset", {"key": "timezone"},
                                      user=world.users["organiser"], channel=world.channel)
    assert "back to its default" in ok2.text
    # The server owner (all permissions) is a moderator.
    shown = await fake.send_interaction("config show", user=fake.owner_of(world.guild), channel=world.channel)
    assert "Settings of this space" in shown.text


async def test_bad_input_is_an_ephemeral_refusal(harness: Harness, world: World) -> None:
    await harness.start()
    result = await world.fake.send_interaction("config set", {"key": "nonsense", "value": "x"},
                                               user=world.users["mod"], channel=world.channel)
    assert result.text.startswith("⚠️")
    assert all(m["flags"] & EPHEMERAL for m in result.messages)


async def test_guild_join_and_leave_are_logged(harness: Harness, world: World,
                                               caplog: pytest.LogCaptureFixture) -> None:
    _, adapter = await harness.start()
    gid = world.fake.add_guild("Climbers")
    await world.fake.wait_for(lambda: adapter.client.get_guild(gid) is not None, what="guild join")  # type: ignore[union-attr]
    world.fake.remove_guild(gid)
    await world.fake.wait_for(lambda: "left guild Climbers" in caplog.text, what="guild leave log")
    assert "joined guild Climbers" in caplog.text


async def test_send_with_idempotency_key_uses_nonce_once(harness: Harness, world: World) -> None:
    bot, adapter = await harness.start()
    channel = ChannelRef("discord", str(world.channel), str(world.guild))
    first = await bot.send(channel, text("Reminder: picnic starts soon"), idempotency_key="lo" + "a" * 22)
    again = await bot.send(channel, text("Reminder: picnic starts soon"), idempotency_key="lo" + "a" * 22)
    assert first == again
    msgs = world.fake.channel_messages(world.channel)
    assert len(msgs) == 1 and msgs[0]["nonce"] == "lo" + "a" * 22 and msgs[0]["_enforce_nonce"] is True
    long_key = "reminder:event:12345:offset:86400:due:1767225600"
    ref = await adapter.send(channel, text("x"), idempotency_key=long_key)
    assert len(world.fake.messages[int(ref.id)]["nonce"]) <= 25


async def test_logoff_run_with_a_discord_section(world: World, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    fake = world.fake
    config = tmp_path / "config.toml"
    config.write_text(f'[bot]\ndatabase = "{tmp_path / "run.db"}"\n\n[discord]\n'
                      f'token_env = "LOGOFF_TEST_DISCORD_TOKEN"\napi_base = "{fake.api_base}"\n'
                      f'gateway_url = "{fake.gateway_url}"\n', encoding="utf-8")
    task = asyncio.create_task(cli.run(str(config)))
    await fake.wait_for(lambda: "logoff is running on discord" in caplog.text or task.done(), wait_s=15,
                        what="logoff run to start")
    assert not task.done(), task.exception()
    result = await fake.send_interaction("poll create", {"question": "Run?", "options": "yes | no"},
                                         user=world.users["alice"], channel=world.channel)
    assert "Run?" in result.text
    os.kill(os.getpid(), signal.SIGTERM)  # cli.run turns SIGTERM into a clean stop
    assert await asyncio.wait_for(task, 10) == 0
    assert fake.token not in caplog.text


async def test_logoff_run_with_shards_and_metrics(world: World, tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    import socket

    import aiohttp

    fake = world.fake
    with socket.socket() as s:  # a free port on loopback for [metrics]
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = tmp_path / "config.toml"
    config.write_text(f'[bot]\ndatabase = "{tmp_path / "run.db"}"\n\n[discord]\n'
                      f'token_env = "LOGOFF_TEST_DISCORD_TOKEN"\napi_base = "{fake.api_base}"\n'
                      f'gateway_url = "{fake.gateway_url}"\nshard_count = 2\n\n'
                      f'[metrics]\nlisten = "127.0.0.1:{port}"\n', encoding="utf-8")
    task = asyncio.create_task(cli.run(str(config)))
    await fake.wait_for(lambda: "logoff is running on discord" in caplog.text or task.done(), wait_s=30,
                        what="logoff run to start")
    assert not task.done(), task.exception()
    assert sorted(tuple(d["shard"]) for d in fake.identifies) == [(0, 2), (1, 2)]
    await fake.send_interaction("help", user=world.users["alice"], channel=world.channel)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{port}/healthz") as r:
            assert r.status == 200
            assert await r.json() == {"ok": True, "database": True, "platforms": {"discord": True}}
        async with http.get(f"http://127.0.0.1:{port}/metrics") as r:
            body = await r.text()
    assert 'logoff_commands_total{command="help",outcome="ok"} 1.0' in body
    assert 'logoff_platform_connected{platform="discord"} 1.0' in body
    os.kill(os.getpid(), signal.SIGTERM)
    assert await asyncio.wait_for(task, 10) == 0
    assert fake.token not in caplog.text and fake.token not in body


async def test_commands_are_offered_in_servers_only(harness: Harness, world: World) -> None:
    fake = world.fake
    # Registered before this change: no contexts, so Discord offered them in DMs too.
    fake.commands[None] = [{"id": "1", "application_id": str(fake.application_id), "version": "1", "type": 1,
                            "name": "help", "description": "help", "options": [], "contexts": None,
                            "dm_permission": True}]
    await harness.start()
    [(_, payload)] = fake.command_syncs
    assert all(c["contexts"] == [0] for c in payload), "guild only"
    stored = {c["name"]: c for c in fake.commands[None]}
    assert stored["help"]["contexts"] == [0] and stored["help"]["dm_permission"] is False
    dm = fake.snowflake()
    fake.channels[dm] = {"id": str(dm), "type": 1, "recipients": [fake.users[world.users["alice"]]],
                         "last_message_id": None}
    with pytest.raises(LookupError, match="guild-only"):
        await fake.send_interaction("help", user=world.users["alice"], channel=dm)
    result = await fake.send_interaction("help", user=world.users["alice"], channel=world.channel)
    assert "config set" in result.text
    # Up to date now: a restart does not register them again.
    await harness.close()
    await harness.start()
    assert len(fake.command_syncs) == 1
