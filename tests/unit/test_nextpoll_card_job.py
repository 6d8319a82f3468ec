"""Fixed: the follow-up retried (NotYet) re-runs _next_poll -> post_poll -> _share: a linked channel
whose poll card fails again puts `poll:<id>:card@<channel>` again, and jobs.put re-pends the
poll.card job even when it has SENT the card already (state 'sent' -> 'pending', attempts 0,
its marks forgotten). That job then posts the card again with the key alone; past the
platform's key window (Discord's nonce: minutes) that is a second card."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.adapter import Capabilities, DeliveryFailed
from bot.app import Bot
from bot.model import ChannelRef, MessageRef
from bot.render import Out, plain
from bot.testing import FakeAdapter
from tests.unit.test_linked_reminders import quiz_shared_bob_going, sides
from tests.unit.test_sayas_linked_retry import THANKS

CARD = "which week"


class Picky(FakeAdapter):
    fail: Callable[[str], bool] = staticmethod(lambda text: False)

    async def send(self, channel: ChannelRef, out: Out, *, idempotency_key: str | None = None) -> MessageRef:
        if self.fail(plain(out)):
            raise DeliveryFailed(f"{self.platform} is having trouble")
        return await super().send(channel, out, idempotency_key=idempotency_key)


async def rows(bot: Bot) -> list[tuple[str, str, int]]:
    return [(str(r[0]), str(r[1]), int(r[2])) for r in await bot.db.fetchall(
        "SELECT key, state, attempts FROM jobs WHERE kind IN ('poll.card', 'event.followup') ORDER BY id")]


async def quiz_shared_into_picky_beta(bot: Bot) -> tuple[FakeAdapter, Picky]:
    """A one-off Quiz (its follow-up makes a poll) made in Alpha, shared into a linked Beta whose
    posts fail as `fail` picks, bob going there."""
    a, _ = sides()
    b = Picky("beta", space="room", channel="room", capabilities=Capabilities(edits_per_window=0, label="Beta"))
    await quiz_shared_bob_going(bot, a, b)
    return a, b


@pytest.mark.allow_errors
async def test_a_sent_poll_card_job_is_not_re_pended_by_a_retried_followup(bot: Bot) -> None:
    a, b = await quiz_shared_into_picky_beta(bot)
    await bot.scheduler.advance(timedelta(days=3, hours=10))
    b.fail = lambda text: True  # Beta is down at the follow-up
    await bot.scheduler.advance(timedelta(hours=2, minutes=30))
    b.fail = lambda text: THANKS in text  # back for the card, the thank-you still fails
    await bot.scheduler.advance(timedelta(minutes=6))
    assert len(b.containing(CARD)) == 1
    step2 = await rows(bot)
    b.by_key.clear()  # Beta's key window has passed
    b.fail = lambda text: CARD in text  # the card fails this time, the thank-you goes
    await bot.scheduler.advance(timedelta(minutes=6))
    assert len(b.containing(THANKS)) == 1
    step3 = await rows(bot)
    b.fail = lambda text: False
    await bot.scheduler.advance(timedelta(minutes=30))
    step4 = await rows(bot)
    assert len(b.containing(CARD)) == 1, (step2, step3, step4)
    assert [s for k, s, _ in step4 if ":card@" in k] == ["sent"], step4


@pytest.mark.allow_errors
async def test_a_retried_followup_does_not_post_the_card_again_where_it_is(bot: Bot) -> None:
    a, b = await quiz_shared_into_picky_beta(bot)
    await bot.scheduler.advance(timedelta(days=3, hours=10))
    b.fail = lambda text: THANKS in text  # the card lands at once, the thank-you fails
    await bot.scheduler.advance(timedelta(hours=2, minutes=30))
    assert len(b.containing(CARD)) == 1 and len(a.containing(CARD)) == 1
    a.by_key.clear()
    b.by_key.clear()  # past the key windows when the follow-up is retried
    b.fail = lambda text: False
    await bot.scheduler.advance(timedelta(minutes=30))
    assert len(b.containing(THANKS)) == 1
    assert len(b.containing(CARD)) == 1 and len(a.containing(CARD)) == 1
