"""A cancelled event's listings are looked up by marker (its listing made but the answer lost)
only until a lookup there has answered: an ordinary cancel, or a lookup that worked once, costs
no lookup at each later start (on Discord a read of the server's whole event list); a lookup
that failed is made again at the next start, and then no more."""

from __future__ import annotations

from collections.abc import Callable, Collection

from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.fake_surfaces import SurfacesFakeAdapter
from bot.model import SpaceRef
from bot.opendb import make_database
from bot.settings import SettingSpec, on_off, switch_text
from bot.surfaces import Listing

WHEN = '"2026-11-26 18:00"'


class Lossy(SurfacesFakeAdapter):
    """With `lose_answer` the next listing is made but its answer is lost; `fail_lookups`
    lookups by marker fail (a 503 after the client's retries)."""

    lose_answer = False
    fail_lookups = 0

    async def put_listing(self, space: SpaceRef, listing: Listing, native_id: str | None) -> str | None:
        made = await super().put_listing(space, listing, native_id)
        if self.lose_answer:
            self.lose_answer = False
            raise RuntimeError("500 Internal Server Error")
        return made

    async def drop_marked(self, space: SpaceRef, markers: Collection[str]) -> None:
        if self.fail_lookups:
            self.fail_lookups -= 1
            self.calls.append(f"drop marked {' '.join(sorted(markers))} (failed)")
            raise RuntimeError("503 Service Unavailable")
        await super().drop_marked(space, markers)


def lookups(fake: SurfacesFakeAdapter) -> list[str]:
    return [c for c in fake.calls if c.startswith("drop marked")]


async def restart(bot: Bot, fake: Lossy, databases: Callable[[], str], clock: ManualClock,
                  fail_lookups: int = 0) -> tuple[Bot, Lossy]:
    """Stop and start on the same database; the platform keeps what it had."""
    await bot.stop()
    again_bot = await build_bot(databases(), clock=clock)
    again = Lossy()
    again.listed, again.messages, again.log = fake.listed, fake.messages, fake.log
    again._native_ids = fake._native_ids
    again.fail_lookups = fail_lookups
    again_bot.add_adapter(again)
    await again_bot.start()
    await again_bot.settle()
    return again_bot, again


async def test_a_cleanly_cancelled_event_costs_no_lookup_at_later_starts(
        bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    fake = Lossy()
    bot.add_adapter(fake)
    await bot.start()
    await fake.invoke(f"!event create Picnic when={WHEN}")
    assert len(fake.listed) == 1
    await fake.invoke("!event cancel 1")
    assert fake.listed == {} and lookups(fake) == []
    seen = []
    for _ in range(3):
        bot, fake = await restart(bot, fake, databases, clock)
        seen += lookups(fake)
    await bot.stop()
    assert seen == []


async def test_a_failed_lookup_is_made_again_at_the_next_start_and_then_no_more(
        bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    fake = Lossy()
    bot.add_adapter(fake)
    await bot.start()
    fake.lose_answer = True
    await fake.invoke(f"!event create Picnic when={WHEN}")
    assert len(fake.listed) == 1, "made on the platform, its id never stored"
    fake.fail_lookups = 1
    await fake.invoke("!event cancel 1")
    assert lookups(fake) == ["drop marked logoff event #1 (failed)"] and len(fake.listed) == 1
    bot, fake = await restart(bot, fake, databases, clock, fail_lookups=1)
    assert lookups(fake) == ["drop marked logoff event #1 (failed)"] and len(fake.listed) == 1
    bot, fake = await restart(bot, fake, databases, clock)
    assert lookups(fake) == ["drop marked logoff event #1"] and fake.listed == {}
    for _ in range(2):
        bot, fake = await restart(bot, fake, databases, clock)
        assert lookups(fake) == []
    await bot.stop()


async def test_a_lookup_in_one_space_leaves_another_spaces_listings(bot: Bot) -> None:
    """The fake looks only in the space it is asked about, as the platform does."""
    fake = SurfacesFakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    await fake.invoke(f"!event create Picnic when={WHEN}")
    [native_id] = fake.listed
    await fake.drop_marked(SpaceRef(fake.platform, "elsewhere"), ["logoff event #1"])
    assert list(fake.listed) == [native_id]
    await fake.drop_marked(SpaceRef(fake.platform, fake.space_id), ["logoff event #1"])
    assert fake.listed == {}


class Switched(Lossy):
    """Its event list has a switch, as a platform's does: off, nothing is listed or looked up."""

    async def put_listing(self, space: SpaceRef, listing: Listing, native_id: str | None) -> str | None:
        assert self.bot is not None
        if not await self.bot.settings.get(space, "events.fake"):
            return None
        return await super().put_listing(space, listing, native_id)

    async def drop_marked(self, space: SpaceRef, markers: Collection[str]) -> None:
        assert self.bot is not None
        if await self.bot.settings.get(space, "events.fake"):
            await super().drop_marked(space, markers)


async def test_a_cancel_while_the_list_was_off_is_looked_up_when_it_is_turned_on(
        databases: Callable[[], str], clock: ManualClock) -> None:
    """Off, a lookup looks at nothing: a listing made before (its answer lost) is found when the
    list is turned on again, though the lookup at the cancel answered."""
    db = make_database(databases())
    await db.open()
    bot = Bot(db, clock=clock)
    # Declared before the features load, as a platform's own settings are.
    bot.settings.register(SettingSpec("events.fake", "on", on_off, "on or off", "the event list",
                                      normalize=switch_text, requires="listings"))
    await bot.setup()
    fake = Switched()
    bot.add_adapter(fake)
    await bot.start()
    fake.lose_answer = True
    await fake.invoke(f"!event create Picnic when={WHEN}")
    assert len(fake.listed) == 1
    await fake.invoke("!config set events.fake off", "mod", mod=True)
    await fake.invoke("!event cancel 1")
    await bot.settle()
    assert len(fake.listed) == 1, "off: not looked for"
    await fake.invoke("!config set events.fake on", "mod", mod=True)
    await bot.settle()
    assert fake.listed == {}
    await bot.stop()
