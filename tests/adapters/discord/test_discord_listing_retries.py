"""The Events tab on Discord after a passing outage (a 503 from Discord's edge), end to end: an
event whose listing failed is listed at its next edit, once; a cancelled event whose listing
could not be deleted is deleted at the next start, or when the setting is switched, and then
forgotten (a listing already gone, 10070 Unknown Guild Scheduled Event, counts as deleted)."""

from __future__ import annotations

from adapters.discord.adapter import DiscordAdapter
from bot.app import Bot
from bot.clock import ManualClock
from tests.adapters.discord.test_discord_surfaces import listed, requests_to
from tests.adapters.discord.test_discord_surfaces_cog import (
    ALL,
    at,
    config_set,
    listing_of,
    new_event,
    typed,
    warnings_about,
)
from tests.discord_fake import MANAGE_EVENTS
from tests.discord_fake.harness import Harness, World, delivered


async def tab_on(harness: Harness, world: World) -> tuple[ManualClock, Bot, DiscordAdapter]:
    """logoff started on a manual clock in a server that granted it Manage Events."""
    world.fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    clock = ManualClock()
    bot, adapter = await harness.start(ALL, clock=clock)
    return clock, bot, adapter


async def test_a_listing_that_met_an_outage_is_made_at_the_next_edit(harness: Harness, world: World) -> None:
    fake, u = world.fake, world.users
    clock, bot, adapter = await tab_on(harness, world)
    fake.scheduled.outages["POST"] = 1
    _, eid = await new_event(world, bot, "Picnic", typed(at(clock, 2, 18)))
    await delivered(fake, bot, adapter)
    assert listed(world) == []
    edited = await fake.send_interaction("event edit", {"id": eid, "title": "Big picnic"}, user=u["alice"],
                                         channel=world.channel)
    assert "Updated" in edited.text, edited.text
    await delivered(fake, bot, adapter)
    assert [ev["name"] for ev in listed(world)] == ["Big picnic"]
    assert requests_to(world, "POST", "/scheduled-events") == 2  # the one that failed, the one made
    assert warnings_about(world, "Discord") == []


async def test_a_listing_left_by_a_failed_cancel_goes_at_the_next_start(harness: Harness, world: World) -> None:
    fake, u = world.fake, world.users
    clock, bot, adapter = await tab_on(harness, world)
    _, picnic = await new_event(world, bot, "Picnic", typed(at(clock, 2, 18)))
    _, movies = await new_event(world, bot, "Movies", typed(at(clock, 3, 20)))
    await delivered(fake, bot, adapter)
    first, second = listing_of(world, picnic), listing_of(world, movies)
    fake.scheduled.outages["DELETE"] = 2
    for eid in (picnic, movies):
        await fake.send_interaction("event cancel", {"id": eid}, user=u["alice"], channel=world.channel)
    await delivered(fake, bot, adapter)
    assert len(listed(world)) == 2, "both deletions met the outage"
    await harness.stop(bot)

    # While logoff is down a moderator deletes one of them by hand: Discord answers 10070 for it.
    fake.scheduled.delete_by_hand(int(second["id"]), by=fake.owner_of(world.guild))
    bot, adapter = await harness.start(ALL, clock=clock)
    await delivered(fake, bot, adapter)
    assert listed(world) == []
    assert requests_to(world, "DELETE", f"/scheduled-events/{first['id']}") == 2
    assert requests_to(world, "DELETE", f"/scheduled-events/{second['id']}") == 2

    await harness.stop(bot)  # both forgotten: not asked for again
    bot, adapter = await harness.start(ALL, clock=clock)
    await delivered(fake, bot, adapter)
    assert requests_to(world, "DELETE", "/scheduled-events/") == 4
    assert warnings_about(world, "Discord") == []


async def test_a_listing_left_by_a_failed_cancel_goes_when_the_setting_is_switched(harness: Harness,
                                                                                  world: World) -> None:
    fake, u = world.fake, world.users
    clock, bot, adapter = await tab_on(harness, world)
    _, picnic = await new_event(world, bot, "Picnic", typed(at(clock, 2, 18)))
    await delivered(fake, bot, adapter)
    fake.scheduled.outages["DELETE"] = 1
    await fake.send_interaction("event cancel", {"id": picnic}, user=u["alice"], channel=world.channel)
    await delivered(fake, bot, adapter)
    assert len(listed(world)) == 1
    await config_set(world, "events.discord", "on")
    await delivered(fake, bot, adapter)
    assert listed(world) == []
    assert warnings_about(world, "Discord") == []
