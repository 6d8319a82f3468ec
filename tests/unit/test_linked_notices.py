"""What an event's linked channels hear when something goes wrong (PRODUCT.md "Linked spaces":
each space hears of the event; "Reminders": each posted exactly once): a cancel notice that
could not be posted in a linked channel comes there once it can be, as a reminder does; a
linked channel that was down when the event's own channel was gone still gets its reminder;
`notify dm` people hear of a cancel whose channel is gone; a pending linked retry survives an
edit or a settings change that leaves the start where it was; and a cancel notice held up past
the end of the event it tells of is not posted at all."""

from __future__ import annotations

from datetime import timedelta

from bot.adapter import Capabilities
from bot.app import Bot
from bot.testing import FakeAdapter, Sent
from tests.unit.linking import link
from tests.unit.test_linked_codes import Unreachable
from tests.unit.test_linked_reminders import QUIZ, Deleted, mentioned, reminders, sides


def cancels(fake: FakeAdapter) -> list[Sent]:
    return [s for s in fake.log if s.text.startswith("❌") and "cancelled" in s.text and s.to_user is None]


async def states(bot: Bot, like: str) -> dict[str, str]:
    rows = await bot.db.fetchall("SELECT key, state FROM jobs WHERE key LIKE ? ORDER BY id", (like,))
    return {str(k): str(s) for k, s in rows}


def gone_own() -> Deleted:
    return Deleted("alpha", space="guild", channel="general",
                   capabilities=Capabilities(edits_per_window=0, direct_messages=True, label="Alpha"))


async def started(bot: Bot, *fakes: FakeAdapter) -> None:
    for fake in fakes:
        bot.add_adapter(fake)
    await bot.start()
    if len(fakes) == 2:
        await link(*fakes)


async def test_a_cancel_notice_reaches_a_linked_channel_that_was_briefly_down_once(bot: Bot) -> None:
    a, b = sides()
    await started(bot, a, b)
    await a.invoke(f"!event create Quiz when={QUIZ}")
    await a.invoke("!rsvp 1 going", "ann")
    await b.invoke("!rsvp 1 going", "bob")
    b.down = True
    await a.invoke("!event cancel 1")
    assert [mentioned(s) for s in cancels(a)] == [["ann"]] and cancels(b) == []
    b.down = False
    await bot.scheduler.advance(timedelta(minutes=30))
    assert [mentioned(s) for s in cancels(b)] == [["bob"]]
    assert len(cancels(a)) == 1  # the retry is Beta's alone
    assert set((await states(bot, "notice:%")).values()) == {"sent"}


async def test_a_series_end_notice_reaches_a_linked_channel_that_was_briefly_down(bot: Bot) -> None:
    a, b = sides()
    await started(bot, a, b)
    await a.invoke('!event create Quiz when="2026-11-26 20:00" repeat=daily')
    await b.invoke("!rsvp 2 going", "bob")
    b.down = True
    await a.invoke("!event cancel 2 series")
    b.down = False
    await bot.scheduler.advance(timedelta(minutes=30))
    [notice] = [s for s in b.log if s.text.startswith("❌ Quiz ended from #2 on")]
    assert mentioned(notice) == ["bob"] and len([s for s in a.log if s.text.startswith("❌ Quiz ended")]) == 1


async def test_own_channel_gone_and_a_linked_one_briefly_down_still_gets_the_reminder(bot: Bot) -> None:
    a, (_, b) = gone_own(), sides()
    await started(bot, a, b)
    await a.invoke("!config set reminders 1h", "moda", mod=True)
    await a.invoke(f"!event create Quiz when={QUIZ}")
    await b.invoke("!rsvp 1 going", "bob")
    await bot.scheduler.advance(timedelta(days=3, hours=7, minutes=59))
    a.gone = b.down = True  # Alpha's channel deleted; Beta cannot be posted in at 17:00, for a moment
    await bot.scheduler.advance(timedelta(minutes=2))
    b.down = False
    await bot.scheduler.advance(timedelta(minutes=10))
    assert [mentioned(s) for s in reminders(b)] == [["bob"]]


async def test_own_channel_gone_during_the_going_too_parts_keeps_the_linked_retry(bot: Bot) -> None:
    """More going than one message mentions: the further part has nobody in Beta, and nowhere
    to go in Alpha, whose channel is gone; Beta's failed first part is still retried."""
    a, (_, b) = gone_own(), sides()
    await started(bot, a, b)
    await a.invoke("!config set reminders 1h", "moda", mod=True)
    await a.invoke(f"!event create Quiz when={QUIZ}")
    for n in range(51):
        await a.invoke("!rsvp 1 going", f"u{n}")
    await b.invoke("!rsvp 1 going", "bob")
    await bot.scheduler.advance(timedelta(days=3, hours=7, minutes=59))
    a.gone = b.down = True
    await bot.scheduler.advance(timedelta(minutes=2))
    b.down = False
    await bot.scheduler.advance(timedelta(minutes=10))
    assert [mentioned(s) for s in reminders(b)] == [["bob"]]


