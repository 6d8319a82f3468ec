"""A new event's or poll's card and a poll's results that could not be posted in a linked space
(PRODUCT.md "Linked spaces": polls and events created in either appear in both, one tally)
reach it once it can be posted in again: once, also across a restart, a card posted then counts
its reactions like the others, and the space they were made in gets nothing twice."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from bot.adapter import Capabilities
from bot.app import Bot
from bot.clock import ManualClock
from bot.model import ChannelRef, MessageRef
from bot.render import Out
from bot.testing import FakeAdapter, Sent
from tests.unit.linking import link
from tests.unit.test_linked_codes import Unreachable
from tests.unit.test_linked_reminders import QUIZ, restarted, sides


class Lost(FakeAdapter):
    """A platform that takes the post but whose answer never comes back (a timeout after
    the send reached it): the bot cannot tell the post is there."""

    lose = False

    async def send(self, channel: ChannelRef, out: Out, *, idempotency_key: str | None = None) -> MessageRef:
        ref = await super().send(channel, out, idempotency_key=idempotency_key)
        if self.lose:
            raise TimeoutError(f"no answer from {self.platform}")
        return ref


async def linked(bot: Bot, b: FakeAdapter | None = None) -> tuple[FakeAdapter, FakeAdapter]:
    a, beta = sides()
    b = b or beta
    bot.add_adapter(a)
    bot.add_adapter(b)
    await bot.start()
    await link(a, b)
    return a, b


def cards(fake: FakeAdapter, ref: str) -> list[Sent]:
    return [s for s in fake.cards() if ref in s.text]


def results(fake: FakeAdapter) -> list[Sent]:
    return fake.containing("Results of poll #1")


async def test_an_event_card_the_linked_space_missed_comes_once_it_is_back_and_counts(
        bot: Bot, databases: Callable[[], str], clock: ManualClock, later: list[Bot]) -> None:
    a, b = await linked(bot)
    assert isinstance(b, Unreachable)
    b.down = True  # Beta cannot be posted in when the event is made
    [card_a] = await a.invoke(f"!event create Quiz when={QUIZ}")
    await bot.scheduler.advance(timedelta(minutes=1))  # tried again: still down
    assert cards(b, "#1") == []
    b.down = False
    await bot.scheduler.advance(timedelta(minutes=5))  # tried again after a short wait
    [card_b] = cards(b, "#1")
    await b.react(card_b, "✅", "bob")  # one RSVP list: an answer there counts
    await bot.settle()
    assert "bob (Beta)" in a.messages[card_a.id].text, a.messages[card_a.id].text
    bot, a, b = await restarted(bot, databases, clock, a, b, timedelta(minutes=10), later)
    await bot.scheduler.advance(timedelta(hours=2))
    assert len(cards(b, "#1")) == 1 and len(cards(a, "#1")) == 1


async def test_an_event_card_still_missing_at_a_restart_comes_after_it(
        bot: Bot, databases: Callable[[], str], clock: ManualClock, later: list[Bot]) -> None:
    a, b = await linked(bot)
    assert isinstance(b, Unreachable)
    b.down = True
    [card_a] = await a.invoke(f"!event create Quiz when={QUIZ}")
    await bot.scheduler.advance(timedelta(minutes=2))
    bot, a, b = await restarted(bot, databases, clock, a, b, timedelta(minutes=10), later)
    await bot.scheduler.advance(timedelta(minutes=10))
    [card_b] = cards(b, "#1")
    await b.react(card_b, "✅", "bob")
    await bot.settle()
    assert "bob (Beta)" in a.messages[card_a.id].text, a.messages[card_a.id].text
    assert len(cards(a, "#1")) == 1


async def test_an_event_card_that_reached_the_platform_unanswered_is_not_posted_twice(bot: Bot) -> None:
    b = Lost("beta", space="room", channel="room", capabilities=Capabilities(edits_per_window=0, label="Beta"))
    a, _ = await linked(bot, b)
    b.lose = True  # the card is posted, the answer is lost
    [card_a] = await a.invoke(f"!event create Quiz when={QUIZ}")
    b.lose = False
    await bot.scheduler.advance(timedelta(minutes=5))
    [card_b] = cards(b, "#1")  # the retry's key is the first try's: the platform drops the copy
    await b.react(card_b, "✅", "bob")  # and the card it was told of is counted
    await bot.settle()
    assert "bob (Beta)" in a.messages[card_a.id].text, a.messages[card_a.id].text


async def test_a_poll_card_the_linked_space_missed_comes_once_it_is_back_and_counts(
        bot: Bot, databases: Callable[[], str], clock: ManualClock, later: list[Bot]) -> None:
    a, b = await linked(bot)
    assert isinstance(b, Unreachable)
    b.down = True
    [card_a] = await a.invoke('!poll create "Where?" Park | Cafe')
    await bot.scheduler.advance(timedelta(minutes=1))
    assert cards(b, "#1") == []
    b.down = False
    await bot.scheduler.advance(timedelta(minutes=5))
    [card_b] = cards(b, "#1")
    await b.react(card_b, "2️⃣", "bob")  # one tally
    await bot.settle()
    assert re.search(r"2️⃣ Cafe — 1 ", a.messages[card_a.id].text), a.messages[card_a.id].text
    bot, a, b = await restarted(bot, databases, clock, a, b, timedelta(minutes=10), later)
    await bot.scheduler.advance(timedelta(hours=2))
    assert len(cards(b, "#1")) == 1 and len(cards(a, "#1")) == 1


async def test_a_poll_card_that_reached_the_platform_unanswered_is_not_posted_twice(bot: Bot) -> None:
    b = Lost("beta", space="room", channel="room", capabilities=Capabilities(edits_per_window=0, label="Beta"))
    a, _ = await linked(bot, b)
    b.lose = True
    [card_a] = await a.invoke('!poll create "Where?" Park | Cafe')
    b.lose = False
    await bot.scheduler.advance(timedelta(minutes=5))
    [card_b] = cards(b, "#1")
    await b.react(card_b, "2️⃣", "bob")
    await bot.settle()
    assert re.search(r"2️⃣ Cafe — 1 ", a.messages[card_a.id].text), a.messages[card_a.id].text


async def test_poll_results_the_linked_space_missed_at_the_deadline_come_once_also_across_a_restart(
        bot: Bot, databases: Callable[[], str], clock: ManualClock, later: list[Bot]) -> None:
    a, b = await linked(bot)
    assert isinstance(b, Unreachable)
    await a.invoke('!poll create "Where?" Park | Cafe closes=2h')
    [card_b] = cards(b, "#1")
    await b.react(card_b, "2️⃣", "bob")
    b.down = True  # Beta cannot be posted in when the poll closes
    await bot.scheduler.advance(timedelta(hours=2, minutes=1))
    assert len(results(a)) == 1 and results(b) == []
    bot, a, b = await restarted(bot, databases, clock, a, b, timedelta(minutes=10), later)
    await bot.scheduler.advance(timedelta(hours=1))
    [said] = results(b)
    assert "Cafe" in said.text
    assert len(results(a)) == 1


async def test_poll_results_of_a_close_command_reach_the_linked_space_once_it_is_back(bot: Bot) -> None:
    a, b = await linked(bot)
    assert isinstance(b, Unreachable)
    await a.invoke('!poll create "Where?" Park | Cafe')
    b.down = True
    await a.invoke("!poll close 1")
    await bot.scheduler.advance(timedelta(minutes=1))
    assert len(results(a)) == 1 and results(b) == []
    b.down = False
    await bot.scheduler.advance(timedelta(minutes=5))
    await bot.scheduler.advance(timedelta(hours=3))
    assert len(results(a)) == 1 and len(results(b)) == 1


async def test_poll_results_that_reached_the_platform_unanswered_are_not_posted_twice(bot: Bot) -> None:
    b = Lost("beta", space="room", channel="room", capabilities=Capabilities(edits_per_window=0, label="Beta"))
    a, _ = await linked(bot, b)
    await a.invoke('!poll create "Where?" Park | Cafe closes=1h')
    b.lose = True
    await bot.scheduler.advance(timedelta(hours=1))
    b.lose = False
    await bot.scheduler.advance(timedelta(minutes=5))
    assert len(results(a)) == 1 and len(results(b)) == 1
