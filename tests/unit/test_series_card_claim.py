"""The card of an occurrence made by an edit of its series (PRODUCT.md "Recurring meetups"):
claimed before it is posted (`events.card_posted`), so a process that dies holding the claim
leaves a job of its own that posts it once the claim lapses, after a restart too, not only
the series' next job weeks later, and never twice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import build_bot
from bot.testing import FakeAdapter, Sent

from .test_series_split_merge import Died, cards_of

SETUP = ("!config set reminders off", "!config set events.followup off",
         '!event create Book club when="2026-11-24 18:30" repeat=monthly')


@pytest.mark.parametrize("edit, title", [
    ("!event edit 1 title=Readers series", "Readers"),
    # A new time of day splits the series: the occurrence made, then moved to the new series,
    # is found there by the job that posts it.
    ('!event edit 1 when="2026-12-22 19:30" series', "Book club"),
])
async def test_a_card_an_edit_died_posting_is_posted_once_after_the_restart(  # type: ignore[no-untyped-def]
        databases, clock, edit: str, title: str) -> None:
    async def dies(sent: Sent) -> None:
        if sent.text.startswith(f"📅 {title} #2"):
            raise Died

    first, fake = await build_bot(databases(), clock=clock), FakeAdapter()
    first.add_adapter(fake)
    await first.start()
    try:
        for cmd in SETUP:
            await fake.invoke(cmd, mod=True)
        # On Fri 27 Nov the first is over and the next (Tue 22 Dec) is not posted yet.
        await first.scheduler.advance(timedelta(days=4))
        fake.on_recorded = dies  # type: ignore[method-assign]
        with pytest.raises(Died):  # the edit makes #2, claims its card and dies sending it
            await fake.invoke(edit, mod=True)
    finally:
        await first.stop()
    assert [tuple(r) for r in await _posted(databases, clock)] == [(1, 1), (2, 2)]
    again, back = await build_bot(databases(), clock=clock), FakeAdapter()
    again.add_adapter(back)
    await again.start()
    try:
        await again.scheduler.advance(timedelta(minutes=10))
        await again.scheduler.take_over()  # on a shared database, a sweep takes what is overdue
        await again.scheduler.taking.idle()
        assert len(cards_of(back, 2)) == 1, [m.text for m in back.log]
        assert title in cards_of(back, 2)[0]
        # and not again: neither the job nor the series' next one posts it a second time
        await again.scheduler.advance(timedelta(days=30))
        assert len(cards_of(back, 2)) == 1, [m.text for m in back.log]
        posted = await again.db.fetchall("SELECT id, card_posted FROM events ORDER BY id")
        assert [tuple(r) for r in posted][:2] == [(1, 1), (2, 1)]
    finally:
        await again.stop()


async def _posted(databases, clock) -> list:  # type: ignore[no-untyped-def]
    """card_posted of each event as the dead process left it: 2 for a claim held."""
    look = await build_bot(databases(), clock=clock)
    try:
        rows = await look.db.fetchall("SELECT id, card_posted FROM events ORDER BY id")
        return [(r[0], min(int(r[1]), 2)) for r in rows]
    finally:
        await look.db.close()


async def test_an_edit_that_posts_its_card_leaves_nothing_to_post_again(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    for cmd in SETUP:
        await fake.invoke(cmd, mod=True)
    await bot.scheduler.advance(timedelta(days=4))
    await fake.invoke("!event edit 1 title=Readers series", mod=True)
    assert len(cards_of(fake, 2)) == 1
    await bot.scheduler.advance(timedelta(days=30))
    assert len(cards_of(fake, 2)) == 1, [m.text for m in fake.log]
    left = await bot.db.fetchall("SELECT key FROM jobs WHERE state='pending' AND key LIKE 'series:%:cards'")
    assert left == []
