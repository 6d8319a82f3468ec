"""Shared fixtures: a real bot on a real SQLite file, a FakeAdapter, a manual clock."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.testing import FakeAdapter

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday



TIERS = ("unit", "integration", "subprocess", "soak")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test gets one tier: `integration` needs a server the tests start (Synapse, the
    fake Discord), `subprocess` starts processes of its own and `soak` runs long (both marked
    where they are), `unit` is the rest, in-process and quick (`pytest -m unit` while editing)."""
    tests = Path(__file__).resolve().parent
    for item in items:
        if any(item.get_closest_marker(t) for t in TIERS):
            continue
        top = item.path.resolve().relative_to(tests).parts[0]
        item.add_marker("integration" if top in ("adapters", "contract") else "unit")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


ENGINES = ("sqlite", "postgresql")


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """The cog and reliability suites run on both stores."""
    return str(request.param)


@pytest.fixture
def databases(request: pytest.FixtureRequest, engine: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Where a test's database `name` lives on this engine: a file in tmp_path, or a fresh
    PostgreSQL database per name (the same name twice is the same database: restarts)."""
    urls: dict[str, str] = {}

    def where(name: str = "logoff.db") -> str:
        if engine == "sqlite":
            return str(tmp_path / name)
        if name not in urls:
            urls[name] = request.getfixturevalue("postgres").fresh_url()
        return urls[name]

    return where


@pytest.fixture
async def bot(databases, clock: ManualClock) -> AsyncIterator[Bot]:  # type: ignore[no-untyped-def]
    b = await build_bot(databases(), clock=clock)
    yield b
    if b.started or b.db.is_open:
        await b.stop()


@pytest.fixture
async def fake(bot: Bot) -> FakeAdapter:
    adapter = FakeAdapter()
    bot.add_adapter(adapter)
    await bot.start()
    return adapter


@pytest.fixture(scope="session")
def synapse():  # type: ignore[no-untyped-def]
    """One real Synapse per test session, started on first use (tests/matrix_harness)."""
    from tests.matrix_harness import Synapse

    server = Synapse()
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def postgres():  # type: ignore[no-untyped-def]
    """One real PostgreSQL per test session, started on first use (tests/pg_harness.py).
    Missing binaries fail the test rather than skip it: CI installs them (.ci/run)."""
    from tests.pg_harness import Postgres

    reason = Postgres.unavailable_reason()
    if reason is not None:
        pytest.fail(f"PostgreSQL is not available: {reason}", pytrace=False)
    server = Postgres()
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def pg_url(postgres) -> str:  # type: ignore[no-untyped-def]
    """A new, empty database of the session's PostgreSQL, for this test alone."""
    return postgres.fresh_url()


@pytest.fixture(autouse=True)
def no_error_logs(request, caplog):
    """A handler exception is only logged by design; make any ERROR fail the test unless
    the test says it expects one."""
    caplog.set_level(logging.WARNING)
    yield
    if request.node.get_closest_marker("allow_errors"):
        return
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert not errors, "unexpected ERROR logs: " + "; ".join(r.getMessage() for r in errors)
