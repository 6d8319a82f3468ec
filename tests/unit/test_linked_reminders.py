"""Reminders of a shared event (PRODUCT.md "Linked spaces": one set of reminders, each posted
in both; "Reminders": each posted exactly once, also across restarts): each space gets each
reminder once, with its own people, across a restart, and a linked space that could not be
posted in when it was due gets it as soon as it can be, without the event's own space
getting it twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bot.adapter import Capabilities, DestinationGone
from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.model import ChannelRef, MessageRef
from bot.render import Out
from bot.testing import FakeAdapter, Sent
from tests.unit.linking import link
from tests.unit.test_linked_codes import Unreachable

QUIZ = '"2026-11-26 18:00"'  # the tests start on Mon 23 Nov 2026, 09:00 UTC


def sides() -> tuple[FakeAdapter, Unreachable]:
    return (FakeAdapter("alpha", space="guild", channel="general",
                        capabilities=Capabilities(edits_per_window=0, label="Alpha")),
            Unreachable("beta", space="room", channel="room",
                        capabilities=Capabilities(edits_per_window=0, label="Beta")))


async def restarted(bot: Bot, databases: Callable[[], str], clock: ManualClock, a: FakeAdapter,
                    b: Unreachable, gone: timedelta, later: list[Bot]) -> tuple[Bot, FakeAdapter, Unreachable]:
    """The process stops, `gone` passes, and it starts again on the same platforms' messages."""
    await bot.stop()
    clock.advance(gone)
    bot = await build_bot(databases(), clock=clock)
    later.append(bot)
    again_a, again_b = sides()
    for old, new in ((a, again_a), (b, again_b)):
        new.messages, new.log, new.by_key, new.reactions = old.messages, old.log, old.by_key, old.reactions
        bot.add_adapter(new)
    await bot.start()
    await bot.settle()
    return bot, again_a, again_b


async def started_linked(bot: Bot, a: FakeAdapter, b: FakeAdapter) -> None:
    """`a` and `b` on one started bot, their channels linked."""
    bot.add_adapter(a)
    bot.add_adapter(b)
    await bot.start()
    await link(a, b)


async def linked_pair(bot: Bot) -> tuple[FakeAdapter, Unreachable]:
    """Alpha and Beta on one started bot, their channels linked."""
    a, b = sides()
    await started_linked(bot, a, b)
    return a, b


async def quiz_shared_bob_going(bot: Bot, a: FakeAdapter, b: FakeAdapter, *, repeat: bool = False) -> None:
    """`a` and `b` linked on one started bot; Quiz made in `a`, so shared into `b`, where bob
    says he is going."""
    await started_linked(bot, a, b)
    await a.invoke(f"!event create Quiz when={QUIZ}" + (" repeat=weekly" if repeat else ""))
    await b.invoke("!rsvp 1 going", "bob")


def reminders(fake: FakeAdapter) -> list[Sent]:
    return [s for s in fake.log if s.text.startswith("⏰ Reminder")]


def mentioned(sent: Sent) -> list[str]:
    return sorted(u.id for u in sent.out.mentions)


async def test_each_space_gets_each_reminder_once_across_a_restart(
        bot: Bot, databases: Callable[[], str], clock: ManualClock,
        later: list[Bot]) -> None:
    a, b = await linked_pair(bot)
    await a.invoke(f"!event create Quiz when={QUIZ}")
    await a.invoke("!rsvp 1 going", "ann")
    await b.invoke("!rsvp 1 going", "bob")
    await bot.scheduler.advance(timedelta(days=2, hours=9))  # the 24h one
    # Down across the 1h one (17:00), back at 17:30: late within reminders.grace.
    bot, a, b = await restarted(bot, databases, clock, a, b, timedelta(hours=23, minutes=30), later)
    await bot.scheduler.advance(timedelta(hours=3))
    assert [mentioned(s) for s in reminders(a)] == [["ann"], ["ann"]]
    assert [mentioned(s) for s in reminders(b)] == [["bob"], ["bob"]]
    assert "starts in 30 minutes" in reminders(b)[-1].text


async def test_a_linked_space_unreachable_at_the_time_gets_the_reminder_once_it_is_back(
        bot: Bot, databases: Callable[[], str], clock: ManualClock,
        later: list[Bot]) -> None:
    a, b = await linked_pair(bot)
    await a.invoke("!config set reminders 1h", "moda", mod=True)
    await a.invoke(f"!event create Quiz when={QUIZ}")
    await a.invoke("!rsvp 1 going", "ann")
    await b.invoke("!rsvp 1 going", "bob")
    await bot.scheduler.advance(timedelta(days=3, hours=7, minutes=59))
    b.down = True  # Beta cannot be posted in at 17:00
    await bot.scheduler.advance(timedelta(minutes=2))
    assert [mentioned(s) for s in reminders(a)] == [["ann"]] and reminders(b) == []
    b.down = False
    await bot.scheduler.advance(timedelta(minutes=5))  # tried again after a short wait
    assert [mentioned(s) for s in reminders(b)] == [["bob"]]
    assert "starts in 5" in reminders(b)[0].text or "starts in 4" in reminders(b)[0].text, reminders(b)[0].text
    # Once is once: a restart and the event's end change nothing on either side.
    bot, a, b = await restarted(bot, databases, clock, a, b, timedelta(minutes=10), later)
    await bot.scheduler.advance(timedelta(hours=4))
    assert [mentioned(s) for s in reminders(a)] == [["ann"]]
    assert [mentioned(s) for s in reminders(b)] == [["bob"]]


