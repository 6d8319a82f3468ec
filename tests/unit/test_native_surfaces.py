"""Events on a platform's own surfaces (PRODUCT.md "Native platform surfaces"; issue 19), on a
FakeAdapter that has them: listed in the event list and kept in step with edits, cancels and
restarts; the list's "interested" count on the card; a thread per event that gets the
reminders and is archived a day after the end; a role for those going. A surface the platform
refuses is said once with a ⚠️ and the rest of the bot goes on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.fake_surfaces import SurfacesFakeAdapter
from bot.testing import FakeAdapter

WHEN = '"2026-11-26 18:00"'


@pytest.fixture
async def native(bot: Bot) -> SurfacesFakeAdapter:
    adapter = SurfacesFakeAdapter()
    bot.add_adapter(adapter)
    await bot.start()
    return adapter


def only_listing(fake: SurfacesFakeAdapter) -> tuple[str, str]:
    [(native_id, found)] = fake.listed.items()
    return native_id, found.listing.title


async def test_an_event_is_listed_edited_and_withdrawn_with_the_card(native: SurfacesFakeAdapter) -> None:
    [card] = await native.invoke(f'!event create Picnic when={WHEN} where="Riverside Park" details="Bring food"')
    native_id, title = only_listing(native)
    listing = native.listed[native_id].listing
    assert title == "Picnic" and listing.place == "Riverside Park"
    assert listing.start.isoformat() == "2026-11-26T18:00:00+00:00"
    assert listing.end - listing.start == timedelta(hours=2)
    assert "logoff event #1" in listing.description and "!rsvp 1 going" in listing.description
    assert listing.details == "Bring food" and listing.card == card.ref

    await native.invoke('!event edit 1 title="Big picnic" when="2026-11-26 19:00"')
    assert only_listing(native) == (native_id, "Big picnic")  # updated in place, same id
    assert native.listed[native_id].listing.start.hour == 19

    await native.invoke("!event cancel 1")
    assert native.listed == {}


async def test_interested_count_shows_on_the_card_and_rsvps_stay_the_truth(native: SurfacesFakeAdapter,
                                                                           bot: Bot) -> None:
    [card] = await native.invoke(f"!event create Picnic when={WHEN}")
    native_id, _ = only_listing(native)
    await native.mark_interested(native_id, "u1")
    await native.mark_interested(native_id, "u2")
    await bot.settle()
    assert "Interested (2)" in native.messages[card.id].text
    assert "Going (0)" in native.messages[card.id].text
    await native.mark_interested(native_id, "u1", interested=False)
    await bot.settle()
    assert "Interested (1)" in native.messages[card.id].text


async def test_a_listing_deleted_by_hand_comes_back(native: SurfacesFakeAdapter) -> None:
    await native.invoke(f"!event create Picnic when={WHEN}")
    native_id, _ = only_listing(native)
    await native.deleted_by_hand(native_id)
    new_id, title = only_listing(native)
    assert new_id != native_id and title == "Picnic"


async def test_a_relisted_event_does_not_keep_the_old_listings_count(native: SurfacesFakeAdapter,
                                                                      bot: Bot) -> None:
    [card] = await native.invoke(f"!event create Picnic when={WHEN}")
    native_id, _ = only_listing(native)
    await native.mark_interested(native_id, "u1")
    await bot.settle()
    assert "Interested (1)" in native.messages[card.id].text
    await native.deleted_by_hand(native_id)  # listed again: nobody has marked the new one yet
    await bot.settle()
    assert "Interested" not in native.messages[card.id].text


async def restart(bot: Bot, fake: SurfacesFakeAdapter, databases: Callable[[], str],
                  clock: ManualClock) -> tuple[Bot, SurfacesFakeAdapter]:
    """Stop and start on the same database; the platform keeps what it had."""
    await bot.stop()
    again_bot = await build_bot(databases(), clock=clock)
    again = SurfacesFakeAdapter()
    again.listed, again.messages, again.log = fake.listed, fake.messages, fake.log
    again._native_ids = fake._native_ids  # the platform's ids stay unique
    again_bot.add_adapter(again)
    await again_bot.start()
    return again_bot, again


async def test_restart_reconciles_listings_without_duplicates(native: SurfacesFakeAdapter, bot: Bot,
                                                              databases: Callable[[], str],
                                                              clock: ManualClock) -> None:
    await native.invoke(f"!event create Picnic when={WHEN}")
    await native.invoke('!event create Movies when="2026-11-27 20:00"')
    first, second = sorted(native.listed)
    native.listed[first].interested.update({"a", "b", "c"})  # marked while the bot was away
    del native.listed[second]  # ...and a moderator deleted one meanwhile
    bot, native = await restart(bot, native, databases, clock)
    try:
        assert len(native.listed) == 2 and first in native.listed
        assert sorted(f.listing.title for f in native.listed.values()) == ["Movies", "Picnic"]
        await bot.settle()
        [card] = [s for s in native.log if s.text.startswith("📅 Picnic")]
        assert "Interested (3)" in native.messages[card.id].text
    finally:
        await bot.stop()


async def test_a_crash_before_the_id_is_stored_adopts_the_listing(native: SurfacesFakeAdapter, bot: Bot,
                                                                  databases: Callable[[], str],
                                                                  clock: ManualClock) -> None:
    await native.invoke(f"!event create Picnic when={WHEN}")
    native_id, _ = only_listing(native)
    await bot.db.execute("DELETE FROM event_listings")  # as if the id never got stored
    bot, native = await restart(bot, native, databases, clock)
    try:
        assert list(native.listed) == [native_id]  # found by its marker, not made twice
        row = await bot.db.fetchone("SELECT listing_id FROM event_listings WHERE event_id=1")
        assert row is not None and row[0] == native_id
    finally:
        await bot.stop()


async def test_thread_gets_reminders_and_is_archived_a_day_after_the_end(native: SurfacesFakeAdapter,
                                                                         bot: Bot) -> None:
    await native.invoke("!config set events.thread on", "mod", mod=True)
    await native.invoke("!config set reminders 1h", "mod", mod=True)
    [card] = await native.invoke(f"!event create Picnic when={WHEN}")
    assert native.threads_open == {f"thread-{card.id}": "Picnic #1"}
    await native.react(card, "✅", "bob")
    await bot.scheduler.advance(timedelta(days=6))  # past the reminder, the end and a day
    in_thread = [s for s in native.log if s.ref.channel_id == f"thread-{card.id}"]
    assert len(in_thread) == 1 and "Reminder" in in_thread[0].text
    assert in_thread[0].out.mentions == ()  # the channel post pinged already
    assert native.threads_open == {}  # ...the event ended more than a day ago
    assert native.threads_closed == {f"thread-{card.id}": "Picnic #1"}


async def test_role_follows_who_is_going_and_is_deleted_after_the_event(native: SurfacesFakeAdapter,
                                                                        bot: Bot) -> None:
    await native.invoke("!config set events.role on", "mod", mod=True)
    [card] = await native.invoke(f"!event create Picnic when={WHEN} capacity=1")
    [(role_id, name)] = native.role_names.items()
    assert name == "Picnic #1"
    await native.react(card, "✅", "alice")
    await native.react(card, "✅", "bob")  # waitlisted: no role yet
    assert native.role_members[role_id] == {"alice"}
    await native.react(card, "✅", "alice", added=False)  # bob is promoted
    assert native.role_members[role_id] == {"bob"}
    await native.invoke("!rsvp 1 no", "bob")
    assert native.role_members[role_id] == set()
    await native.invoke("!rsvp 1 going", "carol")
    assert native.role_members[role_id] == {"carol"}
    await bot.scheduler.advance(timedelta(days=6))  # a day after the end
    assert native.role_names == {}


async def test_a_moved_event_keeps_its_thread_and_role_until_a_day_after_its_new_end(
        native: SurfacesFakeAdapter, bot: Bot) -> None:
    for setting in ("events.thread", "events.role"):
        await native.invoke(f"!config set {setting} on", "mod", mod=True)
    [card] = await native.invoke(f"!event create Picnic when={WHEN}")  # ends 2026-11-26 20:00
    await native.invoke('!event edit 1 when="2026-11-30 18:00"')
    await bot.scheduler.advance(timedelta(days=6))  # a day after the old end, not the new one
    assert native.threads_open == {f"thread-{card.id}": "Picnic #1"} and len(native.role_names) == 1
    await bot.scheduler.advance(timedelta(days=4))
    assert native.threads_open == {} and native.role_names == {}


@pytest.mark.parametrize("surface, setting", [("listing", None), ("thread", "events.thread"),
                                              ("role", "events.role")])
async def test_a_refusing_surface_is_said_once_and_the_rest_goes_on(native: SurfacesFakeAdapter, bot: Bot,
                                                                     surface: str, setting: str | None) -> None:
    if setting:
        await native.invoke(f"!config set {setting} on", "mod", mod=True)
    native.refuse[surface] = "missing permission Manage Things; give logoff's role Manage Things"
    [card] = await native.invoke(f"!event create Picnic when={WHEN}")
    await native.invoke('!event create Movies when="2026-11-27 20:00"')
    warned = native.containing("⚠️ missing permission Manage Things")
    assert len(warned) == 1  # said once, not per event
    await native.react(card, "✅", "bob")
    await bot.settle()
    assert "Going (1)" in native.messages[card.id].text  # RSVPs and cards go on
    [shown] = await native.invoke("!config show", "mod", mod=True)
    assert "Manage Things" in shown.text
    del native.refuse[surface]
    await native.invoke('!event create Quiz when="2026-11-28 20:00"')
    [shown] = await native.invoke("!config show", "mod", mod=True)
    assert "Manage Things" not in shown.text  # it works again: the note is gone


async def test_platforms_without_surfaces_are_untouched_and_settings_refused(fake: FakeAdapter) -> None:
    [card] = await fake.invoke(f"!event create Picnic when={WHEN}")
    assert "Interested" not in card.text
    [refused] = await fake.invoke("!config set events.thread on", "mod", mod=True)
    assert refused.text.startswith("⚠️")
