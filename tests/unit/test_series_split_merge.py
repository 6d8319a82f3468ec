"""A new time of day for a series from an occurrence before an earlier move or end (PRODUCT.md
"Recurring meetups"): the series that goes on from there keeps the end a cancel with `series`
set, and the fields of the later ones it takes over; a goal is checked only against series
that still make occurrences; an edit that makes the next occurrence posts its card once, also
when the series' own job makes it at the same time, and tells nobody of a "new time" for it."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import build_bot
from bot.testing import FakeAdapter, Sent

from .console_kit import typed
from .test_series_edit_later import weekly_quiz


def posted(out: str, title: str) -> list[str]:
    """The days of the cards of `title` printed for the first time (not edits) in `out`."""
    return re.findall(rf"^\[m\d+\] logoff: 📅 {title} #\d+\n\s+🕒 (\w+ \d+ \w+ \d+)", out, re.M)


@pytest.mark.parametrize("when", ["19:00", "18:00"])  # also earlier than the time it ended at
async def test_a_series_ended_from_a_later_one_stays_ended_after_a_new_time(console, when: str) -> None:  # type: ignore[no-untyped-def]
    bot, adapter = console
    await typed(adapter, *weekly_quiz("20d"))
    assert "✅" in await typed(adapter, "!event cancel 3 series")
    out = await typed(adapter, f'!event edit 2 when="{when}" series')
    assert "✅" in out, out
    later = await typed(adapter, ":wait 40d")
    assert posted(later, "Quiz") == [], later
    states = await bot.db.fetchall("SELECT id, state FROM events ORDER BY id")
    assert [tuple(r) for r in states] == [(1, "active"), (2, "active"), (3, "cancelled")]


@pytest.mark.parametrize("cancelled, live", [(4, [1, 2, 3]), (3, [1, 2])],
                         ids=["from-its-second", "from-its-first"])
async def test_a_moved_series_ended_stays_ended_after_an_earlier_new_time(  # type: ignore[no-untyped-def]
        console, cancelled: int, live: list[int]) -> None:
    bot, adapter = console
    await typed(adapter, *weekly_quiz("30d"))
    assert "✅" in await typed(adapter, '!event edit 3 when="20:00" series')  # #3 on: a series of its own
    assert "✅" in await typed(adapter, f"!event cancel {cancelled} series")
    out = await typed(adapter, '!event edit 2 when="19:00" series')
    assert "✅" in out, out
    later = await typed(adapter, ":wait 40d")
    assert posted(later, "Quiz") == [], later
    rows = await bot.db.fetchall("SELECT id FROM events WHERE state='active' ORDER BY id")
    assert [r[0] for r in rows] == live


async def test_a_new_time_from_before_a_move_keeps_the_moved_ones_fields(console) -> None:  # type: ignore[no-untyped-def]
    _, adapter = console
    await typed(adapter, *weekly_quiz("20d", " capacity=10"))
    assert "✅" in await typed(adapter, '!event edit 3 when="20:00" series')
    assert "✅" in await typed(adapter, "!event edit 3 title=Trivia where=Pub capacity=6 series")
    out = await typed(adapter, '!event edit 2 when="19:00" series')
    assert "✅" in out, out
    later = await typed(adapter, ":wait 14d")
    assert posted(later, "Quiz") == [], later
    assert posted(later, "Trivia") == ["Tue 15 Dec 2026", "Tue 22 Dec 2026"], later
    card = later[later.index("📅 Trivia"):]
    assert "Pub" in card.split("\n[m")[0] and "/6" in card.split("\n[m")[0], card


async def test_a_series_goal_is_not_refused_by_a_series_that_makes_no_more(console) -> None:  # type: ignore[no-untyped-def]
    bot, adapter = console
    await typed(adapter, *weekly_quiz("20d"))
    assert "✅" in await typed(adapter, '!event edit 3 when="20:00" series')
    assert "✅" in await typed(adapter, "!event edit 3 capacity=3 series")
    assert "✅" in await typed(adapter, '!event edit 2 when="19:00" series')
    # the series 3 now belongs to makes its later ones with capacity 10; the one it went on
    # from (ended: its occurrences were taken along) still says 3, and makes nothing more
    assert "✅" in await typed(adapter, "!event edit 3 capacity=10 series")
    out = await typed(adapter, "!event edit 1 goal=5 series")
    assert "✅" in out, out
    goals = await bot.db.fetchall("SELECT id, goal FROM events ORDER BY id")
    assert [tuple(r) for r in goals] == [(1, 5), (2, 5), (3, 5)]


async def test_an_edit_making_the_next_one_tells_no_new_time(console) -> None:  # type: ignore[no-untyped-def]
    _, adapter = console
    await typed(adapter, *weekly_quiz("1h"), ":wait 2d")
    out = await typed(adapter, '!event edit 1 when="20:00" series')
    assert "✅ Updated Quiz #2 and every later one" in out, out
    assert posted(out, "Quiz") == ["Tue 01 Dec 2026"], out
    assert "has a new time" not in out, out


async def test_an_edit_making_the_next_one_as_its_job_does_posts_one_card(fake: FakeAdapter, bot, clock) -> None:  # type: ignore[no-untyped-def]
    for cmd in ("!config set reminders off", "!config set events.followup off", "!config set series.ahead 1h",
                '!event create Quiz when="2026-11-24 18:30" repeat=weekly'):
        await fake.invoke(cmd, mod=True)
    clock.advance(timedelta(days=2))
    cog = bot.cogs["events"]
    replies, _ = await asyncio.gather(fake.invoke("!event edit 1 title=Trivia series", mod=True),
                                      cog.series.materialize(1, since=clock.now()))
    assert any("✅ Updated Trivia #2" in m.text for m in replies), [m.text for m in replies]
    cards = [m for m in fake.log if "📅" in m.text and "#2" in m.text]
    assert len(cards) == 1, [m.text for m in cards]
    assert [tuple(r) for r in await bot.db.fetchall("SELECT id, card_posted FROM events ORDER BY id")] == \
        [(1, 1), (2, 1)]


class Died(BaseException):
    """The process stops halfway through a send: nothing after it runs."""


def cards_of(fake: FakeAdapter, number: int) -> list[str]:
    return [m.text for m in fake.log if m.text.startswith("📅") and f"#{number}\n" in m.text]


async def quiz_due_in_an_hour(fake: FakeAdapter, clock) -> None:  # type: ignore[no-untyped-def]
    """A weekly Quiz posted an hour ahead; the clock is at the time its second is posted."""
    for cmd in ("!config set reminders off", "!config set events.followup off", "!config set series.ahead 1h",
                '!event create Quiz when="2026-11-24 18:30" repeat=weekly'):
        await fake.invoke(cmd, mod=True)
    clock.advance(datetime(2026, 12, 1, 17, 30, tzinfo=UTC) - clock.now())


async def test_a_card_whose_send_failed_is_posted_by_the_next_try(fake: FakeAdapter, bot, clock) -> None:  # type: ignore[no-untyped-def]
    await quiz_due_in_an_hour(fake, clock)
    failed: list[str] = []

    async def once(sent: Sent) -> None:
        if sent.text.startswith("📅 Quiz #2") and not failed:
            failed.append(sent.text)
            raise RuntimeError("the platform failed this time")

    fake.on_recorded = once  # type: ignore[method-assign]
    await bot.scheduler.advance(timedelta(minutes=1))  # the job fails, and is tried again soon
    assert failed and len(cards_of(fake, 2)) == 1, [m.text for m in fake.log]


async def test_a_card_its_process_died_sending_is_posted_after_the_restart(databases, clock) -> None:  # type: ignore[no-untyped-def]
    async def dies(sent: Sent) -> None:
        if sent.text.startswith("📅 Quiz #2"):
            raise Died

    first, fake = await build_bot(databases(), clock=clock), FakeAdapter()
    first.add_adapter(fake)
    await first.start()
    try:
        await quiz_due_in_an_hour(fake, clock)
        fake.on_recorded = dies  # type: ignore[method-assign]
        with pytest.raises(Died):  # the series' job dies sending the card of #2
            await first.scheduler.advance(timedelta(minutes=1))
    finally:
        await first.stop()
    again, back = await build_bot(databases(), clock=clock), FakeAdapter()
    again.add_adapter(back)
    await again.start()
    try:
        # Its claim holds a while (a sender may be slow, not dead): the job waits it out.
        await again.scheduler.advance(timedelta(minutes=1))
        await again.scheduler.take_over()  # on a shared database, a sweep takes the job's lapsed claim
        await again.scheduler.taking.idle()
        await again.scheduler.advance(timedelta(minutes=10))
        assert len(cards_of(back, 2)) == 1, [m.text for m in back.log]
        posted_ = await again.db.fetchall("SELECT id, card_posted FROM events ORDER BY id")
        assert [tuple(r) for r in posted_] == [(1, 1), (2, 1)]
    finally:
        await again.stop()
