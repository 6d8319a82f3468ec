"""One scenario, every platform: the FakeAdapter, Discord (real discord.py against the
fake Discord server) and Matrix (real nio against a real Synapse) must agree on what a
community sees. If the fake drifts from the real adapters, this is where it shows.

Scenario: a hostile title is shown literally; RSVPs by reaction fill a capacity of 1;
the second person waits; when the first leaves, the second is promoted and only they
are pinged.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

import pytest

from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.testing import FakeAdapter

TITLE = "@everyone <b>Board</b> games **now**"
NAMES = ("alice", "bob", "carol")


class Driver(Protocol):
    async def command(self, user: str, line: str) -> None: ...
    async def card(self, needle: str) -> str: ...
    async def react(self, user: str, card: str, emoji: str, added: bool = True) -> None: ...
    async def text(self, card: str) -> str: ...
    async def pinged_by(self, needle: str) -> set[str]: ...


async def eventually(check: Callable[[], Awaitable[Any]], what: str, within: float = 20) -> Any:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


# --- the fake ------------------------------------------------------------------------------


class FakeDriver:
    def __init__(self, bot: Bot, fake: FakeAdapter) -> None:
        self.bot, self.fake = bot, fake

    async def command(self, user: str, line: str) -> None:
        await self.fake.invoke(line, user)

    async def card(self, needle: str) -> str:
        return self.fake.containing(needle)[-1].id

    async def react(self, user: str, card: str, emoji: str, added: bool = True) -> None:
        await self.fake.react(card, emoji, user, added=added)

    async def text(self, card: str) -> str:
        return self.fake.messages[card].text

    async def pinged_by(self, needle: str) -> set[str]:
        [sent] = self.fake.containing(needle)
        return {u.id for u in sent.out.mentions}


@pytest.fixture
async def fake_driver(tmp_path) -> AsyncIterator[FakeDriver]:  # type: ignore[no-untyped-def]
    bot = await build_bot(str(tmp_path / "f.db"), clock=ManualClock())
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    yield FakeDriver(bot, fake)
    await bot.stop()


# --- Discord ------------------------------------------------------------------------------


class DiscordDriver:
    def __init__(self, bot: Bot, server: Any, channel: int, users: dict[str, int]) -> None:
        self.bot, self.server, self.channel, self.users = bot, server, channel, users

    async def command(self, user: str, line: str) -> None:
        spec, raw = self.bot.commands.resolve(line.lstrip("!/"))
        options = {k: int(v) if spec.option(k).kind == "int" else v for k, v in raw.items()}  # type: ignore[union-attr]
        await self.server.send_interaction(spec.name, options, user=self.users[user], channel=self.channel)

    async def card(self, needle: str) -> str:
        from tests.discord_fake import message_text

        msgs = [m for m in self.server.channel_messages(self.channel) if needle in message_text(m)]
        return str(msgs[-1]["id"])

    async def react(self, user: str, card: str, emoji: str, added: bool = True) -> None:
        act = self.server.add_reaction if added else self.server.remove_reaction
        act(int(card), emoji, self.users[user])
        await self.server.quiet()
        await self.bot.cards.idle()

    async def text(self, card: str) -> str:
        from tests.discord_fake import message_text

        return message_text(self.server.messages[int(card)])

    async def pinged_by(self, needle: str) -> set[str]:
        from tests.discord_fake import message_text

        [msg] = [m for m in self.server.channel_messages(self.channel) if needle in message_text(m)]
        ids = {int(u["id"]) for u in msg["mentions"]}
        assert not msg["mention_everyone"]
        return {name for name, uid in self.users.items() if uid in ids}


@pytest.fixture
async def discord_driver(tmp_path, monkeypatch) -> AsyncIterator[DiscordDriver]:  # type: ignore[no-untyped-def]
    from adapters.discord import DiscordAdapter, DiscordConfig
    from tests.discord_fake import FakeDiscord

    server = FakeDiscord(token="contract-token")
    monkeypatch.setenv("LOGOFF_CONTRACT_TOKEN", server.token)
    await server.start()
    guild = server.add_guild("Contract")
    channel = server.add_channel(guild, "general")
    users = {name: server.add_member(guild, name) for name in NAMES}
    bot = await build_bot(str(tmp_path / "d.db"), clock=ManualClock())
    bot.add_adapter(DiscordAdapter(DiscordConfig("LOGOFF_CONTRACT_TOKEN", server.api_base, server.gateway_url),
                                   guild_ready_timeout=0.05, ready_timeout=10))
    await bot.start()
    try:
        yield DiscordDriver(bot, server, channel, users)
    finally:
        await bot.stop()
        await server.stop()
    assert server.unhandled == []


# --- Matrix -------------------------------------------------------------------------------


class MatrixDriver:
    def __init__(self, runner: Any, humans: dict[str, Any], room: str) -> None:
        self.runner, self.humans, self.room = runner, humans, room
        self.reactions: dict[tuple[str, str, str], str] = {}

    async def command(self, user: str, line: str) -> None:
        await self.humans[user].say(self.room, line)

    async def _messages(self) -> list[Any]:
        return await self.humans["alice"].bot_messages(self.room, self.runner.user_id)

    async def card(self, needle: str) -> str:
        async def find() -> str | None:
            return next((m.event_id for m in reversed(await self._messages()) if needle in m.body), None)

        return await eventually(find, f"a bot message with {needle!r}")

    async def react(self, user: str, card: str, emoji: str, added: bool = True) -> None:
        human = self.humans[user]
        if added:
            self.reactions[(user, card, emoji)] = await human.react(self.room, card, emoji)
        else:
            await human.redact(self.room, self.reactions.pop((user, card, emoji)))

    async def text(self, card: str) -> str:
        # What a reader sees: the zero-width space that defuses "@room" is invisible.
        return next(m.body for m in await self._messages() if m.event_id == card).replace("\u200b", "")

    async def pinged_by(self, needle: str) -> set[str]:
        [msg] = [m for m in await self._messages() if needle in m.body]
        ids = set(msg.content["m.mentions"].get("user_ids", []))
        assert not msg.content["m.mentions"].get("room")
        return {name for name, h in self.humans.items() if h.user_id in ids}


@pytest.fixture
async def matrix_driver(synapse, tmp_path, monkeypatch) -> AsyncIterator[MatrixDriver]:  # type: ignore[no-untyped-def]
    from tests.matrix_harness import BotRunner, HumanFactory, room_with

    factory = HumanFactory(synapse)
    runner = BotRunner(synapse, tmp_path / "m.db", monkeypatch)
    humans = {name: factory(name) for name in NAMES}
    try:
        await runner.start()
        room = await room_with(runner, humans["alice"], humans["bob"], humans["carol"])
        yield MatrixDriver(runner, humans, room)
    finally:
        await runner.stop()
        for h in factory.made:
            await h.close()


# --- the scenario ----------------------------------------------------------------------------


@pytest.fixture(params=["fake", "discord", "matrix"])
def driver(request) -> Driver:  # type: ignore[no-untyped-def]
    return request.getfixturevalue(f"{request.param}_driver")


async def until(driver: Driver, card: str, *patterns: str) -> str:
    async def check() -> str | None:
        body = await driver.text(card)
        return body if all(re.search(p, body) for p in patterns) else None

    try:
        return await eventually(check, f"the card to show {patterns}")
    except AssertionError:
        raise AssertionError(f"card never showed {patterns}:\n{await driver.text(card)}") from None


async def test_rsvp_waitlist_and_promotion(driver: Driver) -> None:
    await driver.command("alice", f'!event create "{TITLE}" when="in 72 hours" capacity=1')
    card = await driver.card("#1")
    body = await until(driver, card, r"Going \(0/1\)", r"Maybe \(0\)")
    assert TITLE in body, body

    await driver.react("bob", card, "✅")
    await until(driver, card, r"Going \(1/1\)\n\s*bob")
    await driver.react("carol", card, "✅")
    await until(driver, card, r"Going \(1/1\)\n\s*bob", r"Waitlist \(1\)\n\s*carol")
    await driver.react("alice", card, "🤔")
    await until(driver, card, r"Maybe \(1\)\n\s*alice")

    await driver.react("bob", card, "✅", added=False)
    body = await until(driver, card, r"Going \(1/1\)\n\s*carol", r"Maybe \(1\)")
    assert "Waitlist" not in body
    await driver.card("a spot opened up")
    assert await driver.pinged_by("a spot opened up") == {"carol"}
