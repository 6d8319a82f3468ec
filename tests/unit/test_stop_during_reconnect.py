"""A database that answers again while the bot is stopping starts no reading of the cards: the
reading would run after its tables were closed, and every live card's reading would fail (a
PostgreSQL commit cut during a command and mended during the stop did exactly that)."""

from __future__ import annotations

import logging

import pytest

from bot.app import Bot
from bot.testing import FakeAdapter


async def test_a_reconnect_during_the_stop_reads_no_card(fake: FakeAdapter, bot: Bot,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    await fake.invoke('!event create Picnic when="tomorrow 7pm"')  # a live card to read
    read: list[str] = []
    fetch = fake.fetch_reactions

    async def reading(message):  # type: ignore[no-untyped-def]
        read.append(message.id)
        return await fetch(message)

    fake.fetch_reactions = reading  # type: ignore[method-assign]
    stop_jobs = bot.scheduler.stop

    async def reconnecting_meanwhile() -> None:
        bot.database_back()  # the connection mended just as the stop began
        await stop_jobs()

    bot.scheduler.stop = reconnecting_meanwhile  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR):
        await bot.stop()
    assert read == []
