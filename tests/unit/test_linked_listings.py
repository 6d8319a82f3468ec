"""Linked spaces and native event lists (PRODUCT.md "Native platform surfaces", "Linked
spaces"): an event made in the linked space of a platform without an event list is listed
in the event list of the space that has one, as that space's own setting and permissions
allow, and kept in step there (edits, cancels, a listing deleted by hand, restarts) without
ever being listed twice."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.adapter import Capabilities
from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.fake_surfaces import SurfacesFakeAdapter
from bot.testing import FakeAdapter, Sent
from tests.unit.linking import link

WHEN = '"2026-11-26 18:00"'
BETA = Capabilities(edits_per_window=0, direct_messages=True, label="Beta")


def sides() -> tuple[SurfacesFakeAdapter, FakeAdapter]:
    return SurfacesFakeAdapter("alpha", space="guild", channel="general"), \
        FakeAdapter("beta", space="room", channel="room", capabilities=BETA)


@pytest.fixture
async def pair(bot: Bot) -> tuple[SurfacesFakeAdapter, FakeAdapter]:
    a, b = sides()
    bot.add_adapter(a)
    bot.add_adapter(b)
    await bot.start()
    return a, b


def titles(a: SurfacesFakeAdapter) -> list[str]:
    return sorted(f.listing.title for f in a.listed.values())


def card_of(fake: FakeAdapter, ref: str) -> Sent:
    [card] = [s for s in fake.cards() if ref in s.text]
    return card


async def test_an_event_made_on_the_other_side_is_listed_and_kept_in_step(
        pair: tuple[SurfacesFakeAdapter, FakeAdapter], bot: Bot) -> None:
    a, b = pair
    await link(a, b)
    await a.invoke(f"!event create FromA when={WHEN}")
    [card_b] = await b.invoke('!event create FromB when="2026-11-27 18:00" where="Blue Cafe"')
    assert titles(a) == ["FromA", "FromB"]
    [(native_id, found)] = [(i, f) for i, f in a.listed.items() if f.listing.title == "FromB"]
    card_a = card_of(a, "#2")
    # The listing links the card in its own space's channel and speaks that platform's syntax.
    assert found.listing.card == card_a.ref and found.listing.place == "Blue Cafe"
    assert "logoff event #2" in found.listing.description and "!rsvp 2 going" in found.listing.description

    # People marked interested on the listing are counted on both cards.
    await a.mark_interested(native_id, "u1")
    await a.mark_interested(native_id, "u2")
    await bot.settle()
    assert "Interested (2)" in a.messages[card_a.id].text
    assert "Interested (2)" in b.messages[card_b.id].text

    await b.invoke('!event edit 2 title="FromB later" when="2026-11-27 19:00"')
    assert a.listed[native_id].listing.title == "FromB later"  # updated in place, same id
    assert a.listed[native_id].listing.start.hour == 19 and a.listed[native_id].updates == 1

    await a.deleted_by_hand(native_id)  # a moderator deletes it on the platform: listed again
    [again] = [i for i, f in a.listed.items() if f.listing.title == "FromB later"]
    assert again != native_id
    await bot.settle()
    assert "Interested" not in b.messages[card_b.id].text  # the new listing's count, not the old

    await b.invoke("!event cancel 2")
    assert titles(a) == ["FromA"]


async def test_each_space_decides_for_itself(pair: tuple[SurfacesFakeAdapter, FakeAdapter], bot: Bot) -> None:
    a, b = pair
    await link(a, b)
    a.listing_off.add("guild")  # that space's own setting is off
    await b.invoke(f"!event create Off when={WHEN}")
    assert a.listed == {}
    a.listing_off.clear()
    a.refuse["listing"] = "missing permission Manage Events; give logoff's role Manage Events"
    await b.invoke('!event create Refused when="2026-11-27 18:00"')
    await b.invoke('!event create Again when="2026-11-28 18:00"')
    assert a.listed == {}
    # Said once, in the space whose platform refused, and noted for its moderators.
    assert len(a.containing("Manage Events")) == 1 and a.containing("Manage Events")[0].text.startswith("⚠️")
    assert b.containing("Manage Events") == []
    [shown] = await a.invoke("!config show", "moda", mod=True)
    assert "Event list: missing permission Manage Events" in shown.text
    [shown] = await b.invoke("!config show", "modb", mod=True)
    assert "Manage Events" not in shown.text


async def test_restarts_never_list_twice(bot: Bot, databases: Callable[[], str], clock: ManualClock) -> None:
    a, b = sides()
    bot.add_adapter(a)
    bot.add_adapter(b)
    await bot.start()
    await link(a, b)
    await b.invoke(f"!event create Listed when={WHEN}")
    await b.invoke('!event create Lost when="2026-11-27 18:00"')
    listed, lost = sorted(a.listed)
    # A crash after the platform made the second listing and before its id was stored.
    await bot.db.execute("DELETE FROM event_listings WHERE event_id=2")
    a.listed[listed].interested.update({"x", "y"})  # marked while the bot was away
    for expected_puts in (["put None"], []):
        await bot.stop()
        bot = await build_bot(databases(), clock=clock)
        again_a, again_b = sides()
        again_a.listed, again_a.messages, again_a.log = a.listed, a.messages, a.log
        again_a._native_ids = a._native_ids
        again_b.messages, again_b.log = b.messages, b.log
        a, b = again_a, again_b
        bot.add_adapter(a)
        bot.add_adapter(b)
        await bot.start()
        await bot.settle()
        assert sorted(a.listed) == [listed, lost]  # adopted by its marker, not made again
        assert [c for c in a.calls if c.startswith("put")] == expected_puts
        assert "Interested (2)" in b.messages[card_of(b, "#1").id].text
        a.calls.clear()
    rows = await bot.db.fetchall("SELECT event_id, space, listing_id FROM event_listings ORDER BY event_id")
    assert [tuple(r) for r in rows] == [(1, "alpha:guild", listed), (2, "alpha:guild", lost)]
    await bot.stop()
