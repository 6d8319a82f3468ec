"""The follow-up of a one-off event whose own channel refuses posts (deleted, or a thread a
moderator locked): its "next one?" poll cannot go there, and the linked spaces are still
thanked, once, and the job ends rather than retrying for hours (PRODUCT.md "Linked spaces")."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.adapter import DeliveryRefused
from bot.app import Bot
from tests.unit.test_closed_own_channel import REFUSALS, jobs, linked_quiz


@pytest.mark.parametrize("refusal", [*REFUSALS, DeliveryRefused])  # plain: not allowed (Discord's 403)
async def test_a_one_off_event_whose_own_channel_refuses_still_thanks_the_linked_space(
        bot: Bot, refusal: type[DeliveryRefused]) -> None:
    a, b = await linked_quiz(bot, refusal)  # a one-off: its follow-up asks when the next one is
    a.locked = lambda text: "Thanks for coming" in text or "Next Quiz" in text
    await bot.scheduler.advance(timedelta(days=3, hours=12))
    assert len(b.containing("Thanks for coming to Quiz #1")) == 1
    assert not a.containing("Thanks for coming") and not a.containing("Next Quiz")
    assert await jobs(bot, "event.followup") == [("sent", 1)]
