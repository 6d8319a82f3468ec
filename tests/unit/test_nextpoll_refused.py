"""The own channel (a thread locked for now) refuses the next-one poll's card: the follow-up
goes on with no poll, and the poll made before the refusal is discarded (closed, its close job
cancelled), so once the thread is unlocked no results of a poll nobody saw are said there."""

from __future__ import annotations

from datetime import timedelta

from bot.adapter import DestinationClosed
from bot.app import Bot
from tests.unit.test_closed_own_channel import jobs, linked_quiz


async def test_a_refused_next_one_poll_is_discarded_and_says_no_results(bot: Bot) -> None:
    a, b = await linked_quiz(bot, DestinationClosed)
    a.locked = lambda text: True  # the thread is locked at the follow-up
    await bot.scheduler.advance(timedelta(days=3, hours=12))
    assert len(b.containing("Thanks for coming to Quiz #1")) == 1
    assert not a.containing("Next Quiz")
    polls = await bot.db.fetchall("SELECT closed_at FROM polls")
    assert [r[0] is not None for r in polls] == [True]  # closed at once
    assert await jobs(bot, "poll.close") == [("cancelled", 0)]
    a.locked = lambda text: False  # a moderator unlocks it
    await bot.scheduler.advance(timedelta(days=8))
    assert not a.containing("No votes") and not a.containing("Next Quiz")
    assert not b.containing("No votes") and not b.containing("Next Quiz")
