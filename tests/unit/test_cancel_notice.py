"""What cancelling says (PRODUCT.md "Recurring meetups", `event cancel <id> [series]`): ending a
series is one notice per channel, not one per occurrence, mentioning each person who answered
any of them once and telling `notify dm` people by DM once; the notice is a job written with
the cancel, so a crash after the command neither loses it nor posts it twice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.testing import FakeAdapter, Sent
from tests.unit.linking import labelled_pair, link

QUIZ = '!event create Quiz when="2026-11-26 20:00" repeat=daily capacity=1'  # #1-#11: 26 Nov-6 Dec


def notices(fake: FakeAdapter, channel: str = "general") -> list[Sent]:
    return [s for s in fake.log if s.text.startswith("❌") and "cancelled" in s.text and s.ref.channel_id == channel]


def dms(fake: FakeAdapter, user: str) -> list[str]:
    return [s.text for s in fake.log if s.ref.channel_id == f"dm-{user}"]


def mentioned(sent: Sent) -> list[str]:
    return [u.id for u in sent.out.mentions]


async def answers(fake: FakeAdapter) -> None:
    for n in range(3, 12):
        await fake.invoke(f"!rsvp {n} going", "alice")
    await fake.invoke("!rsvp 5 maybe", "bob")
    await fake.invoke("!rsvp 7 going", "carol")  # waitlisted: alice has the one place
    await fake.invoke("!rsvp 2 going", "dave")  # #2 is not cancelled
    await fake.invoke("!rsvp 4 no", "erin")
    for who in ("alice", "carol"):
        await fake.invoke("!notify dm", who)


async def test_ending_a_series_is_one_notice_with_dates_and_each_person_once(fake: FakeAdapter, bot: Bot) -> None:
    await fake.invoke(QUIZ)
    await answers(fake)
    [done] = await fake.invoke("!event cancel 3 series")
    assert "Ended the series Quiz from #3 on; 9 occurrence(s) cancelled" in done.text, done.text
    [notice] = notices(fake)
    assert ("❌ Quiz ended from #3 on: #3, #4, #5, #6, #7, #8, #9, #10, #11 are cancelled (from "
            "Sat 28 Nov 2026 20:00 UTC to Sun 06 Dec 2026 20:00 UTC), and no more will be posted.") in notice.text
    assert mentioned(notice) == ["alice", "bob", "carol"]  # going, maybe, waitlist: as one cancel tells
    for who in ("alice", "carol"):
        [dm] = dms(fake, who)
        assert "Quiz ended from #3 on" in dm and "Heads up" not in dm
    assert dms(fake, "bob") == [] and dms(fake, "dave") == []
    [(state,)] = await bot.db.fetchall("SELECT state FROM jobs WHERE kind='event.cancelled'")
    assert state == "sent"
    # A second end of the same series is refused, and writes no second notice.
    [again] = await fake.invoke("!event cancel 3 series")
    assert again.text.startswith("⚠️") and "already cancelled" in again.text
    assert len(notices(fake)) == 1


async def test_a_few_ended_occurrences_are_listed_each_with_its_date(fake: FakeAdapter, bot: Bot) -> None:
    await fake.invoke('!event create Run when="2026-11-25 07:00" repeat=weekly')  # #1 25 Nov, #2 2 Dec
    await fake.invoke("!event cancel 1 series")
    [notice] = notices(fake)
    assert ("❌ Run ended from #1 on: #1 (Wed 25 Nov 2026 07:00 UTC), #2 (Wed 02 Dec 2026 07:00 UTC) "
            "are cancelled, and no more will be posted.") in notice.text, notice.text
    assert mentioned(notice) == []


async def test_a_notice_re_run_after_a_crash_posts_and_dms_once(fake: FakeAdapter, bot: Bot,
                                                                clock: ManualClock) -> None:
    await fake.invoke(QUIZ)
    await answers(fake)
    await fake.invoke("!event cancel 3 series")
    await fake.invoke("!event cancel 1", "alice")  # a single cancel is a keyed job too
    await fake.invoke("!notify dm", "dave")
    await fake.invoke("!event cancel 2", "alice")
    assert [len(notices(fake)), len(dms(fake, "alice")), len(dms(fake, "dave"))] == [3, 1, 1]
    # A crash after the posts, before the jobs were marked sent: the re-runs use the same keys.
    await bot.db.execute("UPDATE jobs SET state='sending' WHERE kind='event.cancelled'")
    clock.advance(timedelta(minutes=1))  # on a shared database, once the dead process's lease ran out
    sent = len(fake.log)
    await bot.scheduler.recover()
    assert len(fake.log) == sent and fake.dm_attempts.count("alice") == 2
    assert [len(notices(fake)), len(dms(fake, "alice")), len(dms(fake, "dave"))] == [3, 1, 1]


class Crash(Exception):
    """The platform took nothing, as when the process dies before the post goes out."""


async def test_a_notice_not_posted_before_a_crash_is_posted_at_the_next_start(  # type: ignore[no-untyped-def]
        databases, clock: ManualClock) -> None:
    async def down(sent: Sent) -> None:
        if sent.text.startswith("❌ Quiz"):
            raise Crash

    first, fake = await build_bot(databases(), clock=clock), FakeAdapter()
    first.add_adapter(fake)
    await first.start()
    try:
        await fake.invoke(QUIZ)
        await answers(fake)
        fake.on_recorded = down  # type: ignore[method-assign]
        [done] = await fake.invoke("!event cancel 3 series")
        assert done.text.startswith("✅") and notices(fake) == []
    finally:
        await first.stop()
    clock.advance(timedelta(minutes=5))
    again, back = await build_bot(databases(), clock=clock), FakeAdapter()
    again.add_adapter(back)
    await again.start()
    try:
        [notice] = notices(back)
        assert "Quiz ended from #3 on" in notice.text and mentioned(notice) == ["alice", "bob", "carol"]
        assert [len(dms(back, who)) for who in ("alice", "carol")] == [1, 1]
        await again.scheduler.advance(timedelta(days=1))
        assert len(notices(back)) == 1
    finally:
        await again.stop()


@pytest.fixture
async def pair(bot: Bot) -> tuple[FakeAdapter, FakeAdapter]:
    return await labelled_pair(bot)


async def test_a_linked_channel_gets_one_notice_with_its_own_people(pair: tuple[FakeAdapter, FakeAdapter],
                                                                    bot: Bot) -> None:
    a, b = pair
    await link(a, b)
    await a.invoke(QUIZ)
    for n in (3, 4, 5):
        await a.invoke(f"!rsvp {n} going", "ann")
        await b.invoke(f"!rsvp {n} maybe", "bea")
    await b.invoke("!rsvp 6 going", "bob")
    await a.invoke("!event cancel 3 series", "moda", mod=True)
    [on_a], [on_b] = notices(a), notices(b, "room")
    assert "Quiz ended from #3 on: #3, #4" in on_a.text and "Quiz ended from #3 on: #3, #4" in on_b.text
    assert mentioned(on_a) == ["ann"] and mentioned(on_b) == ["bea", "bob"]
