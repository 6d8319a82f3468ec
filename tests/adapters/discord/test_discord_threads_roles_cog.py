"""Threads and roles on Discord with the events cog, end to end (issue 19): with `events.thread on`
a thread under the card, named after the event, that gets the reminders too (without a second
ping) and is archived a day after the end; with `events.role on` a role only logoff can mention,
given to those going and taken back when they leave or go to the waitlist, deleted a day after
the end. Time moves on a manual clock; Discord's own state is the fake's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.clock import ManualClock
from tests.adapters.discord.test_discord_surfaces import help_still_answers
from tests.adapters.discord.test_discord_surfaces_cog import (
    ALL,
    card_text,
    config_set,
    new_event,
    warnings_about,
)
from tests.discord_fake import MANAGE_EVENTS, MANAGE_ROLES, message_text
from tests.discord_fake.harness import Harness, World, delivered


async def test_a_thread_per_event_gets_the_reminder_and_is_archived_after_the_end(harness: Harness,
                                                                                  world: World) -> None:
    fake, u, ch = world.fake, world.users, world.channel
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    clock = ManualClock()
    bot, adapter = await harness.start(ALL, clock=clock)
    await config_set(world, "events.thread", "on")
    await config_set(world, "reminders", "1h")
    picnic, eid = await new_event(world, bot, "Picnic", "in 3 hours")  # ends in 5 hours
    hike, _ = await new_event(world, bot, "Hike", "in 4 hours")
    await delivered(fake, bot, adapter)
    thread = fake.channels[picnic]  # a message's thread has the message's id
    assert thread["type"] == 11 and thread["parent_id"] == str(ch) and thread["name"] == f"Picnic #{eid}"
    assert thread["thread_metadata"]["archived"] is False
    assert adapter._client().get_channel(picnic) is not None, "discord.py saw THREAD_CREATE"
    assert sorted(int(t["id"]) for t in fake.threads.of_channel(ch)) == sorted([picnic, hike])

    # The Hike moves three days later: its thread lives until a day after the new end.
    await fake.send_interaction("event edit", {"id": eid + 1, "when": "in 72 hours"}, user=u["alice"], channel=ch)
    fake.add_reaction(picnic, "✅", u["bob"])
    await fake.wait_for(lambda: "Going (1)" in card_text(world, picnic), what="bob going")

    await bot.scheduler.advance(timedelta(hours=2, minutes=1))  # the Picnic's 1h reminder
    await delivered(fake, bot, adapter)
    [in_channel] = [m for m in fake.channel_messages(ch) if "Reminder" in message_text(m)]
    assert fake.pings(in_channel["content"], in_channel["_allowed_mentions"]) == ([u["bob"]], False)
    [in_thread] = fake.channel_messages(picnic)
    assert "Reminder" in message_text(in_thread) and "Picnic" in message_text(in_thread)
    assert fake.pings(in_thread["content"], in_thread["_allowed_mentions"]) == ([], False), "no second ping"
    assert in_thread["_enforce_nonce"] is True and in_thread["nonce"] != in_channel["nonce"], \
        "a key of its own: posted once there too, even after a crash"

    await bot.scheduler.advance(timedelta(hours=2, minutes=58) + timedelta(hours=23))  # the end + 23 h
    await delivered(fake, bot, adapter)
    assert thread["thread_metadata"]["archived"] is False, "archived only a day after the end"
    await bot.scheduler.advance(timedelta(hours=1, minutes=2))
    await delivered(fake, bot, adapter)
    assert thread["thread_metadata"]["archived"] is True and thread["thread_metadata"]["locked"] is False
    assert fake.channels[hike]["thread_metadata"]["archived"] is False, "the moved event keeps its thread"
    assert [m for m in fake.channel_messages(hike) if "Reminder" in message_text(m)] == []

    await bot.scheduler.advance(timedelta(days=3))
    await delivered(fake, bot, adapter)
    assert fake.channels[hike]["thread_metadata"]["archived"] is True
    assert len([m for m in fake.channel_messages(hike) if "Reminder" in message_text(m)]) == 1
    assert warnings_about(world, "") == [] and len(fake.channel_messages(picnic)) == 1
    await help_still_answers(world)


async def test_a_role_follows_who_is_going_and_is_deleted_after_the_end(harness: Harness, world: World) -> None:
    fake, u, ch = world.fake, world.users, world.channel
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS | MANAGE_ROLES)
    clock = ManualClock()
    bot, adapter = await harness.start(ALL, clock=clock)
    await config_set(world, "events.role", "on")
    card, eid = await new_event(world, bot, "Picnic", "in 3 hours", capacity=1)  # ends in 5 hours
    await delivered(fake, bot, adapter)
    [role] = [r for r in fake.guilds[world.guild]["roles"] if r["name"] == f"Picnic #{eid}"]
    assert role["mentionable"] is False and role["permissions"] == "0" and role["managed"] is False

    def holders() -> list[int]:
        return fake.roles.members_with(world.guild, role["id"])

    async def then(action: Callable[[], object], *who: str) -> None:
        # A card is edited at most 5 times in 5 s (Discord's pace): let the window pass
        # between steps rather than wait for it.
        await bot.scheduler.advance(timedelta(seconds=5))
        done = action()
        if isinstance(done, Awaitable):
            await done
        await delivered(fake, bot, adapter)
        assert holders() == sorted(u[name] for name in who)

    def rsvp(name: str, status: str) -> Callable[[], object]:
        return lambda: fake.send_interaction("rsvp", {"id": eid, "status": status}, user=u[name], channel=ch)

    def capacity(n: int) -> Callable[[], object]:
        return lambda: fake.send_interaction("event edit", {"id": eid, "capacity": n}, user=u["alice"], channel=ch)

    await then(lambda: fake.add_reaction(card, "✅", u["alice"]), "alice")  # going by reaction
    await then(lambda: fake.add_reaction(card, "✅", u["bob"]), "alice")  # the waitlist: no role
    assert "waitlist" in card_text(world, card).lower()
    await then(lambda: fake.remove_reaction(card, "✅", u["alice"]), "bob")  # alice leaves, bob is promoted
    await then(rsvp("carol", "going"), "bob")  # waitlisted
    await then(capacity(2), "bob", "carol")  # a spot more: carol is promoted
    await then(capacity(1), "bob")  # and back: carol goes to the waitlist
    await then(rsvp("bob", "no"), "carol")  # bob leaves, carol is promoted
    assert int(role["id"]) in fake.roles.member_roles(world.guild, u["carol"])

    await bot.scheduler.advance(timedelta(hours=5) + timedelta(hours=23))  # the end + 23 h
    await delivered(fake, bot, adapter)
    assert fake.roles.role(world.guild, role["id"]) is not None
    await bot.scheduler.advance(timedelta(hours=1, minutes=1))
    await delivered(fake, bot, adapter)
    assert fake.roles.role(world.guild, role["id"]) is None and fake.roles.member_roles(world.guild, u["carol"]) == []
    assert warnings_about(world, "") == []


async def test_a_cancelled_event_loses_its_role_and_its_thread_at_once(harness: Harness, world: World) -> None:
    fake, u, ch = world.fake, world.users, world.channel
    fake.roles.grant_bot(world.guild, MANAGE_ROLES)
    bot, adapter = await harness.start(ALL)
    for key in ("events.thread", "events.role"):
        await config_set(world, key, "on")
    card, eid = await new_event(world, bot, "Picnic")
    await fake.send_interaction("rsvp", {"id": eid, "status": "going"}, user=u["bob"], channel=ch)
    await delivered(fake, bot, adapter)
    [role] = [r for r in fake.guilds[world.guild]["roles"] if r["name"] == f"Picnic #{eid}"]
    assert fake.roles.members_with(world.guild, role["id"]) == [u["bob"]]
    await fake.send_interaction("event cancel", {"id": eid}, user=u["alice"], channel=ch)
    await delivered(fake, bot, adapter)
    assert fake.roles.role(world.guild, role["id"]) is None
    assert fake.channels[card]["thread_metadata"]["archived"] is True
