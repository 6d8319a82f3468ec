"""Fixtures: a FakeDiscord on loopback with one server, and a real bot + adapter on it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from tests.discord_fake import MANAGE_EVENTS, MANAGE_GUILD, FakeDiscord
from tests.discord_fake.harness import TOKEN_ENV, Harness, World


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


@pytest.fixture
def engine() -> str:
    """SQLite here; the tests that also run on PostgreSQL say so (parametrize "engine")."""
    return "sqlite"


@pytest.fixture
async def harness(world: World, tmp_path: Path, databases: Callable[[str], str]) -> AsyncIterator[Harness]:
    h = Harness(world, tmp_path)
    h.db = databases("logoff.db")
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
