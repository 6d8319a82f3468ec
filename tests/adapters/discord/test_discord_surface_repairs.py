"""An event's native surfaces on Discord after Discord or a moderator got in the way, end to end
(the real cogs, adapter and discord.py against the fake Discord): a thread deleted by hand is
forgotten at the first 10003 (the reminders go to the channel alone from then on); a rename
Discord held back or an archived thread refused lands later; an edit of a listing under way that
Discord refuses for a reason that may pass keeps the listing (and its Interested people)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.clock import ManualClock
from tests.adapters.discord.test_discord_surfaces import help_still_answers, listed, requests_to
from tests.adapters.discord.test_discord_surfaces_cog import (
    ALL,
    card_text,
    config_set,
    listing_of,
    new_event,
    warnings_about,
)
from tests.discord_fake import MANAGE_EVENTS, MANAGE_ROLES, message_text
from tests.discord_fake.harness import Harness, World, delivered
from tests.discord_fake.scheduled import ACTIVE
from tests.discord_fake.wire import invalid_form


def reminders_in(world: World, channel: int) -> list[str]:
    return [t for t in (message_text(m) for m in world.fake.channel_messages(channel)) if "Reminder" in t]


async def test_a_thread_deleted_by_hand_is_forgotten_at_the_first_unknown_channel(
        harness: Harness, world: World, caplog: pytest.LogCaptureFixture) -> None:
    """A moderator deleted the event's thread: the next reminder's post there gets 10003 Unknown
    Channel, and from then on the event is one without a thread (its reminders in the channel
    only), even after a restart: no request and no warning per reminder."""
    fake = world.fake
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    bot, adapter = await harness.start(ALL, clock=ManualClock())
    await config_set(world, "events.thread", "on")
    await config_set(world, "reminders", "3h,2h,1h")
    card, eid = await new_event(world, bot, "Picnic", "in 4 hours")
    fake.threads.delete_by_hand(card)
    await delivered(fake, bot, adapter)

    await bot.scheduler.advance(timedelta(hours=1, minutes=1))  # the 3h reminder
    await delivered(fake, bot, adapter)
    assert len(reminders_in(world, world.channel)) == 1
    assert requests_to(world, "POST", f"/channels/{card}/messages") == 1
    row = await bot.db.fetchone("SELECT thread_id FROM event_native WHERE event_id=?", (eid,))
    assert row is None or row[0] is None, "forgotten, durably"

    await harness.stop(bot)
    bot, adapter = await harness.start(ALL, clock=ManualClock(bot.clock.now()))
    caplog.clear()
    await bot.scheduler.advance(timedelta(hours=2))  # the 2h and 1h reminders
    await delivered(fake, bot, adapter)
    assert len(reminders_in(world, world.channel)) == 3, "the channel has every one"
    assert requests_to(world, "POST", f"/channels/{card}/messages") == 1, "not tried again"
    assert [r for r in caplog.records if "thread" in r.getMessage() and r.levelname == "WARNING"] == []
    assert warnings_about(world, "") == []
    await help_still_answers(world)


async def interested_in_picnic_under_way(harness: Harness, world: World,
                                         ahead: timedelta = timedelta(0)) -> tuple[Any, Any, int, int, str]:
    """Picnic listed, bob interested, and under way on Discord (whose clock is `ahead` of the
    bot's): the bot, its adapter, the card, the event's id and its listing's id."""
    fake = world.fake
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    clock = ManualClock()
    fake.scheduled.clock = lambda: clock.now() + ahead
    bot, adapter = await harness.start(ALL, clock=clock)
    card, eid = await new_event(world, bot, "Picnic", "in 3 hours")
    listing = listing_of(world, eid)["id"]
    fake.scheduled.mark_interested(int(listing), world.users["bob"])
    await fake.wait_for(lambda: "Interested (1)" in card_text(world, card), what="bob interested")
    await bot.scheduler.advance(timedelta(hours=3) - ahead / 2)
    await delivered(fake, bot, adapter)
    assert fake.scheduled.status(fake.scheduled.events[int(listing)]) == ACTIVE
    return bot, adapter, card, eid, listing


async def test_an_edit_crossing_the_start_keeps_the_listing_under_way(harness: Harness, world: World) -> None:
    """Discord started the listing a moment before the bot's clock got there (or while the edit
    was on its way): the start it was sent again, unchanged, is refused (50035 on
    scheduled_start_time), and the edit lands without it instead of listing the event anew
    and losing who is interested."""
    fake, u = world.fake, world.users
    bot, adapter, card, eid, listing = await interested_in_picnic_under_way(harness, world, timedelta(minutes=1))
    edited = await fake.send_interaction("event edit", {"id": eid, "where": "Blue Cafe"}, user=u["alice"],
                                         channel=world.channel)
    assert "Updated" in edited.text, edited.text
    await delivered(fake, bot, adapter)
    assert [ev["id"] for ev in listed(world)] == [listing], "the same listing"
    assert fake.scheduled.events[int(listing)]["entity_metadata"] == {"location": "Blue Cafe"}
    assert fake.scheduled.interested[int(listing)] == [u["bob"]]
    assert "Interested (1)" in card_text(world, card)
    assert requests_to(world, "POST", "/scheduled-events") == 1
    assert warnings_about(world, "") == []


async def test_a_listing_under_way_refused_an_edit_for_another_reason_is_kept(harness: Harness,
                                                                             world: World) -> None:
    """Only Discord's refusal of a new start for an event under way means the edit can never
    land there; any other 400 leaves the listing (and its Interested people) as it is, and
    the next change tries again."""
    fake, u, ch = world.fake, world.users, world.channel
    bot, adapter, card, eid, listing = await interested_in_picnic_under_way(harness, world)
    fake.scheduled.refuse_next_edit(invalid_form("entity_metadata.location", "BASE_TYPE_BAD_LENGTH",
                                                 "Must be between 1 and 100 in length."))
    edited = await fake.send_interaction("event edit", {"id": eid, "when": "in 26 hours"}, user=u["alice"],
                                         channel=ch)
    assert "Updated" in edited.text, edited.text
    await delivered(fake, bot, adapter)
    assert [ev["id"] for ev in listed(world)] == [listing], "not taken down for it"
    assert fake.scheduled.interested[int(listing)] == [u["bob"]]
    assert requests_to(world, "DELETE", "/scheduled-events") == 0
    assert requests_to(world, "POST", "/scheduled-events") == 1
    [said] = warnings_about(world, "Discord")
    assert "still shows this event as it was" in said and "entity_metadata.location" in said, said

    # The new start is what Discord refuses for good now: listed anew at it.
    await fake.send_interaction("event edit", {"id": eid, "where": "Blue Cafe"}, user=u["alice"], channel=ch)
    await delivered(fake, bot, adapter)
    [now_listed] = listed(world)
    assert now_listed["id"] != listing and now_listed["entity_metadata"] == {"location": "Blue Cafe"}
    assert datetime.fromisoformat(now_listed["scheduled_start_time"]) == bot.clock.now() + timedelta(hours=26)
    assert warnings_about(world, "") == [said], "said once"


@pytest.mark.parametrize("surface", ["thread", "role"])
async def test_a_rename_discord_holds_back_beyond_the_wait_lands_later(harness: Harness, world: World, surface: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The edit's reply does not wait out Discord's rename limit (429 with retry_after), but the
    rename is not given up with it: it lands once Discord lets it, without a word to anyone."""
    from adapters.discord import surfaces

    monkeypatch.setattr(surfaces, "RENAME_WAIT", 0.05)
    fake, u, ch = world.fake, world.users, world.channel
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS | MANAGE_ROLES)
    bot, adapter = await harness.start(ALL, clock=ManualClock())
    await config_set(world, f"events.{surface}", "on")
    card, eid = await new_event(world, bot, "Picnic")
    role = next((r["id"] for r in fake.guilds[world.guild]["roles"] if r["name"] == f"Picnic #{eid}"), "")
    fake.inject_429("PATCH", rf"/channels/{card}$" if surface == "thread" else r"/roles/\d+$", retry_after=0.5)
    edited = await fake.send_interaction("event edit", {"id": eid, "title": "Lunch"}, user=u["alice"], channel=ch)
    assert "Updated" in edited.text, edited.text

    def name() -> str:
        got = fake.channels[card] if surface == "thread" else fake.roles.role(world.guild, role)
        assert got is not None
        return str(got["name"])

    await fake.wait_for(lambda: name() == f"Lunch #{eid}", what=f"the {surface} renamed")
    assert requests_to(world, "PATCH", f"/channels/{card}" if surface == "thread" else "/roles/") == 2
    await delivered(fake, bot, adapter)
    assert warnings_about(world, "") == []


async def test_a_thread_archived_for_quiet_takes_its_new_name_once_it_is_open_again(harness: Harness,
                                                                                  world: World) -> None:
    """Discord archived the thread after a quiet week, and refuses to rename it so (50083): the
    new title is not dropped, it lands once the thread is open again (the next reminder posted
    there reopens it), and nobody is told of a refusal."""
    fake, u, ch = world.fake, world.users, world.channel
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    bot, adapter = await harness.start(ALL, clock=ManualClock())
    await config_set(world, "events.thread", "on")
    await config_set(world, "reminders", "1h")
    card, eid = await new_event(world, bot, "Picnic", "in 3 hours")
    fake.threads.archive_for_quiet(card)
    await delivered(fake, bot, adapter)
    edited = await fake.send_interaction("event edit", {"id": eid, "title": "Lunch"}, user=u["alice"], channel=ch)
    assert "Updated" in edited.text, edited.text
    await delivered(fake, bot, adapter)
    assert fake.channels[card]["name"] == f"Picnic #{eid}", "Discord refused it while archived"

    await bot.scheduler.advance(timedelta(hours=2, minutes=1))  # the reminder, posted in the thread too
    await delivered(fake, bot, adapter)
    assert len(reminders_in(world, card)) == 1
    await fake.wait_for(lambda: fake.channels[card]["name"] == f"Lunch #{eid}", what="the thread renamed")
    assert fake.channels[card]["thread_metadata"]["archived"] is False
    assert warnings_about(world, "") == []


async def test_a_rename_discord_client_gave_up_on_is_tried_again(harness: Harness, world: World,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """discord.py waits out a 429 a few times and then raises it: the rename is tried again
    after a pause rather than dropped."""
    from adapters.discord import renames, surfaces

    monkeypatch.setattr(surfaces, "RENAME_WAIT", 0.05)
    monkeypatch.setattr(renames, "PAUSE_FIRST", 0.05)
    fake, u, ch = world.fake, world.users, world.channel
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    bot, adapter = await harness.start(ALL, clock=ManualClock())
    await config_set(world, "events.thread", "on")
    card, eid = await new_event(world, bot, "Picnic")
    fake.inject_429("PATCH", rf"/channels/{card}$", times=8, retry_after=0.01)
    edited = await fake.send_interaction("event edit", {"id": eid, "title": "Lunch"}, user=u["alice"], channel=ch)
    assert "Updated" in edited.text, edited.text
    await fake.wait_for(lambda: fake.channels[card]["name"] == f"Lunch #{eid}", what="the thread renamed")
    await delivered(fake, bot, adapter)
    assert requests_to(world, "PATCH", f"/channels/{card}") == 9, "eight held back, then the one that landed"
    assert warnings_about(world, "") == []
