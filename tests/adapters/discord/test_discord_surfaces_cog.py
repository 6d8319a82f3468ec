"""Native surfaces on Discord with the events cog, end to end: /event create lists the event
in the Events tab (or says once why not), the Interested count reaches the card, a listing
deleted by hand comes back, threads and roles follow the settings and the RSVPs."""

from __future__ import annotations

import re

from tests.adapters.discord.test_discord_surfaces import help_still_answers, listed
from tests.discord_fake import MANAGE_EVENTS, MANAGE_ROLES, message_text
from tests.discord_fake.harness import Harness, World, delivered

ALL = ("cogs.admin", "cogs.polls", "cogs.events", "cogs.offline")


async def new_event(world: World, title: str) -> tuple[int, int]:
    """/event create by alice; (card message id, event id)."""
    created = await world.fake.send_interaction("event create", {"title": title, "when": "tomorrow 7pm"},
                                                user=world.users["alice"], channel=world.channel)
    [card] = [m for m in created.public if m["embeds"]]
    found = re.search(r"#(\d+)", card["embeds"][0]["title"])
    assert found, card["embeds"][0]["title"]
    return int(card["id"]), int(found.group(1))


def warnings_about(world: World, words: str) -> list[str]:
    texts = [message_text(m) for m in world.fake.channel_messages(world.channel)]
    return [t for t in texts if t.startswith("⚠️") and words in t]


async def test_events_are_listed_from_the_cog(harness: Harness, world: World) -> None:
    fake = world.fake
    bot, adapter = await harness.start(ALL)
    await new_event(world, "Picnic")
    await new_event(world, "Hike")
    await delivered(fake, bot, adapter)
    assert listed(world) == [] and len(warnings_about(world, "Manage Events")) == 1, "said once"
    await help_still_answers(world)

    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    card, eid = await new_event(world, "Concert")
    await delivered(fake, bot, adapter)
    [ev] = listed(world)
    assert ev["name"] == "Concert" and f"logoff event #{eid}" in ev["description"]
    fake.scheduled.mark_interested(int(ev["id"]), world.users["bob"])
    await fake.wait_for(lambda: "Interested (1)" in message_text(fake.messages[card]), what="count on the card")

    fake.scheduled.delete_by_hand(int(ev["id"]), by=fake.owner_of(world.guild))
    await fake.wait_for(lambda: [e["name"] for e in listed(world)] == ["Concert"], what="listed again")
    assert listed(world)[0]["id"] != ev["id"]
    await fake.send_interaction("event cancel", {"id": eid}, user=world.users["alice"], channel=world.channel)
    await delivered(fake, bot, adapter)
    assert listed(world) == []


async def test_threads_and_roles_from_the_cog(harness: Harness, world: World) -> None:
    fake, u = world.fake, world.users
    bot, adapter = await harness.start(ALL)
    for key in ("events.thread", "events.role"):
        await fake.send_interaction("config set", {"key": key, "value": "on"}, user=u["mod"], channel=world.channel)
    card, eid = await new_event(world, "Picnic")
    await delivered(fake, bot, adapter)
    assert fake.channels[card]["type"] == 11, "a thread under the card"
    assert len(warnings_about(world, "Manage Roles")) == 1

    fake.roles.grant_bot(world.guild, MANAGE_ROLES)
    card, eid = await new_event(world, "Hike")
    await fake.send_interaction("rsvp", {"id": eid, "status": "going"}, user=u["bob"], channel=world.channel)
    await delivered(fake, bot, adapter)
    [role] = [r for r in fake.guilds[world.guild]["roles"] if r["name"].startswith("Hike")]
    assert fake.roles.members_with(world.guild, role["id"]) == [u["bob"]]
    await help_still_answers(world)
