"""Fixtures for the Matrix adapter tests: one real Synapse per session, fresh accounts and
rooms per test, and a bot runner that can stop and start the bot on the same database."""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from tests.matrix_harness import BotRunner, HumanFactory, Synapse
from tests.matrix_harness.crypto import CryptoHuman
from tests.matrix_harness.faulty import FaultyProxy

MakeCryptoHuman = Callable[[str], CryptoHuman]

# The session's Synapse (`synapse` fixture) lives in tests/conftest.py, shared with the
# contract tests.


class _ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("adapters.matrix", "bot")):
            self.records.append(record)


@pytest.fixture(autouse=True)
def matrix_no_error_logs(request: pytest.FixtureRequest) -> Iterator[_ErrorLog]:
    """An ERROR from the adapter or the core fails the test, even if the outcome looked fine
    (unless the test is marked `allow_errors`)."""
    handler = _ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
    if handler.records and not request.node.get_closest_marker("allow_errors"):
        fmt = logging.Formatter("%(name)s: %(message)s")
        lines = [fmt.format(r) for r in handler.records]
        pytest.fail("ERROR logged:\n" + "\n".join(lines))


@pytest.fixture
async def humans(synapse: Synapse) -> AsyncIterator[HumanFactory]:
    factory = HumanFactory(synapse)
    try:
        yield factory
    finally:
        for h in factory.made:
            await h.close()


@pytest.fixture
async def crypto_humans(synapse: Synapse, tmp_path: Path) -> AsyncIterator[MakeCryptoHuman]:
    """Human users whose clients encrypt like Element's, each with its own olm store."""
    made: list[CryptoHuman] = []

    def make(name: str) -> CryptoHuman:
        account = synapse.register(f"{name}{uuid.uuid4().hex[:10]}")
        h = CryptoHuman(synapse.url, account, tmp_path / f"store-{account.localpart}")
        made.append(h)
        return h

    try:
        yield make
    finally:
        for h in made:
            await h.close()


@pytest.fixture
def engine() -> str:
    """SQLite here; the tests that also run on PostgreSQL say so (parametrize "engine")."""
    return "sqlite"


@pytest.fixture
async def runner(synapse: Synapse, tmp_path: Path, engine: str, databases: Callable[[str], str],
                 monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[BotRunner]:
    if engine == "sqlite":
        r = BotRunner(synapse, tmp_path / "t.db", monkeypatch)
    else:
        r = BotRunner(synapse, databases("t.db"), monkeypatch, key_store=tmp_path / "keys")
    try:
        yield r
    finally:
        await r.stop()


@pytest.fixture
async def proxy(runner: BotRunner, synapse: Synapse) -> AsyncIterator[FaultyProxy]:
    """A proxy in front of Synapse for the bot (tests/matrix_harness/faulty.py)."""
    p = FaultyProxy(synapse.url)
    await p.start()
    config = runner.config
    runner.config = lambda: dataclasses.replace(config(), homeserver=p.url)  # type: ignore[method-assign]
    try:
        yield p
    finally:
        p.release()
        await runner.stop()
        await p.stop()
