"""The "next one?" follow-up after an unlink (PRODUCT.md "Turnout", "Linked spaces"): the
thank-you still goes to every space the event was shared into, but only a space that has the
poll is asked to vote on it; one that no longer shares it is not sent to a poll it cannot see."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.adapter import Capabilities
from bot.app import Bot
from bot.testing import FakeAdapter
from tests.unit.linking import link

WHEN = '"2026-11-26 18:00"'


@pytest.fixture
async def pair(bot: Bot) -> tuple[FakeAdapter, FakeAdapter]:
    a = FakeAdapter("alpha", space="guild", channel="general",
                    capabilities=Capabilities(edits_per_window=0, label="Alpha"))
    b = FakeAdapter("beta", space="room", channel="room",
                    capabilities=Capabilities(edits_per_window=0, label="Beta"))
    bot.add_adapter(a)
    bot.add_adapter(b)
    await bot.start()
    await link(a, b)
    return a, b


@pytest.mark.parametrize("made_on", ["alpha", "beta"])
async def test_after_an_unlink_only_the_space_with_the_poll_is_asked_to_vote(
        pair: tuple[FakeAdapter, FakeAdapter], bot: Bot, made_on: str) -> None:
    a, b = pair
    own, other = (a, b) if made_on == "alpha" else (b, a)
    await own.invoke(f"!event create Quiz when={WHEN}")
    await own.invoke("!rsvp 1 going", "ann")
    await other.invoke("!rsvp 1 going", "bob")
    await other.invoke("!unlink", "mod", mod=True)
    await bot.scheduler.advance(timedelta(days=4))
    [thanks_own] = own.containing("Thanks for coming")
    [thanks_other] = other.containing("Thanks for coming")
    for thanks in (thanks_own, thanks_other):
        assert "Quiz #1: 2 people said they'd go." in thanks.text, thanks.text
    assert "Vote on poll #1" in thanks_own.text and "when=poll:1" in thanks_own.text, thanks_own.text
    assert "poll" not in thanks_other.text, thanks_other.text
    assert own.containing("Next Quiz?") and not other.containing("Next Quiz?")
    [refused] = await other.invoke("!event create Quiz when=poll:1")  # indeed not theirs
    assert refused.text.startswith("⚠️"), refused.text


async def test_while_linked_both_spaces_are_asked(pair: tuple[FakeAdapter, FakeAdapter], bot: Bot) -> None:
    a, b = pair
    await a.invoke(f"!event create Quiz when={WHEN}")
    await b.invoke("!rsvp 1 going", "bob")
    await bot.scheduler.advance(timedelta(days=4))
    for fake in (a, b):
        [thanks] = fake.containing("Thanks for coming")
        assert "when=poll:1" in thanks.text, thanks.text
        assert fake.containing("Next Quiz?")
