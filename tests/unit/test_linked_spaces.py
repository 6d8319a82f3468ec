"""Linked spaces (PRODUCT.md "Linked spaces"; issue 20) on two fake platforms in one bot:
codes, one tally and one RSVP list with a card on each side, capacity and waitlist across
both, promotions said where the person is, reminders once per space with that space's own
mentions, edits and cancels on both, names with their platform, unlink, and bad input."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.adapter import Capabilities
from bot.app import Bot
from bot.model import ChannelRef
from bot.testing import FakeAdapter, Sent
from tests.unit.linking import code_in, link

WHEN = '"2026-11-26 18:00"'


@pytest.fixture
async def pair(bot: Bot) -> tuple[FakeAdapter, FakeAdapter]:
    a = FakeAdapter("alpha", space="guild", channel="general",
                    capabilities=Capabilities(buttons=True, ephemeral=True, edits_per_window=0,
                                              direct_messages=True, label="Alpha"))
    b = FakeAdapter("beta", space="room", channel="room",
                    capabilities=Capabilities(edits_per_window=0, direct_messages=True, label="Beta"))
    bot.add_adapter(a)
    bot.add_adapter(b)
    await bot.start()
    return a, b


def cards(fake: FakeAdapter, ref: str) -> list[Sent]:
    return [s for s in fake.cards() if ref in s.text]


async def test_one_poll_one_tally_on_both_sides(pair: tuple[FakeAdapter, FakeAdapter], bot: Bot) -> None:
    a, b = pair
    code_reply, done = await link(a, b)
    assert code_reply.ephemeral
    assert "Linked with Alpha channel general" in done.text and "Linked with Beta channel room" in a.log[-1].text
    [card_a] = await a.invoke('!poll create "Where?" Park | Cafe')
    [card_b] = cards(b, "#1")
    await a.react(card_a, "1️⃣", "alice")
    await b.react(card_b, "2️⃣", "bob")
    await b.react(card_b, "2️⃣", "carol")
    await b.invoke("!poll vote 1 1", "dave")  # the text vote works in the linked space too
    await bot.settle()
    for fake, card in ((a, card_a), (b, card_b)):
        text = fake.messages[card.id].text
        assert re.search(r"1️⃣ Park — 2 ", text) and re.search(r"2️⃣ Cafe — 2 ", text), text
    await b.invoke("!poll close 1", "modb", mod=True)
    assert a.containing("Results of poll #1") and b.containing("Results of poll #1")


async def test_one_rsvp_list_capacity_waitlist_promotion_and_reminders(
        pair: tuple[FakeAdapter, FakeAdapter], bot: Bot) -> None:
    a, b = pair
    await link(a, b)
    await b.invoke("!config set reminders 1h", "modb", mod=True)  # the event's space's settings
    [card_b] = await b.invoke(f"!event create Clean-up when={WHEN} capacity=3")
    [card_a] = cards(a, "#1")
    await a.react(card_a, "✅", "ann")
    await b.react(card_b, "✅", "bea")
    await a.react(card_a, "✅", "amy")
    await b.react(card_b, "✅", "bob")  # the fourth: waitlisted, told on Beta
    await bot.settle()
    for fake, card in ((a, card_a), (b, card_b)):
        text = fake.messages[card.id].text
        assert "Going (3/3)" in text and "Waitlist (1)" in text, text
    assert [s for s in b.containing("waitlist") if "bob" in [u.id for u in s.out.mentions]]
    assert not [s for s in a.containing("is full")]
    # On each card the people from the other platform say where they are from, and the card
    # speaks its own platform's command syntax.
    assert "bea (Beta)" in a.messages[card_a.id].text and "ann (Alpha)" not in a.messages[card_a.id].text
    assert "ann (Alpha)" in b.messages[card_b.id].text and "bea (Beta)" not in b.messages[card_b.id].text

    await a.react(card_a, "✅", "ann", added=False)  # a leave on Alpha promotes bob on Beta
    [promoted] = b.containing("a spot opened up")
    assert [u.id for u in promoted.out.mentions] == ["bob"]
    assert not a.containing("a spot opened up")

    [listing] = await a.invoke("!event attendees 1")
    assert "amy (Alpha)" in listing.text and "bob (Beta)" in listing.text

    await bot.scheduler.advance(timedelta(days=4))
    [rem_a] = a.containing("Reminder")
    [rem_b] = b.containing("Reminder")
    assert sorted(u.id for u in rem_a.out.mentions) == ["amy"]
    assert sorted(u.id for u in rem_b.out.mentions) == ["bea", "bob"]
    # Each space's reminder has its own key: a re-run of the job posts none twice.
    assert len(set(a.sends_with_key) & set(b.sends_with_key)) == 0


async def test_edits_cancels_and_commands_reach_both(pair: tuple[FakeAdapter, FakeAdapter], bot: Bot) -> None:
    a, b = pair
    await link(a, b)
    [card_a] = await a.invoke(f"!event create Quiz when={WHEN}")
    [card_b] = cards(b, "#1")
    await b.invoke("!rsvp 1 going", "bob")
    await a.invoke('!event edit 1 when="2026-11-26 19:00" where="Library"')
    assert b.containing("has a new time") and a.containing("has a new time")
    await bot.settle()
    assert "19:00" in b.messages[card_b.id].text and "Library" in b.messages[card_b.id].text
    [listed] = await b.invoke("!event list")
    assert "#1 Quiz" in listed.text
    await b.invoke("!event cancel 1", "modb", mod=True)
    assert a.containing("cancelled") and b.containing("cancelled")
    assert "(cancelled)" in a.messages[card_a.id].text


async def test_unlink_keeps_what_was_shared(pair: tuple[FakeAdapter, FakeAdapter], bot: Bot) -> None:
    a, b = pair
    await link(a, b)
    [card_a] = await a.invoke(f"!event create Quiz when={WHEN}")
    [done] = await b.invoke("!unlink", "modb", mod=True)
    assert "Unlinked" in done.text and a.containing("unlinked itself")
    await a.invoke('!event create Movies when="2026-11-27 20:00"')
    assert cards(b, "#2") == []
    [card_b] = cards(b, "#1")
    await b.react(card_b, "✅", "bob")  # the shared event still counts both sides
    await bot.settle()
    assert "Going (1)" in a.messages[card_a.id].text
    [again] = await b.invoke("!unlink", "modb", mod=True)
    assert again.text.startswith("⚠️") and "not linked" in again.text and "!link" in again.text


async def test_bad_codes_and_non_moderators_are_refused(pair: tuple[FakeAdapter, FakeAdapter], bot: Bot) -> None:
    a, b = pair
    [refused] = await b.invoke("!link ABCD-EFGH", "modb", mod=True)
    assert refused.text.startswith("⚠️") and "unknown" in refused.text
    [refused] = await a.invoke("!link", "someone")
    assert refused.text.startswith("⚠️")
    [code_reply] = await a.invoke("!link", "moda", mod=True)
    code = code_in(code_reply)
    [same] = await a.invoke(f"!link {code}", "moda", mod=True)
    assert same.text.startswith("⚠️") and "this channel" in same.text
    [twin] = await a.invoke(f"!link {code}", "moda", mod=True, channel=ChannelRef("alpha", "other", "guild"))
    assert twin.text.startswith("⚠️") and "two different platforms" in twin.text
    bot.clock.advance(timedelta(minutes=11))  # type: ignore[attr-defined]
    [late] = await b.invoke(f"!link {code}", "modb", mod=True)
    assert late.text.startswith("⚠️") and "expired" in late.text
    rows = await bot.db.fetchall("SELECT channel FROM link_members")
    assert rows == []  # nothing was linked by any of these


async def test_a_group_has_one_channel_per_platform(pair: tuple[FakeAdapter, FakeAdapter], bot: Bot) -> None:
    a, b = pair
    await link(a, b)
    [code_reply] = await a.invoke("!link", "moda", mod=True, channel=ChannelRef("alpha", "other", "guild"))
    code = code_in(code_reply)
    [refused] = await b.invoke(f"!link {code}", "modb", mod=True)
    assert refused.text.startswith("⚠️") and "one channel per platform" in refused.text
    rows = await bot.db.fetchall("SELECT channel FROM link_members ORDER BY channel")
    assert [r[0] for r in rows] == ["alpha:general", "beta:room"]
    [used] = await b.invoke(f"!link {code}", "modb", mod=True)  # refused codes stay usable...
    assert "one channel per platform" in used.text  # ...and say the same again


async def test_closed_dms_are_said_in_the_persons_own_space(pair: tuple[FakeAdapter, FakeAdapter], bot: Bot) -> None:
    a, b = pair
    await link(a, b)
    await b.invoke("!config set reminders 1h", "modb", mod=True)
    a.dms_closed.add("ann")
    b.dms_closed.add("bob")
    await a.invoke("!notify dm", "ann")
    await b.invoke("!notify dm", "bob")
    await a.invoke(f"!event create Quiz when={WHEN} capacity=1")  # made on Alpha
    await a.invoke("!rsvp 1 going", "amy")
    await b.invoke("!rsvp 1 going", "bob")  # waitlisted
    await a.invoke("!rsvp 1 going", "ann")  # waitlisted after bob
    await a.invoke("!rsvp 1 no", "amy")  # bob is promoted: his DM is refused
    await b.invoke("!rsvp 1 no", "bob")  # ann is promoted: hers is refused too
    await bot.settle()

    def told(fake: FakeAdapter) -> list[list[str]]:
        return [[u.id for u in s.out.mentions] for s in fake.containing("couldn't send you a direct message")]

    assert told(b) == [["bob"]]  # said where bob is, with the mention
    assert told(a) == [["ann"]]
    assert a.dm_attempts == ["ann"] and b.dm_attempts == ["bob"]


async def test_a_dm_shows_times_in_the_zone_of_the_persons_own_space(pair: tuple[FakeAdapter, FakeAdapter],
                                                                     bot: Bot) -> None:
    a, b = pair
    await link(a, b)
    await b.invoke("!config set timezone Asia/Tokyo", "modb", mod=True)  # Alpha stays UTC
    await b.invoke("!notify dm", "bob")
    await a.invoke(f"!event create Quiz when={WHEN}")  # made on Alpha
    await b.invoke("!rsvp 1 going", "bob")
    await a.invoke('!event edit 1 when="2026-11-26 19:00"')
    await bot.settle()
    [in_room] = [s.text for s in b.containing("has a new time") if not s.ref.channel_id.startswith("dm-")]
    [dm] = [s.text for s in b.log if s.ref.channel_id == "dm-bob"]
    assert "Fri 27 Nov 2026 04:00 JST" in in_room
    assert "Fri 27 Nov 2026 04:00 JST" in dm, dm


async def test_stats_count_the_shared_events_on_both_sides_once(pair: tuple[FakeAdapter, FakeAdapter],
                                                               bot: Bot) -> None:
    a, b = pair
    await link(a, b)
    await a.invoke(f"!event create Quiz when={WHEN}")  # #1, made on Alpha
    await b.invoke('!event create Walk when="2026-11-26 16:00"')  # #2, made on Beta
    await b.invoke("!rsvp 1 going", "bob")
    await a.invoke("!rsvp 1 going", "ann")
    await a.invoke("!rsvp 2 going", "ann")
    await bot.scheduler.advance(timedelta(days=3, hours=6, minutes=40))  # 15:40: the walk's check-in is open
    await a.invoke("!checkin 2", "ann")
    await bot.scheduler.advance(timedelta(hours=2))  # 17:40: the quiz's too
    await b.invoke("!checkin 1", "bob")
    await bot.scheduler.advance(timedelta(hours=3))  # both over
    for fake in (a, b):
        said = (await fake.invoke("!stats"))[0].text
        assert "2 events held, 3 going, 2 checked in" in said, (fake.platform, said)
        assert said.count("#1 Quiz") == 1 and said.count("#2 Walk") == 1, said


async def test_list_in_a_linked_space_keeps_the_other_sides_series(pair: tuple[FakeAdapter, FakeAdapter],
                                                                   bot: Bot) -> None:
    a, b = pair
    await link(a, b)
    await a.invoke('!event create Monthly when="2026-12-08 19:00" repeat=monthly count=3')
    await bot.scheduler.advance(timedelta(days=18))  # 11 Dec: 12 Jan is not posted yet
    for fake in (a, b):
        [listing] = await fake.invoke("!event list")
        assert "Monthly (🔁 monthly on the second tuesday, next: Tue 12 Jan 2027 19:00 UTC, not posted " \
               "yet)" in listing.text, (fake.platform, listing.text)
    await b.invoke("!unlink", "modb", mod=True)  # later ones stay on Alpha only
    [listing] = await b.invoke("!event list")
    assert "Monthly" not in listing.text, listing.text
    [listing] = await a.invoke("!event list")
    assert "Monthly" in listing.text, listing.text
