"""An event whose own channel refuses the bot's posts: deleted (DestinationGone), or closed for
now (DestinationClosed: a Discord thread a moderator locked, the event having been made in it).
Either way what the bot says of the event still reaches the linked spaces and, by DM, those
who asked (`notify dm`), and the job ends instead of being retried for hours (PRODUCT.md
"Reminders", "Linked spaces"). A channel closed for now is kept: a later post is tried there."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.adapter import Capabilities, DeliveryRefused, DestinationClosed, DestinationGone
from bot.app import Bot
from bot.model import ChannelRef, MessageRef
from bot.render import Out, plain
from bot.testing import FakeAdapter
from tests.unit.test_linked_reminders import (
    QUIZ,
    mentioned,
    quiz_shared_bob_going,
    reminders,
    sides,
)

REFUSALS = [DestinationGone, DestinationClosed]


class Locked(FakeAdapter):
    """A platform whose event channel refuses the bot's posts that `locked` picks."""

    refusal: type[DeliveryRefused] = DestinationClosed
    locked: Callable[[str], bool] = staticmethod(lambda text: False)

    async def send(self, channel: ChannelRef, out: Out, *, idempotency_key: str | None = None) -> MessageRef:
        if channel.id == self.channel.id and self.locked(plain(out)):
            raise self.refusal(f"channel {channel.id} refuses the bot's posts")
        return await super().send(channel, out, idempotency_key=idempotency_key)


def alpha(refusal: type[DeliveryRefused]) -> Locked:
    a = Locked("alpha", space="guild", channel="general",
               capabilities=Capabilities(edits_per_window=0, direct_messages=True, label="Alpha"))
    a.refusal = refusal
    return a


def dms(fake: FakeAdapter, user: str) -> list[str]:
    return [s.text for s in fake.log if s.ref.channel_id == f"dm-{user}"]


async def linked_quiz(bot: Bot, refusal: type[DeliveryRefused], *, repeat: bool = False) -> tuple[Locked, FakeAdapter]:
    """Quiz made in a channel that refuses as `refusal` says once locked, shared into a linked
    space where bob is going."""
    a = alpha(refusal)
    _, b = sides()
    await quiz_shared_bob_going(bot, a, b, repeat=repeat)
    return a, b


async def unlinked_quiz(bot: Bot, refusal: type[DeliveryRefused], *, repeat: bool = False) -> Locked:
    """Quiz made in a channel that refuses as `refusal` says once locked, in a space linked to
    none (only a DM can get past the refusal), bob going."""
    a = alpha(refusal)
    bot.add_adapter(a)
    await bot.start()
    await a.invoke(f"!event create Quiz when={QUIZ}" + (" repeat=weekly" if repeat else ""))
    await a.invoke("!rsvp 1 going", "bob")
    return a


async def jobs(bot: Bot, kind: str) -> list[tuple[str, int]]:
    rows = await bot.db.fetchall("SELECT state, attempts FROM jobs WHERE kind=? ORDER BY id", (kind,))
    return [(str(r[0]), int(r[1])) for r in rows]


@pytest.mark.parametrize("refusal", REFUSALS)
async def test_a_reminder_in_a_refusing_own_channel_still_dms_and_ends(bot: Bot, refusal: type[DeliveryRefused]) -> None:
    a = await unlinked_quiz(bot, refusal)
    await a.invoke("!notify dm", "bob")
    a.locked = lambda text: True
    await bot.scheduler.advance(timedelta(days=3, hours=8, minutes=30))  # both reminders due
    assert len([t for t in dms(a, "bob") if "starts" in t]) == 2, a.log[-3:]
    assert await jobs(bot, "event.reminder") == [("failed", 1), ("failed", 1)]  # not retried


@pytest.mark.parametrize("refusal", REFUSALS)
async def test_a_refusing_own_channel_still_lets_the_linked_space_hear_the_reminder(
        bot: Bot, refusal: type[DeliveryRefused]) -> None:
    a, b = await linked_quiz(bot, refusal)
    a.locked = lambda text: True
    await bot.scheduler.advance(timedelta(days=3, hours=8, minutes=30))
    assert [mentioned(s) for s in reminders(b)] == [["bob"], ["bob"]]
    assert await jobs(bot, "event.reminder") == [("sent", 1), ("sent", 1)]


@pytest.mark.parametrize("refusal", REFUSALS)
async def test_a_cancel_notice_in_a_refusing_own_channel_still_dms(bot: Bot, refusal: type[DeliveryRefused]) -> None:
    a = await unlinked_quiz(bot, refusal)
    await a.invoke("!notify dm", "bob")
    a.locked = lambda text: text.startswith("❌")  # the notice; the command's answer gets through
    [done] = await a.invoke("!event cancel 1")
    assert done.text.startswith("✅"), done.text
    [dm] = [t for t in dms(a, "bob") if "cancelled" in t]
    assert "Quiz" in dm, dm
    assert await jobs(bot, "event.cancelled") == [("failed", 1)]


@pytest.mark.parametrize("refusal", [*REFUSALS, DeliveryRefused])  # plain: not allowed (Discord's 403)
async def test_the_thank_you_reaches_the_linked_space_when_the_own_channel_refuses(
        bot: Bot, refusal: type[DeliveryRefused]) -> None:
    a, b = await linked_quiz(bot, refusal, repeat=True)  # planned on: no poll to post
    a.locked = lambda text: "Thanks for coming" in text
    await bot.scheduler.advance(timedelta(days=4))
    [thanks] = b.containing("Thanks for coming to Quiz #1")
    assert not a.containing("Thanks for coming")
    assert (await jobs(bot, "event.followup"))[0] == ("sent", 1), thanks.text  # #1's; later ones pending


async def test_a_thank_you_with_nowhere_to_go_ends_its_job(bot: Bot) -> None:
    a = await unlinked_quiz(bot, DestinationClosed, repeat=True)
    a.locked = lambda text: "Thanks for coming" in text
    await bot.scheduler.advance(timedelta(days=4))
    assert not a.containing("Thanks for coming")
    assert (await jobs(bot, "event.followup"))[0] == ("failed", 1)  # not retried for hours