async def test_a_linked_space_still_unreachable_at_a_restart_gets_it_after(
        bot: Bot, databases: Callable[[], str], clock: ManualClock,
        later: list[Bot]) -> None:
    a, b = await linked_pair(bot)
    await a.invoke("!config set reminders 1h", "moda", mod=True)
    await a.invoke(f"!event create Quiz when={QUIZ}")
    await b.invoke("!rsvp 1 going", "bob")
    b.down = True
    await bot.scheduler.advance(timedelta(days=3, hours=8, minutes=1))
    assert len(reminders(a)) == 1 and reminders(b) == []
    bot, a, b = await restarted(bot, databases, clock, a, b, timedelta(minutes=10), later)
    await bot.scheduler.advance(timedelta(minutes=10))
    assert len(reminders(a)) == 1
    assert [mentioned(s) for s in reminders(b)] == [["bob"]]


async def test_after_an_unlink_an_event_shared_before_is_still_reminded_on_both_sides(
        bot: Bot, databases: Callable[[], str], clock: ManualClock, later: list[Bot]) -> None:
    a, b = await linked_pair(bot)
    await a.invoke("!config set reminders 1h", "moda", mod=True)
    await a.invoke(f"!event create Quiz when={QUIZ}")  # shared into Beta
    await a.invoke("!rsvp 1 going", "ann")
    await b.invoke("!rsvp 1 going", "bob")
    await bot.scheduler.advance(timedelta(days=3, hours=7, minutes=59))  # a minute before it is due
    await b.invoke("!unlink", "modb", mod=True)
    await a.invoke('!event create Later when="2026-11-26 18:30"')  # after the unlink: Alpha's only
    await a.invoke("!rsvp 2 going", "ann")
    await bot.scheduler.advance(timedelta(hours=1))
    # The event stays where it was: each space is reminded of it, with its own people.
    assert [(s.text.split(" starts")[0], mentioned(s)) for s in reminders(a)] == [
        ("⏰ Reminder: Quiz #1", ["ann"]), ("⏰ Reminder: Later #2", ["ann"])]
    assert [(s.text.split(" starts")[0], mentioned(s)) for s in reminders(b)] == [("⏰ Reminder: Quiz #1", ["bob"])]


class Deleted(FakeAdapter):
    """A platform whose channel was deleted: every post there is refused for good."""

    gone = False

    async def send(self, channel: ChannelRef, out: Out, *, idempotency_key: str | None = None) -> MessageRef:
        if self.gone:
            raise DestinationGone(f"channel {channel.id} is gone")
        return await super().send(channel, out, idempotency_key=idempotency_key)


async def test_an_events_own_channel_deleted_still_lets_the_linked_space_hear_the_reminder(bot: Bot) -> None:
    a = Deleted("alpha", space="guild", channel="general", capabilities=Capabilities(edits_per_window=0, label="Alpha"))
    _, b = sides()
    await quiz_shared_bob_going(bot, a, b)
    a.gone = True  # the event's own channel is deleted: its reminder is dropped there, once
    await bot.scheduler.advance(timedelta(days=3, hours=8, minutes=30))
    assert [mentioned(s) for s in reminders(b)] == [["bob"], ["bob"]]
    rows = await bot.db.fetchall("SELECT state FROM jobs WHERE key LIKE '%remind%' ORDER BY id")
    assert [str(r[0]) for r in rows] == ["sent", "sent"]  # said where it could be; nothing to retry


async def test_a_reminder_whose_channel_is_gone_still_comes_by_dm(bot: Bot) -> None:
    a = Deleted("alpha", space="guild", channel="general",
                capabilities=Capabilities(edits_per_window=0, direct_messages=True, label="Alpha"))
    bot.add_adapter(a)
    await bot.start()
    await a.invoke(f"!event create Quiz when={QUIZ}")
    await a.invoke("!rsvp 1 going", "bob")
    await a.invoke("!notify dm", "bob")
    a.gone = True  # the channel is deleted: no post can reach it, the DM can
    await bot.scheduler.advance(timedelta(days=3, hours=8, minutes=30))
    assert len([s for s in a.log if "starts" in s.text and s.to_user is not None]) == 2
    rows = await bot.db.fetchall("SELECT state, attempts FROM jobs WHERE key LIKE '%remind%' ORDER BY id")
    assert [(str(r[0]), int(r[1])) for r in rows] == [("failed", 1), ("failed", 1)]
