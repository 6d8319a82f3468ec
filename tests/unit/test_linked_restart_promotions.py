"""Linked spaces across a restart (PRODUCT.md "Linked spaces", "Capacity and waitlist"): both
platforms changed while the bot was down. A place freed on one platform goes to the first on the
waitlist only as the readings of both platforms together have it: someone on the other platform
who took their ✅ back meanwhile is not told they are in, and whoever is in is told once, also
when the bot stops again before the other platform was read."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.testing import FakeAdapter, Sent
from cogs.events.held import HOLD
from tests.unit.linking import link
from tests.unit.model_kit import START, mentioned, new_since
from tests.unit.test_model_linked import WHEN, linked_bot, pair

SPOT = "a spot opened up"


async def full_picnic(where: str) -> tuple[ManualClock, FakeAdapter, FakeAdapter, dict[str, Sent]]:
    """A Picnic of capacity 1 made on Alpha: ann (Alpha) is in, bea (Beta) then bob (Beta)
    wait; the bot is stopped."""
    clock = ManualClock(START)
    a, b = pair()
    bot = await linked_bot(where, clock, a, b)
    await link(a, b)
    await a.invoke(f"!event create Picnic when={WHEN} capacity=1", "maker")
    await bot.settle()
    cards = {f.platform: next(s for s in f.cards() if "#1" in s.text) for f in (a, b)}
    await a.react(cards["alpha"], "✅", a.user("ann"))
    await b.react(cards["beta"], "✅", b.user("bea"))
    await b.react(cards["beta"], "✅", b.user("bob"))
    await bot.settle()
    await bot.stop()
    return clock, a, b, cards


def told(a: FakeAdapter, b: FakeAdapter, marks: dict[str, int]) -> list[str]:
    return [who for side in (a, b) for who in mentioned(new_since(side, marks[side.platform]), SPOT)]


async def test_a_place_freed_on_one_platform_skips_who_left_on_the_other(databases) -> None:  # type: ignore[no-untyped-def]
    clock, a, b, cards = await full_picnic(databases("l.db"))
    # While the bot is down: ann leaves on Alpha, bea (first on the waitlist) leaves on Beta.
    await a.react(cards["alpha"], "✅", a.user("ann"), added=False, dispatch=False)
    await b.react(cards["beta"], "✅", b.user("bea"), added=False, dispatch=False)
    marks = {"alpha": len(a.log), "beta": len(b.log)}
    bot = await linked_bot(databases("l.db"), clock, a, b)
    try:
        await bot.settle()
        assert told(a, b, marks) == ["bob"], [s.text for s in a.log[marks["alpha"]:] + b.log[marks["beta"]:]]
        [full] = await a.invoke("!event attendees 1", "viewer")
        assert "Going (1/1):\nbob (Beta)" in full.text, full.text
    finally:
        await bot.stop()


class Connecting(FakeAdapter):
    """Beta's side at a start that has not connected yet: its start waits until `connect`."""

    def __init__(self, side: FakeAdapter) -> None:
        super().__init__(side.platform)
        # The same platform's truth (its messages, reactions, log): only its start differs.
        self.__dict__.update({k: v for k, v in side.__dict__.items() if k not in ("bot", "started")})
        self.waiting = asyncio.Event()
        self.connect = asyncio.Event()

    async def start(self) -> None:
        self.waiting.set()
        await self.connect.wait()
        await super().start()


async def start_without_beta(where: str, clock: ManualClock, a: FakeAdapter,
                             b: FakeAdapter) -> tuple[Bot, Connecting, asyncio.Task[None]]:
    """A bot whose Alpha side has started (its cards read) while Beta's is still connecting (its
    cards' edits wait for it, so nothing here waits for the cards to settle)."""
    late = Connecting(b)
    bot = await build_bot(where, clock=clock, rate_limit=False)
    bot.add_adapter(a)
    bot.add_adapter(late)
    starting = asyncio.create_task(bot.start())
    await late.waiting.wait()
    return bot, late, starting


async def test_a_held_promotion_survives_a_stop_before_the_other_platform_is_read(databases) -> None:  # type: ignore[no-untyped-def]
    clock, a, b, cards = await full_picnic(databases("l.db"))
    await a.react(cards["alpha"], "✅", a.user("ann"), added=False, dispatch=False)
    marks = {"alpha": len(a.log), "beta": len(b.log)}
    bot, late, starting = await start_without_beta(databases("l.db"), clock, a, b)
    assert told(a, late, marks) == []  # bea's side is not read yet
    starting.cancel()
    await bot.stop()
    bot = await linked_bot(databases("l.db"), clock, a, b)
    try:
        await bot.settle()
        assert told(a, b, marks) == ["bea"]
        marks = {"alpha": len(a.log), "beta": len(b.log)}
        await bot.stop()
        bot = await linked_bot(databases("l.db"), clock, a, b)
        await bot.settle()
        assert told(a, b, marks) == []  # not told twice
    finally:
        await bot.stop()


async def test_a_platform_that_does_not_connect_holds_a_promotion_only_so_long(databases) -> None:  # type: ignore[no-untyped-def]
    clock, a, b, cards = await full_picnic(databases("l.db"))
    await a.react(cards["alpha"], "✅", a.user("ann"), added=False, dispatch=False)
    marks = {"alpha": len(a.log), "beta": len(b.log)}
    bot, late, starting = await start_without_beta(databases("l.db"), clock, a, b)
    try:
        await bot.scheduler.advance(HOLD - timedelta(seconds=1))
        assert told(a, late, marks) == []
        await bot.scheduler.advance(timedelta(seconds=1))
        assert told(a, late, marks) == ["bea"]  # what the store knows: bea is first
        late.connect.set()
        await starting
        await bot.settle()
        assert told(a, late, marks) == ["bea"]  # once
    finally:
        starting.cancel()
        await bot.stop()
