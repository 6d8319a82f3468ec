"""An offline prompt answered before a stop, its card's closing edit not landed: the next start
shows the answer, also once the prompt has lapsed (a proposal's card is the only pointer to
its meetup poll); a proposal whose poll was never made is taken back, so answering again
makes it, once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.testing import FakeAdapter
from cogs.polls.service import PollService
from tests.unit.test_untrack_offline_prompt import SlowEdits, answered_then_stopped, live, restarted

POLL = "📊 When could we meet?"


async def back_after_the_lapse(databases: Callable[[], str], clock: ManualClock, fake: FakeAdapter) -> Bot:
    clock.advance(timedelta(days=1, hours=1))
    again = await build_bot(databases(), clock=clock)
    again.add_adapter(fake)
    await again.start()
    await again.settle()
    return again


async def test_a_proposal_answered_before_a_stop_still_names_its_poll_after_the_lapse(
        bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    fake = SlowEdits()
    card = await answered_then_stopped(bot, fake, "📅")
    again = await back_after_the_lapse(databases, clock, fake)
    try:
        assert "A meetup was proposed" in card.text and "poll #1" in card.text, card.text
        assert "lapsed" not in card.text, card.text
        assert await live(again, card.ref.id) == 0
        assert len(fake.containing(POLL)) == 1, "the poll's one card (its results said later)"
    finally:
        await again.stop()


async def test_a_prompt_waved_off_before_a_stop_says_so_after_the_lapse(
        bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    fake = SlowEdits()
    card = await answered_then_stopped(bot, fake, "🔕")
    again = await back_after_the_lapse(databases, clock, fake)
    try:
        assert "waved off" in card.text and "lapsed" not in card.text, card.text
        assert await live(again, card.ref.id) == 0
    finally:
        await again.stop()


async def test_a_proposal_whose_poll_was_never_made_makes_it_at_the_next_start(
        bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    [card] = await fake.invoke("!offline", "alice")
    await fake.react(card, "📅", "bob", dispatch=False)
    await bot.db.write(lambda c: c.execute("UPDATE offline_prompts SET proposed=1"))
    await bot.stop()
    again = await restarted(databases, clock, fake)
    try:
        assert len(fake.containing(POLL)) == 1, "the 📅 read at the start makes the poll"
        assert "bob proposed a meetup" in card.text and "poll #1" in card.text, card.text
        assert await live(again, card.ref.id) == 0
        await fake.react(card, "📅", "carol")
        assert len(fake.containing(POLL)) == 1
    finally:
        await again.stop()
    third = await restarted(databases, clock, fake)
    try:
        assert len(fake.containing(POLL)) == 1, "a later start makes no second poll"
    finally:
        await third.stop()


async def test_a_button_proposal_whose_poll_was_never_made_can_be_pressed_again(
        bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    [card] = await fake.invoke("!offline", "alice")
    await bot.db.write(lambda c: c.execute("UPDATE offline_prompts SET proposed=1"))
    await bot.stop()
    again = await restarted(databases, clock, fake)
    try:
        assert "Press Propose" in card.text, "nothing made: the card still invites"
        replies = await fake.press(card, "offline:meet:1", "carol")
        assert [r.text for r in replies] == ["👍 Done."], [r.text for r in replies]
        assert len(fake.containing(POLL)) == 1
        assert "carol proposed a meetup" in card.text and "poll #1" in card.text, card.text
    finally:
        await again.stop()


@pytest.mark.allow_errors  # the failed press is logged
async def test_a_proposal_whose_poll_failed_takes_answers_again(bot: Bot) -> None:
    """The poll's creation fails (its database write, say): the card is not left taking no
    answers until it lapses; the next press makes the poll."""
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    [card] = await fake.invoke("!offline", "alice")
    polls = bot.service(PollService)
    assert polls is not None
    create = polls.create_poll  # type: ignore[attr-defined]

    async def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        polls.create_poll = create  # type: ignore[attr-defined]
        raise RuntimeError("the database went away")

    polls.create_poll = failing  # type: ignore[attr-defined]
    await fake.press(card, "offline:meet:1", "bob")
    assert not fake.containing(POLL)
    assert bot.is_tracked(card.ref)
    replies = await fake.press(card, "offline:meet:1", "carol")
    assert [r.text for r in replies] == ["👍 Done."], [r.text for r in replies]
    assert len(fake.containing(POLL)) == 1
    assert "carol proposed a meetup" in card.text, card.text
