"""A series' later card is shared into the linked space by jobs written with the mark that
the card is posted: a process stopped between the two no longer leaves the card posted in its
own space and never in the linked one."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.app import build_bot
from bot.clock import ManualClock
from bot.model import MessageRef
from bot.testing import FakeAdapter, Sent
from tests.unit.linking import link
from tests.unit.test_series_split_merge import Died


def pair() -> tuple[FakeAdapter, FakeAdapter]:
    return FakeAdapter("alpha", space="guild", channel="general"), FakeAdapter("beta", space="room", channel="room")


@pytest.mark.parametrize("dies_at", ["the linked card", "the own card's track"])
async def test_a_stop_before_a_series_card_is_shared_leaves_it_to_be_shared_once(
        databases: Callable[..., str], clock: ManualClock, dies_at: str) -> None:
    where = databases("l.db")
    bot = await build_bot(where, clock=clock)
    a, b = pair()
    bot.add_adapter(a)
    bot.add_adapter(b)
    await bot.start()
    try:
        await link(a, b)
        await a.invoke("!config set reminders off", "moda", mod=True)

        async def dies(sent: Sent) -> None:
            if sent.text.startswith("📅 Meet #2"):
                raise Died

        if dies_at == "the linked card":
            b.on_recorded = dies  # type: ignore[method-assign]
        else:
            real = bot.track

            async def dies_tracking(message: MessageRef, cog: str, kind: str, object_id: int) -> None:
                # right after the own card is marked posted
                if any(s.ref == message and s.text.startswith("📅 Meet #2") for s in a.log):
                    raise Died
                await real(message, cog, kind, object_id)

            bot.track = dies_tracking  # type: ignore[method-assign]
        with pytest.raises(Died):
            await a.invoke('!event create Meet when="2026-11-24 19:00" repeat=weekly', "moda", mod=True)
    finally:
        await bot.stop()
    assert not [s for s in b.log if s.text.startswith("📅 Meet #2")]
    clock.advance(timedelta(minutes=10))
    again = await build_bot(where, clock=clock)
    a2, b2 = pair()
    again.add_adapter(a2)
    again.add_adapter(b2)
    await again.start()
    try:
        await again.advance(timedelta(minutes=30))
        assert len([s for s in a.log + a2.log if s.text.startswith("📅 Meet #2")]) == 1
        assert len([s for s in b2.log if s.text.startswith("📅 Meet #2")]) == 1, "the linked space gets it once"
    finally:
        await again.stop()
