"""The thank-you after an event (Audience.say_as, from Turnout's follow-up job) in a linked
space whose channel failed only this time: the job is retried until that space hears it, and
every channel hears it once (PRODUCT.md "Linked spaces"), whether the event's own channel
took it, refused it (a thread a moderator locked, or deleted), or took it once already."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.adapter import Capabilities, DeliveryFailed, DeliveryRefused, DestinationGone
from bot.app import Bot
from bot.model import ChannelRef, MessageRef
from bot.render import Out
from bot.testing import FakeAdapter
from tests.unit.linking import link
from tests.unit.test_closed_own_channel import REFUSALS, alpha, jobs
from tests.unit.test_linked_reminders import QUIZ, sides
from tests.unit.test_linked_retries import Lost

THANKS = "Thanks for coming to Quiz #1"


class Flaky(FakeAdapter):
    """A platform whose sends fail for now (its own trouble) while `down`."""

    down = False

    async def send(self, channel: ChannelRef, out: Out, *, idempotency_key: str | None = None) -> MessageRef:
        if self.down:
            raise DeliveryFailed(f"{self.platform} is having trouble")
        return await super().send(channel, out, idempotency_key=idempotency_key)


def beta() -> Flaky:
    return Flaky("beta", space="room", channel="room", capabilities=Capabilities(edits_per_window=0, label="Beta"))


async def weekly_quiz(bot: Bot, a: FakeAdapter, *linked: FakeAdapter) -> None:
    """A weekly event (planned on: its follow-up posts no poll) made in `a`, shared into the
    `linked` ones, each with someone going."""
    for fake in (a, *linked):
        bot.add_adapter(fake)
    await bot.start()
    for fake in linked:
        await link(a, fake)
    await a.invoke(f"!event create Quiz when={QUIZ} repeat=weekly")
    for fake in linked:
        await fake.invoke("!rsvp 1 going", "bob")


@pytest.mark.allow_errors
@pytest.mark.parametrize("refusal", REFUSALS)
async def test_a_linked_space_that_failed_once_is_thanked_though_the_own_channel_refuses(
        bot: Bot, refusal: type[DeliveryRefused]) -> None:
    a, b = alpha(refusal), beta()
    await weekly_quiz(bot, a, b)
    a.locked = lambda text: "Thanks for coming" in text
    await bot.scheduler.advance(timedelta(days=3, hours=10))  # before the end (20:00)
    b.down = True
    await bot.scheduler.advance(timedelta(hours=2))  # the follow-up runs; Beta fails
    assert not b.containing(THANKS)
    assert (await jobs(bot, "event.followup"))[0][0] == "pending"  # to be retried, not ended
    b.down = False
    await bot.scheduler.advance(timedelta(minutes=30))
    assert len(b.containing(THANKS)) == 1
    assert not a.containing("Thanks for coming")
    state, attempts = (await jobs(bot, "event.followup"))[0]
    assert (state, attempts > 1) == ("sent", True)


@pytest.mark.allow_errors
async def test_the_retry_for_a_linked_space_thanks_no_one_twice(bot: Bot) -> None:
    """The own channel and one linked channel took it, another failed: the retry says it
    again everywhere, with the keys of the first try, and only the failed one gets it."""
    a, _ = sides()
    b = beta()
    c = Lost("gamma", space="hall", channel="hall", capabilities=Capabilities(edits_per_window=0, label="Gamma"))
    await weekly_quiz(bot, a, b, c)
    await a.invoke("!rsvp 1 going", "ann")
    await bot.scheduler.advance(timedelta(days=3, hours=10))
    b.down = True
    c.lose = True  # Gamma takes it, but its answer never comes back
    await bot.scheduler.advance(timedelta(hours=2))
    assert not b.containing(THANKS)
    b.down = False
    c.lose = False
    await bot.scheduler.advance(timedelta(minutes=30))
    assert [len(f.containing(THANKS)) for f in (a, b, c)] == [1, 1, 1]
    said = [k for k in a.sends_with_key if k.endswith("-thanks")]
    assert len(said) > 1 and len(set(said)) == 1, said  # sent again, with the same key
    assert (await jobs(bot, "event.followup"))[0][0] == "sent"


class Gone(FakeAdapter):
    """A platform whose channel was deleted: every send to it is refused for good."""

    async def send(self, channel: ChannelRef, out: Out, *, idempotency_key: str | None = None) -> MessageRef:
        raise DestinationGone(f"{self.platform}: channel {channel.id} is gone")


async def test_a_linked_channel_refusing_for_good_is_not_retried(bot: Bot) -> None:
    """Another try would not reach a deleted linked channel: the job ends once the others
    heard it, rather than retrying for hours."""
    a, _ = sides()
    g = Gone("gamma", space="hall", channel="hall", capabilities=Capabilities(edits_per_window=0, label="Gamma"))
    b = beta()
    await weekly_quiz(bot, a, b, g)
    await bot.scheduler.advance(timedelta(days=3, hours=12))
    assert len(a.containing(THANKS)) == 1 and len(b.containing(THANKS)) == 1
    assert (await jobs(bot, "event.followup"))[0] == ("sent", 1)
