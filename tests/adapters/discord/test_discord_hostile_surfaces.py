"""Gateway events and interactions of the newer surfaces that a hostile or buggy client (or
Discord itself, out of order) sends: super reactions on a card, a channel deleted under its
cards, GUILD_SCHEDULED_EVENT_* for listings not ours, gone, duplicated or of another server,
threads and roles deleted by hand, forged and malformed buttons. Real adapter and discord.py
against the fake Discord; each ends with the bot still answering."""

from __future__ import annotations

import copy
from datetime import timedelta

from bot.clock import ManualClock
from bot.model import MessageRef
from tests.adapters.discord.test_discord_surfaces import help_still_answers, listed
from tests.adapters.discord.test_discord_surfaces_cog import (
    ALL,
    card_text,
    config_set,
    new_event,
    warnings_about,
)
from tests.discord_fake import MANAGE_EVENTS, MANAGE_ROLES, message_text
from tests.discord_fake.harness import Harness, World, delete_channel, delivered, emit


async def attendees(world: World, eid: int) -> str:
    shown = await world.fake.send_interaction("event attendees", {"id": eid}, user=world.users["alice"],
                                              channel=world.channel)
    return shown.text


def super_reaction(world: World, card: int, user: int, emoji: str, added: bool) -> None:
    """A super reaction as Discord sends it: `burst` true, `type` 1 (ADD also with its colours)."""
    fake = world.fake
    data = fake.reaction_event(channel_id=world.channel, message_id=card, user_id=user, emoji=emoji,
                               guild_id=world.guild, added=added)
    data.update(burst=True, type=1)
    if added:
        data["burst_colors"] = ["#3ba55c", "#2d7d46"]
    fake.dispatch("MESSAGE_REACTION_ADD" if added else "MESSAGE_REACTION_REMOVE", data)


async def test_a_super_reaction_neither_counts_nor_takes_back_an_rsvp(harness: Harness, world: World) -> None:
    """Discord keeps super reactions apart from normal ones (their own type, their own user
    list, both of one emoji may be held): re-reading a card lists the normal ones, so the
    gateway's super reactions are left out too, and one taken back leaves the ✅ beside it."""
    fake, u = world.fake, world.users
    bot, adapter = await harness.start(ALL)
    card, eid = await new_event(world, bot, "Picnic")
    fake.add_reaction(card, "✅", u["bob"])
    await delivered(fake, bot, adapter)
    super_reaction(world, card, u["bob"], "✅", True)
    super_reaction(world, card, u["bob"], "✅", False)
    super_reaction(world, card, u["carol"], "✅", True)
    super_reaction(world, card, u["alice"], "🤔", True)
    await delivered(fake, bot, adapter)
    shown = card_text(world, card)
    assert "Going (1)\nbob" in shown and "Maybe (0)" in shown, shown
    live = await attendees(world, eid)
    await adapter.reconcile()  # as at a start: the card read again agrees
    await delivered(fake, bot, adapter)
    assert await attendees(world, eid) == live and "carol" not in live
    await help_still_answers(world)


async def test_a_deleted_channel_lets_its_cards_go(harness: Harness, world: World) -> None:
    """Discord sends no MESSAGE_DELETE for the messages of a deleted channel (or thread): the
    cards there are no longer tracked nor edited."""
    fake, u = world.fake, world.users
    bot, adapter = await harness.start(ALL)
    meetups = fake.add_channel(world.guild, "meetups")
    created = await fake.send_interaction("event create", {"title": "Picnic", "when": "tomorrow 7pm"},
                                          user=u["alice"], channel=meetups)
    [card] = [m for m in created.public if m["embeds"]]
    eid = int(card["embeds"][0]["title"].rsplit("#", 1)[1])
    ref = MessageRef("discord", str(meetups), card["id"], str(world.guild))
    fake.add_reaction(int(card["id"]), "✅", u["bob"])
    await delivered(fake, bot, adapter)
    assert bot.is_tracked(ref)
    delete_channel(fake, meetups)
    await delivered(fake, bot, adapter)
    assert not bot.is_tracked(ref)
    before = len(fake.requests)
    said = await fake.send_interaction("rsvp", {"id": eid, "status": "going"}, user=u["carol"],
                                       channel=world.channel)
    assert "going" in said.text and not said.text.startswith("⚠️"), said.text
    await delivered(fake, bot, adapter)
    assert [p for m, p, _ in fake.requests[before:] if card["id"] in p] == [], "no edit of a card that is gone"
    assert "bob" in await attendees(world, eid), "the answers its reactions carried stay"
    await help_still_answers(world)


