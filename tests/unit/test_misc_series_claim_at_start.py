"""A series' next card claimed by a process that died before sending it (`events.card_posted`)
was posted only once that claim lapsed, minutes after the restart. On the embedded store one
process runs the bot, so a claim older than this start is a dead run's: it is posted at start."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import build_bot
from bot.clock import ManualClock
from bot.testing import FakeAdapter, Sent

from .test_series_card_claim import SETUP
from .test_series_split_merge import Died, cards_of


async def test_a_card_a_dead_run_held_is_posted_at_the_next_start(tmp_path: Path, clock: ManualClock) -> None:
    async def dies(sent: Sent) -> None:
        if sent.text.startswith("📅 Readers #2"):
            raise Died

    where = str(tmp_path / "l.db")
    first, fake = await build_bot(where, clock=clock), FakeAdapter()
    first.add_adapter(fake)
    await first.start()
    try:
        for cmd in SETUP:
            await fake.invoke(cmd, mod=True)
        await first.scheduler.advance(timedelta(days=4))
        fake.on_recorded = dies  # type: ignore[method-assign]
        with pytest.raises(Died):  # the edit makes #2, claims its card and dies sending it
            await fake.invoke("!event edit 1 title=Readers series", mod=True)
    finally:
        await first.stop()
    clock.advance(timedelta(seconds=20))  # the restart: well inside the claim's lease
    again, back = await build_bot(where, clock=clock), FakeAdapter()
    again.add_adapter(back)
    await again.start()
    try:
        await again.settle()
        assert len(cards_of(back, 2)) == 1, [m.text for m in back.log]
        # and not again once the old claim would have lapsed
        await again.scheduler.advance(timedelta(days=30))
        assert len(cards_of(back, 2)) == 1, [m.text for m in back.log]
        left = await again.db.fetchall("SELECT key FROM jobs WHERE state='pending' AND key LIKE 'series:%:cards'")
        assert left == []
    finally:
        await again.stop()
