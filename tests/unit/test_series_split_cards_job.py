"""An edit of a series to a new time of day that makes its next occurrence (made, then moved to
the new series the split starts) dies sending that occurrence's card: the job that posts it
must find it in the series it moved to, so the card is posted after the restart, once."""
from datetime import timedelta

import pytest

from bot.app import build_bot
from bot.testing import FakeAdapter, Sent
from tests.unit.test_series_split_merge import Died, cards_of

SETUP = ("!config set reminders off", "!config set events.followup off",
         '!event create Book club when="2026-11-24 18:30" repeat=monthly')


async def test_split_edit_died_posting_card_is_posted_after_restart(databases, clock) -> None:  # type: ignore[no-untyped-def]
    async def dies(sent: Sent) -> None:
        if sent.text.startswith("📅 Book club #2"):
            raise Died

    first, fake = await build_bot(databases(), clock=clock), FakeAdapter()
    first.add_adapter(fake)
    await first.start()
    try:
        for cmd in SETUP:
            await fake.invoke(cmd, mod=True)
        await first.scheduler.advance(timedelta(days=4))
        fake.on_recorded = dies  # type: ignore[method-assign]
        with pytest.raises(Died):
            await fake.invoke('!event edit 1 when="2026-12-22 19:30" series', mod=True)
    finally:
        await first.stop()
    again, back = await build_bot(databases(), clock=clock), FakeAdapter()
    again.add_adapter(back)
    await again.start()
    try:
        jobs = await again.db.fetchall("SELECT key, state FROM jobs WHERE key LIKE 'series:%'")
        ev = await again.db.fetchall("SELECT id, series_id, card_posted FROM events ORDER BY id")
        await again.scheduler.advance(timedelta(minutes=10))
        await again.scheduler.take_over()
        await again.scheduler.taking.idle()
        await again.scheduler.advance(timedelta(days=30))  # past #2 (22 Dec)
        assert len(cards_of(back, 2)) == 1, ([tuple(j) for j in jobs], [tuple(e) for e in ev],
                                             [m.text[:60] for m in back.log])
    finally:
        await again.stop()