async def test_scheduled_event_dispatches_not_ours_gone_or_repeated_change_nothing(harness: Harness,
                                                                                   world: World) -> None:
    fake, u = world.fake, world.users
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    bot, adapter = await harness.start(ALL)
    card, _ = await new_event(world, bot, "Picnic")
    [mine] = listed(world)
    ours = int(mine["id"])
    theirs = fake.scheduled.add(world.guild, "Their thing", by=fake.owner_of(world.guild))
    fake.scheduled.mark_interested(ours, u["bob"])
    await delivered(fake, bot, adapter)
    assert "Interested (1)" in card_text(world, card)
    fake.scheduled.mark_interested(theirs, u["carol"])
    other = fake.add_guild("Climbers")
    guild, carol = str(world.guild), str(u["carol"])
    for data in [
        {"guild_scheduled_event_id": str(theirs), "user_id": carol, "guild_id": guild},  # not ours
        {"guild_scheduled_event_id": "123456789012345678", "user_id": carol, "guild_id": guild},  # unknown
        {"guild_scheduled_event_id": str(ours), "user_id": carol, "guild_id": str(other)},  # wrong server
        {"guild_scheduled_event_id": str(ours), "user_id": carol, "guild_id": "9" * 25},  # a server not there
        {"guild_scheduled_event_id": "9" * 40, "user_id": carol, "guild_id": guild},
    ]:
        emit(fake, "GUILD_SCHEDULED_EVENT_USER_ADD", data)
        emit(fake, "GUILD_SCHEDULED_EVENT_USER_REMOVE", data)
    await delivered(fake, bot, adapter)
    assert "Interested (1)" in card_text(world, card)
    # Deleted by hand, its DELETE repeated, a stale cancel after it, and a DELETE missing its
    # optional fields: listed again once.
    was = copy.deepcopy(fake.scheduled.events[ours])
    fake.scheduled.delete_by_hand(ours, by=fake.owner_of(world.guild))
    emit(fake, "GUILD_SCHEDULED_EVENT_DELETE", was)
    emit(fake, "GUILD_SCHEDULED_EVENT_UPDATE", {**was, "status": 4})
    bare = {k: v for k, v in was.items()
            if k not in ("creator_id", "creator", "description", "entity_metadata", "scheduled_end_time")}
    emit(fake, "GUILD_SCHEDULED_EVENT_DELETE", bare)
    await delivered(fake, bot, adapter)
    await delivered(fake, bot, adapter)
    assert sorted(e["name"] for e in listed(world)) == ["Picnic", "Their thing"]
    assert "Interested" not in card_text(world, card), "a new listing: nobody marked it yet"
    await help_still_answers(world)


