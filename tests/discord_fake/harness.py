"""Driving the real bot with the real Discord adapter against the fake: the world (one
server with members and roles) and a harness that starts and stops bots in it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord

from adapters.discord import DiscordAdapter, DiscordConfig
from bot.app import Bot, build_bot
from bot.clock import Clock, ManualClock

from .server import FakeDiscord

TOKEN_ENV = "LOGOFF_TEST_DISCORD_TOKEN"


@dataclass
class World:
    fake: FakeDiscord
    guild: int
    channel: int
    users: dict[str, int] = field(default_factory=dict)

    def config(self, shard_count: int | None = None, shards: tuple[int, ...] | None = None,
               message_content: bool = False) -> DiscordConfig:
        return DiscordConfig(token_env=TOKEN_ENV, api_base=self.fake.api_base, gateway_url=self.fake.gateway_url,
                             shard_count=shard_count, shards=shards, message_content=message_content)


class Harness:
    """Builds, starts and stops bots against the world; stops whatever is left at the end."""

    def __init__(self, world: World, tmp_path: Path) -> None:
        self.world = world
        self.db = str(tmp_path / "logoff.db")
        self.running: list[Bot] = []

    async def start(self, extensions: Sequence[str] = ("cogs.admin",), *, clock: Clock | None = None,
                    defer_after: float = 2.0, shard_count: int | None = None,
                    shards: tuple[int, ...] | None = None,
                    message_content: bool = False) -> tuple[Bot, DiscordAdapter]:
        bot = await build_bot(self.db, clock=clock or ManualClock(), extensions=extensions)
        # The fake takes IDENTIFYs as fast as they come; Discord's 5 s between them would only
        # slow the tests down.
        adapter = DiscordAdapter(self.world.config(shard_count, shards, message_content), guild_ready_timeout=0.05,
                                 defer_after=defer_after, ready_timeout=10, identify_interval=0.0)
        bot.add_adapter(adapter)
        try:
            await bot.start()
        except BaseException:
            await bot.stop()
            raise
        self.running.append(bot)
        return bot, adapter

    async def stop(self, bot: Bot) -> None:
        self.running.remove(bot)
        await bot.stop()

    async def close(self) -> None:
        for bot in list(self.running):
            await self.stop(bot)


async def delivered(fake: FakeDiscord, bot: Bot, adapter: DiscordAdapter,
                    wait_s: float = 5.0) -> None:
    """Wait until discord.py has read every gateway event the fake has sent and the bot has
    done what they set off: reaction lanes drained, card edits made, REST quiet."""
    loop = asyncio.get_running_loop()
    end = loop.time() + wait_s
    sent = {s.shard[0]: s.seq for s in fake.sessions.values()}

    def read(shard: int) -> int:
        client = adapter.client
        if client is None:
            return 0
        if isinstance(client, discord.AutoShardedClient):
            info = client.get_shard(shard)
            ws = info._parent.ws if info is not None else None  # the shard's own socket
        else:
            ws = client.ws
        return (ws.sequence or 0) if ws is not None else 0

    client = adapter.client
    mine: set[int] = {0}
    if isinstance(client, discord.AutoShardedClient) and client.shard_count:
        mine = set(client.shard_ids or range(client.shard_count))

    def behind() -> bool:
        return any(read(shard) < seq for shard, seq in sent.items() if seq and shard in mine)

    while behind() or adapter.lanes.busy:
        if loop.time() > end:
            raise AssertionError(f"events up to seq {sent} (by shard) not handled within {wait_s}s")
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.01)  # discord.py runs each handler in a task of its own
    await bot.cards.idle()
    await fake.quiet(0.03)


def emit(fake: FakeDiscord, event: str, data: dict[str, Any]) -> None:
    """A raw dispatch to every session, whatever its ids say (a forged or broken one that
    `FakeDiscord.dispatch` would not route)."""
    for s in fake.sessions.values():
        fake._emit(s, {"op": 0, "t": event, "d": data})


def delete_channel(fake: FakeDiscord, channel_id: int) -> None:
    """A moderator deletes a guild text channel: gone (10003 Unknown Channel), CHANNEL_DELETE."""
    ch = fake.channels.pop(channel_id)
    for msg in fake.messages.values():  # they go with it, and Discord sends no MESSAGE_DELETE for them
        if msg["channel_id"] == ch["id"]:
            msg["_deleted"] = True
    guild = fake.guilds[int(ch["guild_id"])]
    guild["channels"] = [c for c in guild["channels"] if c["id"] != ch["id"]]
    fake.dispatch("CHANNEL_DELETE", dict(ch))