async def test_a_cancel_notice_still_comes_by_dm_when_the_channel_is_gone(bot: Bot) -> None:
    a = gone_own()
    await started(bot, a)
    await a.invoke(f"!event create Quiz when={QUIZ}")
    await a.invoke("!rsvp 1 going", "bob")
    await a.invoke("!notify dm", "bob")
    a.gone = True
    await a.invoke("!event cancel 1", "alice")
    [dm] = [s for s in a.log if s.to_user is not None and "cancelled" in s.text]
    assert dm.ref.channel_id == "dm-bob" and "Quiz" in dm.text
    assert await states(bot, "notice:%") == {"notice:event:1:cancelled": "failed"}  # nowhere to post


async def pending_retry(bot: Bot, a: FakeAdapter, b: Unreachable) -> None:
    """Beta missed the 1h reminder at 17:00; its retry is pending."""
    await started(bot, a, b)
    await a.invoke("!config set reminders 1h", "moda", mod=True)
    await a.invoke(f"!event create Quiz when={QUIZ}")
    await b.invoke("!rsvp 1 going", "bob")
    await bot.scheduler.advance(timedelta(days=3, hours=7, minutes=59))
    b.down = True
    await bot.scheduler.advance(timedelta(minutes=2))
    assert reminders(b) == []


async def test_an_edit_that_keeps_the_start_keeps_a_pending_linked_retry(bot: Bot) -> None:
    a, b = sides()
    await pending_retry(bot, a, b)
    await a.invoke("!event edit 1 duration=3h")  # the start does not move
    b.down = False
    await bot.scheduler.advance(timedelta(minutes=10))
    assert [mentioned(s) for s in reminders(b)] == [["bob"]] and len(reminders(a)) == 1


async def test_a_settings_change_keeps_a_pending_linked_retry(bot: Bot) -> None:
    a, b = sides()
    await pending_retry(bot, a, b)
    await a.invoke("!config set reminders 30m", "moda", mod=True)
    b.down = False
    await bot.scheduler.advance(timedelta(minutes=10))
    assert [mentioned(s) for s in reminders(b)] == [["bob"]]


async def test_a_moved_start_drops_the_pending_linked_retry_and_a_cancel_ends_it(bot: Bot) -> None:
    a, b = sides()
    await pending_retry(bot, a, b)
    await a.invoke('!event edit 1 when="2026-11-27 18:00"')  # a day later: its 1h reminder is ahead again
    b.down = False
    await bot.scheduler.advance(timedelta(minutes=10))
    assert reminders(b) == []  # not an hour before any start any more
    await bot.scheduler.advance(timedelta(days=1))
    assert [mentioned(s) for s in reminders(b)] == [["bob"]]  # the new start's, once


async def test_cancelling_the_event_cancels_its_pending_linked_retry(bot: Bot) -> None:
    a, b = sides()
    await pending_retry(bot, a, b)
    await a.invoke("!event cancel 1")
    assert {k: s for k, s in (await states(bot, "event:1:%")).items() if "@" in k} == {
        "event:1:relay:3600@beta:room": "cancelled"}


async def test_a_cancel_notice_held_up_past_the_events_end_is_not_posted(bot: Bot) -> None:
    a = Unreachable("alpha", space="guild", channel="general",
                    capabilities=Capabilities(edits_per_window=0, direct_messages=True, label="Alpha"))
    await started(bot, a)
    await a.invoke('!event create Quiz when="in 30 minutes" duration=1h')
    await a.invoke("!rsvp 1 going", "bob")
    await a.invoke("!notify dm", "bob")
    a.down = True  # the platform is away as the notice is first tried, and long after
    await a.invoke("!event cancel 1", "alice")
    await bot.scheduler.advance(timedelta(minutes=90))
    a.down = False
    await bot.scheduler.advance(timedelta(minutes=30))
    assert [s for s in a.log if "cancelled" in s.text and "❌" in s.text] == []
    assert await states(bot, "notice:%") == {"notice:event:1:cancelled": "skipped"}


async def test_a_cancel_notice_held_up_before_the_events_end_is_still_posted(bot: Bot) -> None:
    a = Unreachable("alpha", space="guild", channel="general",
                    capabilities=Capabilities(edits_per_window=0, label="Alpha"))
    await started(bot, a)
    await a.invoke('!event create Quiz when="in 30 minutes" duration=1h')
    a.down = True
    await a.invoke("!event cancel 1", "alice")
    await bot.scheduler.advance(timedelta(minutes=20))
    a.down = False
    await bot.scheduler.advance(timedelta(minutes=10))
    assert len(cancels(a)) == 1
