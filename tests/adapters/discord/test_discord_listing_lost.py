"""The Events tab on Discord when the answer to a listing's POST was lost (Discord made the
scheduled event, the client saw a 503), end to end: logoff never stored its id, and when the
event is cancelled the listing is still deleted, found by its marker in the guild's scheduled
events; if that fails too, the next start finds and deletes it (one lookup for the server)."""

from __future__ import annotations

from tests.adapters.discord.test_discord_listing_retries import tab_on
from tests.adapters.discord.test_discord_surfaces import listed, requests_to
from tests.adapters.discord.test_discord_surfaces_cog import (
    ALL,
    at,
    new_event,
    typed,
    warnings_about,
)
from tests.discord_fake.harness import Harness, World, delivered


async def test_a_listing_whose_answer_was_lost_is_deleted_at_the_cancel(harness: Harness, world: World) -> None:
    fake, u = world.fake, world.users
    clock, bot, adapter = await tab_on(harness, world)
    fake.scheduled.lost["POST"] = 1
    _, picnic = await new_event(world, bot, "Picnic", typed(at(clock, 2, 18)))
    await delivered(fake, bot, adapter)
    [made] = listed(world)
    await fake.send_interaction("event cancel", {"id": picnic}, user=u["alice"], channel=world.channel)
    await delivered(fake, bot, adapter)
    assert listed(world) == []
    assert requests_to(world, "DELETE", f"/scheduled-events/{made['id']}") == 1
    assert warnings_about(world, "Discord") == []


async def test_a_lost_listing_whose_deletion_met_an_outage_goes_at_the_next_start(harness: Harness,
                                                                                 world: World) -> None:
    fake, u = world.fake, world.users
    clock, bot, adapter = await tab_on(harness, world)
    fake.scheduled.lost["POST"] = 2
    _, picnic = await new_event(world, bot, "Picnic", typed(at(clock, 2, 18)))
    _, movies = await new_event(world, bot, "Movies", typed(at(clock, 3, 20)))
    await delivered(fake, bot, adapter)
    assert len(listed(world)) == 2
    fake.scheduled.outages["DELETE"] = 2
    for eid in (picnic, movies):
        await fake.send_interaction("event cancel", {"id": eid}, user=u["alice"], channel=world.channel)
    await delivered(fake, bot, adapter)
    assert len(listed(world)) == 2, "both deletions met the outage"
    await harness.stop(bot)

    looked = requests_to(world, "GET", "/scheduled-events")
    bot, adapter = await harness.start(ALL, clock=clock)
    await delivered(fake, bot, adapter)
    assert listed(world) == []
    assert requests_to(world, "GET", "/scheduled-events") - looked == 1, "one lookup serves both"
    assert warnings_about(world, "Discord") == []
