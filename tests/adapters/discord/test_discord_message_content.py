"""`[discord] message_content`: with it, logoff asks Discord for the privileged Message Content
intent and people's text (new messages and edits) reaches the core, where the offline scorer
reads it in memory; without it, no text reaches the core, not even the text Discord sends
anyway (a message that mentions the bot). An application without the intent enabled is
refused by Discord (4014), and the error says what to enable or set."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import discord
import pytest

from bot import cli
from bot.clock import ManualClock
from bot.model import ChannelRef, MessageEdited, UserRef
from tests.adapters.discord import discord_probe_ext as probe
from tests.discord_fake import message_text
from tests.discord_fake.content import (
    GATEWAY_MESSAGE_CONTENT_LIMITED,
    INTENT_MESSAGE_CONTENT,
    as_received,
)
from tests.discord_fake.harness import Harness, World, delivered
from tests.unit.test_offline_cog import HEATED  # what text cues read as heat, metadata alone not

PROBE = ("cogs.admin", "tests.adapters.discord.discord_probe_ext")
OFFLINE = ("cogs.admin", "cogs.polls", "cogs.offline")


def here(world: World, channel: int | None = None) -> ChannelRef:
    return ChannelRef("discord", str(channel or world.channel), str(world.guild))


def received(world: World, event: str, message_id: str) -> list[str]:
    """The content of each `event` of the message that the fake sent the bot."""
    return [f["d"]["content"] for s in world.fake.sessions.values() for f in s.buffer
            if f.get("t") == event and f["d"]["id"] == message_id]


async def test_without_the_option_no_text_reaches_the_core(harness: Harness, world: World) -> None:
    fake, u = world.fake, world.users
    fake.app_flags |= GATEWAY_MESSAGE_CONTENT_LIMITED  # enabled in the portal, but not asked for
    probe.SEEN.clear()
    probe.CHANGED.clear()
    bot, adapter = await harness.start(PROBE)
    [identify] = fake.identifies
    assert not int(identify["intents"]) & INTENT_MESSAGE_CONTENT
    plain = fake.user_message(world.channel, u["alice"], "you never listen")
    # Discord sends the text of a message that mentions the bot even without the intent.
    pinged = fake.user_message(world.channel, u["bob"], f"<@{fake.bot_id}> you are wrong",
                               reply_to=int(plain["id"]))
    await fake.wait_for(lambda: len(probe.SEEN) == 2, what="two messages seen")
    fake.people.edit(int(pinged["id"]), f"<@{fake.bot_id}> you are so wrong", by=u["bob"])
    await fake.wait_for(lambda: len(probe.CHANGED) == 1, what="bob's edit")
    await delivered(fake, bot, adapter)
    assert received(world, "MESSAGE_CREATE", plain["id"]) == [""]
    assert received(world, "MESSAGE_CREATE", pinged["id"]) == [f"<@{fake.bot_id}> you are wrong"]
    assert received(world, "MESSAGE_UPDATE", pinged["id"]) == [f"<@{fake.bot_id}> you are so wrong"]
    assert [e.text for e in probe.SEEN] == [None, None]
    assert probe.CHANGED == [MessageEdited(here(world), UserRef("discord", str(u["bob"])), pinged["id"], None)]


async def test_with_the_option_text_reaches_the_core_and_is_never_logged(
        harness: Harness, world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake, u = world.fake, world.users
    fake.app_flags |= GATEWAY_MESSAGE_CONTENT_LIMITED
    probe.SEEN.clear()
    probe.CHANGED.clear()
    bot, adapter = await harness.start(PROBE, message_content=True)
    [identify] = fake.identifies
    assert int(identify["intents"]) & INTENT_MESSAGE_CONTENT
    first = fake.user_message(world.channel, u["alice"], "you clearly never read the rules")
    second = fake.user_message(world.channel, u["bob"], "stop twisting what I said", reply_to=int(first["id"]))
    await fake.wait_for(lambda: len(probe.SEEN) == 2, what="two messages seen")
    fake.people.edit(int(second["id"]), "fine, maybe I misread them", by=u["bob"])
    fake.people.unfurl(int(first["id"]), "https://example.org/rules")  # no edit: not passed on
    await fake.wait_for(lambda: len(probe.CHANGED) == 1, what="bob's edit")
    await delivered(fake, bot, adapter)
    assert [e.text for e in probe.SEEN] == ["you clearly never read the rules", "stop twisting what I said"]
    assert probe.SEEN[1].reply_to_user == UserRef("discord", str(u["alice"]))
    assert probe.CHANGED == [MessageEdited(here(world), UserRef("discord", str(u["bob"])), second["id"],
                                           "fine, maybe I misread them")]
    for words in ("never read the rules", "twisting", "misread"):
        assert not [r for r in caplog.records if words in r.getMessage()]


async def test_offline_auto_reads_the_text_of_a_heated_exchange_only_with_the_option(
        harness: Harness, world: World) -> None:
    fake, u = world.fake, world.users
    fake.app_flags |= GATEWAY_MESSAGE_CONTENT_LIMITED
    # The bot's clock at the time of the fake's snowflakes, so the exchange is a recent one.
    at = discord.utils.snowflake_time(fake.snowflake())
    blind_channel, reading_channel = world.channel, fake.add_channel(world.guild, "park")

    async def exchange(channel: int, message_content: bool) -> list[str]:
        bot, adapter = await harness.start(OFFLINE, clock=ManualClock(at + timedelta(seconds=1)),
                                           message_content=message_content)
        await bot.settings.set(here(world).space, "offline.auto", "on")
        last: dict[str, str] = {}
        for who, said in HEATED:
            other = last.get("bob" if who == "alice" else "alice")
            msg = fake.user_message(channel, u[who], said, reply_to=int(other) if other else None)
            last[who] = msg["id"]
            await delivered(fake, bot, adapter)
        await harness.stop(bot)
        return [message_text(m) for m in fake.channel_messages(channel)]

    # The same exchange, metadata only (what Discord sends without the intent): no prompt.
    assert await exchange(blind_channel, message_content=False) == []
    # Read with its text, it heats up: the bot speaks up, naming people, never quoting them.
    [prompt] = await exchange(reading_channel, message_content=True)
    assert "Take it offline" in prompt
    assert f"<@{u['alice']}>" in prompt and f"<@{u['bob']}>" in prompt
    assert not any(said in prompt for _, said in HEATED)


async def test_a_refused_intent_says_to_enable_it_or_set_the_option_false(harness: Harness,
                                                                          world: World) -> None:
    assert world.fake.app_flags == 0  # a new application: no privileged intent enabled
    with pytest.raises(RuntimeError) as e:
        await harness.start(PROBE, message_content=True)
    assert isinstance(e.value.__cause__, discord.PrivilegedIntentsRequired)
    said = str(e.value)
    assert "message_content = true" in said and "developer portal" in said
    assert "message_content = false" in said
    assert "needs no privileged intents" not in said
    # Without the option the same application starts: logoff asks for no privileged intent.
    await harness.start(PROBE)


async def test_logoff_run_says_what_to_enable_and_exits_4(world: World, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    fake = world.fake
    config = tmp_path / "config.toml"
    config.write_text(f'[bot]\ndatabase = "{tmp_path / "run.db"}"\n\n[discord]\n'
                      f'token_env = "LOGOFF_TEST_DISCORD_TOKEN"\napi_base = "{fake.api_base}"\n'
                      f'gateway_url = "{fake.gateway_url}"\nmessage_content = true\n', encoding="utf-8")
    assert await cli.run(str(config)) == 4
    said = capsys.readouterr().err
    assert "Discord refused the Message Content intent" in said and "developer portal" in said
    assert "message_content = false" in said and "Traceback" not in said


def test_the_fake_reads_content_as_discord_does() -> None:
    """The fake's rule itself, for what the bot never receives (DMs need an intent it does not
    ask for): without the intent only the app's own messages, DMs and mentions of it keep their
    content, also as a reply's `referenced_message`."""
    bot, alice = {"id": "1"}, {"id": "2"}

    def msg(author: dict[str, str], content: str, **more: object) -> dict[str, object]:
        return {"id": "9", "author": author, "content": content, "embeds": [{"title": content}],
                "attachments": [], "components": [], "mentions": [], "guild_id": "5", **more}

    seen = lambda m: as_received(m, 1 << 9, "1")["content"]  # noqa: E731
    assert seen(msg(alice, "hi")) == ""
    assert as_received(msg(alice, "hi"), 1 << 9, "1")["embeds"] == []
    assert seen(msg(alice, "hi", guild_id=None)) == "hi"
    assert seen(msg(alice, "<@1> hi", mentions=[bot])) == "<@1> hi"
    assert seen(msg(bot, "a card")) == "a card"
    assert as_received(msg(alice, "hi"), (1 << 9) | INTENT_MESSAGE_CONTENT, "1")["content"] == "hi"
    reply = as_received(msg(bot, "ok", referenced_message=msg(alice, "hi")), 1 << 9, "1")
    assert reply["content"] == "ok" and reply["referenced_message"]["content"] == ""
