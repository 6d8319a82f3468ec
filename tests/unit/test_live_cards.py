"""The coalescing editor: a burst of reactions gives a handful of edits, at most the
platform's rate per channel, and the last state is always rendered."""

from __future__ import annotations

import asyncio

from bot.adapter import Capabilities, DestinationClosed
from bot.app import build_bot
from bot.model import ReactionChanged
from bot.render import Out, Text, line
from bot.testing import FakeAdapter


class TimedFake(FakeAdapter):
    def __init__(self, **kw) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**kw)
        self.edit_times: list[float] = []

    async def edit(self, message, out) -> None:  # type: ignore[no-untyped-def]
        self.edit_times.append(asyncio.get_running_loop().time())
        await asyncio.sleep(0.005)  # an edit takes a round trip
        await super().edit(message, out)


async def test_burst_of_reactions_coalesces(tmp_path, clock) -> None:
    bot = await build_bot(str(tmp_path / "c.db"), clock=clock)
    fake = TimedFake(capabilities=Capabilities(edits_per_window=3, edit_window_s=0.5))
    bot.add_adapter(fake)
    await bot.start()
    [card] = await fake.invoke('!event create Party when="2026-12-05 18:30"')
    users = [fake.user(f"user{i}") for i in range(1000)]
    await asyncio.gather(*(bot.reaction_changed(ReactionChanged(card.ref, u, "✅", True)) for u in users))
    await bot.cards.idle()
    assert "Going (1000)" in card.text  # the trailing state is exact
    assert 1 <= card.edits <= 10, card.edits
    times = fake.edit_times
    for i in range(len(times)):
        window = [t for t in times if times[i] <= t < times[i] + 0.5]
        assert len(window) <= 3
    await bot.stop()


class ClosedOnce(FakeAdapter):
    """The card's thread is archived (closed for now) for its first edit, open again after."""

    closed = 1

    async def edit(self, message, out) -> None:  # type: ignore[no-untyped-def]
        if self.closed:
            self.closed -= 1
            raise DestinationClosed("the thread is archived")
        await super().edit(message, out)


async def test_who_waits_for_an_edit_closed_for_now_is_told_when_a_later_one_lands(tmp_path, clock) -> None:
    """An edit refused for now (a thread archived) is not the card's state landing: who waits
    for it (a cancel ending the card's life, the bot's 📍 coming off) is told once a later
    edit lands, in the same run; they were forgotten until the next start."""
    bot = await build_bot(str(tmp_path / "c.db"), clock=clock)
    fake = ClosedOnce()
    bot.add_adapter(fake)
    await bot.start()
    [card] = await fake.invoke('!event create Party when="2026-12-05 18:30"')
    told: list[str] = []

    async def render() -> Out:
        return Text((line("the card's state now"),))

    async def landed() -> None:
        told.append("landed")

    bot.cards.refresh(card.ref, render, landed)
    await bot.cards.idle()
    assert told == [] and "the card's state now" not in card.text  # closed: not on the card
    bot.cards.refresh(card.ref, render)  # open again: the card's next change lands
    await bot.cards.idle()
    assert told == ["landed"] and "the card's state now" in card.text
    await bot.stop()
