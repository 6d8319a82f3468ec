"""A listing the platform made but whose answer was lost has no stored id; when its event is
cancelled it is still taken down (PRODUCT.md "Native platform surfaces": mirrored into the
Events tab, edited and cancelled with it): found by its marker at the cancel, or, if that
failed too, at the next start or when someone marks it Interested. A live event's listing
without a row is left for its next change to adopt."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import UTC, datetime

import pytest

from bot.app import Bot
from bot.clock import ManualClock
from bot.model import SpaceRef
from tests.unit.test_native_listing_retries import WHEN, Flaky, titles
from tests.unit.test_native_surfaces import restart


class Lost(Flaky):
    """`fail_marked`: the next lookups by marker fail too (the outage goes on)."""

    fail_marked = 0

    async def drop_marked(self, space: SpaceRef, markers: Collection[str]) -> None:
        if self.fail_marked:
            self.fail_marked -= 1
            raise RuntimeError("503 Service Unavailable")
        await super().drop_marked(space, markers)


@pytest.fixture
async def lost(bot: Bot) -> Lost:
    adapter = Lost()
    bot.add_adapter(adapter)
    await bot.start()
    return adapter


async def lost_and_cancelled(lost: Lost, title: str, n: int, *, fail: bool) -> str:
    """Event `n` listed with its answer lost, then cancelled (its removal failing if `fail`)."""
    lost.lose_answer = True
    before = set(lost.listed)
    await lost.invoke(f"!event create {title} when={WHEN}")
    [made] = set(lost.listed) - before
    lost.fail_marked = 1 if fail else 0
    await lost.invoke(f"!event cancel {n}")
    return made


async def test_a_listing_whose_answer_was_lost_goes_at_the_cancel(lost: Lost) -> None:
    picnic = await lost_and_cancelled(lost, "Picnic", 1, fail=False)
    assert picnic not in lost.listed
    assert lost.calls.count("drop marked logoff event #1") == 1


async def test_a_lost_listing_whose_cancel_failed_goes_at_the_next_start_with_one_lookup(
        lost: Lost, bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    picnic = await lost_and_cancelled(lost, "Picnic", 1, fail=True)
    movies = await lost_and_cancelled(lost, "Movies", 2, fail=True)
    await lost.invoke('!event create Hike when="2026-11-27 20:00"')
    assert {picnic, movies} <= set(lost.listed), "both removals failed"
    bot2, again = await restart(bot, lost, databases, clock)
    try:
        await bot2.settle()
        assert titles(again) == ["Hike"]
        marked = [c for c in again.calls if c.startswith("drop marked")]
        assert marked == ["drop marked logoff event #1 logoff event #2"], "one lookup for the space"
    finally:
        await bot2.stop()


async def test_a_lost_listing_whose_cancel_failed_goes_when_marked_interested(lost: Lost) -> None:
    picnic = await lost_and_cancelled(lost, "Picnic", 1, fail=True)
    assert picnic in lost.listed
    await lost.mark_interested(picnic, "bob")
    assert picnic not in lost.listed


async def test_a_live_events_listing_without_a_row_is_kept_when_another_is_marked(lost: Lost) -> None:
    lost.lose_answer = True
    await lost.invoke(f"!event create Picnic when={WHEN}")  # live, its answer lost
    [picnic] = lost.listed
    movies = await lost_and_cancelled(lost, "Movies", 2, fail=True)
    await lost.mark_interested(picnic, "bob")
    assert picnic in lost.listed and movies not in lost.listed
    await lost.invoke('!event edit 1 title="Big picnic"')  # adopted, not made twice
    assert list(lost.listed) == [picnic] and titles(lost) == ["Big picnic"]


async def test_a_cancelled_event_whose_start_has_passed_costs_no_lookup_at_start(
        lost: Lost, bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    await lost_and_cancelled(lost, "Picnic", 1, fail=True)
    clock.set(datetime(2026, 11, 26, 18, 30, tzinfo=UTC))  # under way: the platform ends it itself
    bot2, again = await restart(bot, lost, databases, clock)
    try:
        await bot2.settle()
        assert [c for c in again.calls if c.startswith("drop marked")] == []
    finally:
        await bot2.stop()
