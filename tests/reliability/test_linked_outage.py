"""Linked spaces while the database is away (PRODUCT.md "Linked spaces", "Running at scale"):
a command that reads no time does not need the links, so `help` still answers; once the
database is back, a time in a linked space is still read knowing the linked zones."""

from __future__ import annotations

import pytest

from bot.app import build_bot
from bot.clock import ManualClock
from bot.testing import FakeAdapter
from tests.pg_harness import Postgres
from tests.reliability.reliability_kit import START
from tests.unit.linking import link

pytestmark = pytest.mark.integration


async def test_help_answers_while_the_database_is_away_in_a_linked_space(postgres: Postgres,
                                                                          pg_url: str) -> None:
    bot = await build_bot(pg_url, clock=ManualClock(START))
    manila = FakeAdapter("alpha", space="guild", channel="general")
    berlin = FakeAdapter("beta", space="room", channel="room")
    bot.add_adapter(manila)
    bot.add_adapter(berlin)
    await bot.start()
    try:
        await manila.invoke("!config set timezone Asia/Manila", "moda", mod=True)
        await berlin.invoke("!config set timezone Europe/Berlin", "modb", mod=True)
        await link(manila, berlin)
        [before] = await berlin.invoke("!help")
        postgres.stop()
        try:
            [during] = await berlin.invoke("!help")
            assert during.text == before.text and not during.text.startswith("⚠️"), during.text
            [away] = await berlin.invoke('!event create Meet when="sat 17:00 PST"')
            assert away.text.startswith("⚠️ I can't reach my database"), away.text
        finally:
            postgres.start()
        [refused] = await berlin.invoke('!event create Meet when="sat 17:00 PST"')
        assert refused.text.startswith("⚠️"), refused.text
        assert "Asia/Manila" in refused.text and "America/Los_Angeles" in refused.text, refused.text
        assert await bot.db.fetchall("SELECT id FROM events") == []
    finally:
        await bot.stop()
