"""A listing call that failed once (a passing platform error, not a refusal) is tried again
(PRODUCT.md "Native platform surfaces": each event is mirrored into the Events tab, edited and
cancelled with it): an event never listed is listed at its next change or the next start, once
and only once; a cancelled event whose listing could not be taken down is taken down at the
next start, or as soon as someone marks it Interested, and then forgotten."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.app import Bot
from bot.clock import ManualClock
from bot.fake_surfaces import SurfacesFakeAdapter
from bot.model import SpaceRef
from bot.surfaces import Listing
from tests.unit.test_native_surfaces import restart

WHEN = '"2026-11-26 18:00"'


class Flaky(SurfacesFakeAdapter):
    """The platform fails a call now and then (a 5xx after the client's retries, a timeout);
    with `lose_answer` the listing is made but its answer is lost."""

    fail_next = 0
    lose_answer = False

    def _fail(self) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("503 Service Unavailable")

    async def put_listing(self, space: SpaceRef, listing: Listing, native_id: str | None) -> str | None:
        if self.lose_answer:
            self.lose_answer = False
            await super().put_listing(space, listing, native_id)
            raise RuntimeError("500 Internal Server Error")
        self._fail()
        return await super().put_listing(space, listing, native_id)

    async def drop_listing(self, space: SpaceRef, native_id: str) -> None:
        self._fail()
        await super().drop_listing(space, native_id)


@pytest.fixture
async def flaky(bot: Bot) -> Flaky:
    adapter = Flaky()
    bot.add_adapter(adapter)
    await bot.start()
    return adapter


def titles(fake: SurfacesFakeAdapter) -> list[str]:
    return sorted(f.listing.title for f in fake.listed.values())


async def test_a_listing_that_failed_once_is_listed_at_the_next_edit(flaky: Flaky) -> None:
    flaky.fail_next = 1
    await flaky.invoke(f"!event create Picnic when={WHEN}")
    assert flaky.listed == {}
    await flaky.invoke('!event edit 1 title="Big picnic" when="2026-11-26 19:00"')
    assert titles(flaky) == ["Big picnic"]
    [found] = flaky.listed.values()
    assert found.listing.start.isoformat() == "2026-11-26T19:00:00+00:00"
    await flaky.invoke('!event edit 1 where="Riverside Park"')  # from now on it is updated in place
    assert titles(flaky) == ["Big picnic"] and found.updates == 1 and found.listing.place == "Riverside Park"


async def test_a_listing_made_but_unanswered_is_adopted_at_the_next_edit_not_made_twice(flaky: Flaky) -> None:
    flaky.lose_answer = True
    await flaky.invoke(f"!event create Picnic when={WHEN}")
    [first] = flaky.listed
    await flaky.invoke('!event edit 1 title="Big picnic"')
    assert list(flaky.listed) == [first] and titles(flaky) == ["Big picnic"]


async def test_a_listing_retried_is_not_taken_for_another_events_whose_number_starts_alike(flaky: Flaky) -> None:
    flaky.fail_next = 1
    await flaky.invoke(f"!event create Picnic when={WHEN}")
    for n in range(2, 11):  # event #10's marker begins with event #1's
        await flaky.invoke(f'!event create Talk{n} when="2026-11-27 20:00"')
    await flaky.invoke('!event edit 1 title="Big picnic"')
    assert len(flaky.listed) == 10
    assert "Big picnic" in titles(flaky) and "Talk10" in titles(flaky)


async def test_a_listing_that_failed_once_is_listed_at_the_next_start(
        flaky: Flaky, bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    flaky.fail_next = 1
    await flaky.invoke(f"!event create Picnic when={WHEN}")
    assert flaky.listed == {}
    bot2, again = await restart(bot, flaky, databases, clock)
    try:
        await bot2.settle()
        assert titles(again) == ["Picnic"]
    finally:
        await bot2.stop()


async def test_a_listing_whose_drop_failed_goes_at_the_next_start_and_is_forgotten(
        flaky: Flaky, bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    await flaky.invoke(f"!event create Picnic when={WHEN}")
    [picnic] = flaky.listed
    flaky.fail_next = 1
    await flaky.invoke("!event cancel 1")
    assert picnic in flaky.listed  # the removal failed
    await flaky.invoke('!event create Movies when="2026-11-27 20:00"')  # the platform works again
    bot2, again = await restart(bot, flaky, databases, clock)
    await bot2.settle()
    after_second = (titles(again), again.calls.count(f"drop {picnic}"))
    bot3, third = await restart(bot2, again, databases, clock)  # once gone, not asked for again
    try:
        await bot3.settle()
        assert after_second == (["Movies"], 1)
        assert third.calls.count(f"drop {picnic}") == 0 and titles(third) == ["Movies"]
    finally:
        await bot3.stop()


async def test_a_listing_whose_drop_failed_goes_when_someone_marks_it_interested(flaky: Flaky) -> None:
    await flaky.invoke(f"!event create Picnic when={WHEN}")
    [picnic] = flaky.listed
    flaky.fail_next = 1
    await flaky.invoke("!event cancel 1")
    await flaky.mark_interested(picnic, "bob")
    assert flaky.listed == {}
