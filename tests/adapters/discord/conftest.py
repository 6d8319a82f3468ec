"""Fixtures: a FakeDiscord on loopback with one server, and a real bot + adapter on it.

`tests/` goes on sys.path (appended, so the real `adapters` package still wins) to make
the fake importable as `discord_fake` without a tests/__init__.py.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

TESTS = str(Path(__file__).resolve().parents[2])
if TESTS not in sys.path:
    sys.path.append(TESTS)

from discord_fake import MANAGE_EVENTS, MANAGE_GUILD, FakeDiscord  # noqa: E402

from adapters.discord import DiscordAdapter, DiscordConfig  # noqa: E402
from bot.app import Bot, build_bot  # noqa: E402
from bot.clock import Clock, ManualClock  # noqa: E402

TOKEN_ENV = "LOGOFF_TEST_DISCORD_TOKEN"


@dataclass
class World:
    fake: FakeDiscord
    guild: int
    channel: int
    users: dict[str, int] = field(default_factory=dict)

    def config(self) -> DiscordConfig:
        return DiscordConfig(token_env=TOKEN_ENV, api_base=self.fake.api_base, gateway_url=self.fake.gateway_url)


@pytest.fixture
async def world(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[World]:
    fake = FakeDiscord(token="sekrit-token-for-tests")
    monkeypatch.setenv(TOKEN_ENV, fake.token)
    await fake.start()
    guild = fake.add_guild("Hikers")
    channel = fake.add_channel(guild, "general")
    mod_role = fake.add_role(guild, "mods", MANAGE_GUILD)
    w = World(fake, guild, channel)
    w.users["alice"] = fake.add_member(guild, "alice")
    w.users["bob"] = fake.add_member(guild, "bob")
    w.users["carol"] = fake.add_member(guild, "carol")
    w.users["mod"] = fake.add_member(guild, "mod", roles=[mod_role])
    # Manage Events granted only through this channel's overwrite for a role.
    events_role = fake.add_role(guild, "organisers", 0)
    w.users["organiser"] = fake.add_member(guild, "organiser", roles=[events_role])
    fake.set_overwrite(channel, events_role, allow=MANAGE_EVENTS)
    try:
        yield w
    finally:
        await fake.stop()
    assert fake.unhandled == [], f"the fake got requests it does not handle: {fake.unhandled}"


class Harness:
    """Builds, starts and stops bots against the world; stops whatever is left at the end."""

    def __init__(self, world: World, tmp_path: Path) -> None:
        self.world = world
        self.db = str(tmp_path / "logoff.db")
        self.running: list[Bot] = []

    async def start(self, extensions: Sequence[str] = ("cogs.admin",), *, clock: Clock | None = None,
                    defer_after: float = 2.0) -> tuple[Bot, DiscordAdapter]:
        bot = await build_bot(self.db, clock=clock or ManualClock(), extensions=extensions)
        adapter = DiscordAdapter(self.world.config(), guild_ready_timeout=0.05, defer_after=defer_after,
                                 ready_timeout=10)
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
    sent = max((s.seq for s in fake.sessions.values()), default=0)

    def read() -> int:
        ws = adapter.client.ws if adapter.client is not None else None
        return (ws.sequence or 0) if ws is not None else 0

    while read() < sent or adapter._lanes:
        if loop.time() > end:
            raise AssertionError(f"events up to seq {sent} not handled within {wait_s}s")
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.01)  # discord.py runs each handler in a task of its own
    await bot.cards.idle()
    await fake.quiet(0.03)


@pytest.fixture
async def harness(world: World, tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness(world, tmp_path)
    try:
        yield h
    finally:
        await h.close()


@pytest.fixture(autouse=True)
def no_error_logs(caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest) -> Iterator[None]:
    """Exceptions in discord.py event handlers (and in the bot's) are only logged: a test
    passes only if nothing was logged at ERROR, unless it declares what it expects."""
    caplog.set_level(logging.INFO)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    yield
    allowed: tuple[str, ...] = ()
    marker = request.node.get_closest_marker("allow_errors")
    if marker is not None:
        allowed = tuple(marker.args)
    errors = [r for r in caplog.get_records("call") + caplog.get_records("teardown")
              if r.levelno >= logging.ERROR and not any(a in r.getMessage() for a in allowed)]
    assert not errors, "ERROR log records: " + "; ".join(
        f"{r.name}: {r.getMessage()} {r.exc_text or ''}" for r in errors)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allow_errors(*substrings): ERROR records these tests expect")