async def test_thread_and_role_deleted_by_hand_then_an_rsvp_and_the_reminder(harness: Harness,
                                                                           world: World) -> None:
    fake, u, ch = world.fake, world.users, world.channel
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS | MANAGE_ROLES)
    bot, adapter = await harness.start(ALL, clock=ManualClock())
    await config_set(world, "events.thread", "on")
    await config_set(world, "events.role", "on")
    await config_set(world, "reminders", "1h")
    card, eid = await new_event(world, bot, "Picnic", "in 3 hours")
    [role] = [r for r in fake.guilds[world.guild]["roles"] if r["name"] == f"Picnic #{eid}"]
    fake.threads.delete_by_hand(card)
    fake.roles.delete_by_hand(world.guild, role["id"])
    await delivered(fake, bot, adapter)
    fake.add_reaction(card, "✅", u["bob"])
    said = await fake.send_interaction("rsvp", {"id": eid, "status": "going"}, user=u["carol"], channel=ch)
    assert said.text.startswith("✅"), said.text
    await delivered(fake, bot, adapter)
    assert "Going (2)" in card_text(world, card)
    await bot.scheduler.advance(timedelta(hours=2, minutes=1))
    await delivered(fake, bot, adapter)
    [reminder] = [m for m in fake.channel_messages(ch) if "Reminder" in message_text(m)]
    assert fake.pings(reminder["content"], reminder["_allowed_mentions"])[0] == [u["bob"], u["carol"]]
    assert warnings_about(world, "") == []
    await help_still_answers(world)


async def test_forged_and_malformed_buttons_are_refused_where_pressed(harness: Harness, world: World) -> None:
    fake, u = world.fake, world.users
    bot, _ = await harness.start(ALL)
    await config_set(world, "rsvp.buttons", "on")
    other = fake.add_guild("Climbers")
    crag = fake.add_channel(other, "crag")
    climber = fake.add_member(other, "climber")
    theirs = await fake.send_interaction("event create", {"title": "Boulder", "when": "tomorrow 7pm"},
                                         user=climber, channel=crag)
    assert "#1" in theirs.public[0]["embeds"][0]["title"]
    card, eid = await new_event(world, bot, "Picnic")
    hostile = ["rsvp:1:going",  # the other server's event, on this server's card
               "rsvp:" + "9" * 95, "rsvp:-1:going", "rsvp:0:going", "rsvp:1e3:going", f"rsvp:{eid}:Going",
               f"rsvp: {eid}:going", f"rsvp:{eid}", "x" * 100]
    fake.messages[card]["components"].append({"type": 1, "components": [
        {"type": 2, "style": 2, "label": "x", "custom_id": cid} for cid in hostile[:5]]})
    fake.messages[card]["components"].append({"type": 1, "components": [
        {"type": 2, "style": 2, "label": "x", "custom_id": cid} for cid in hostile[5:]]})
    for cid in hostile:
        pressed = await fake.press_button(card, cid, user=u["carol"])
        assert pressed.ephemeral and pressed.text.startswith("⚠️"), (cid, pressed.text)
        assert "went wrong" not in pressed.text, cid
    assert "Going (0)" in card_text(world, card)
    shown = await fake.send_interaction("event attendees", {"id": 1}, user=climber, channel=crag)
    assert "Going (0)" in shown.text, shown.text
    await help_still_answers(world)



async def test_a_reminder_for_a_deleted_channel_is_dropped_at_once_not_retried(harness: Harness,
                                                                                world: World) -> None:
    """Discord answers 10003 Unknown Channel for good: the job ends at its first try, with one
    warning, instead of backing off and retrying (then an ERROR with a traceback)."""
    fake = world.fake
    bot, adapter = await harness.start(ALL, clock=ManualClock())
    await config_set(world, "reminders", "1h")
    meetups = fake.add_channel(world.guild, "meetups")
    created = await fake.send_interaction("event create", {"title": "Picnic", "when": "in 3 hours"},
                                          user=world.users["alice"], channel=meetups)
    assert created.public, created.text
    delete_channel(fake, meetups)
    await delivered(fake, bot, adapter)
    await bot.scheduler.advance(timedelta(hours=2, minutes=1))
    rows = await bot.db.fetchall("SELECT key, state, attempts FROM jobs WHERE key LIKE '%remind%'")
    assert [(state, attempts) for _, state, attempts in rows] == [("failed", 1)], rows
    await help_still_answers(world)
