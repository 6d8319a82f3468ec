"""An event's native surfaces on Discord after it changed or was touched by hand, end to end
(the real cogs, adapter and discord.py against the fake Discord): an event moved once under
way is listed again at its new time; a thread a moderator archived and locked is left as it
is; a new title renames the thread and the role."""

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
from tests.conftest import ENGINES
from tests.discord_fake import MANAGE_EVENTS, MANAGE_ROLES
from tests.discord_fake.harness import Harness, World, delivered
from tests.discord_fake.scheduled import ACTIVE, SCHEDULED


async def test_an_event_moved_while_under_way_is_listed_at_its_new_time(harness: Harness, world: World) -> None:
    """Discord starts an EXTERNAL event by itself and then refuses a new start for it: the
    listing under way gives way to one at the new time, instead of staying at the old one
    with a warning."""
    fake, u = world.fake, world.users
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    clock = ManualClock()
    fake.scheduled.clock = clock.now  # Discord's time is the bot's
    bot, adapter = await harness.start(ALL, clock=clock)
    card, eid = await new_event(world, bot, "Picnic", "in 3 hours")
    first = listing_of(world, eid)
    fake.scheduled.mark_interested(int(first["id"]), u["bob"])
    await bot.scheduler.advance(timedelta(hours=3, minutes=10))  # it has started, on Discord too
    await delivered(fake, bot, adapter)
    assert fake.scheduled.status(fake.scheduled.events[int(first["id"])]) == ACTIVE

    edited = await fake.send_interaction("event edit", {"id": eid, "when": "in 26 hours"}, user=u["alice"],
                                         channel=world.channel)
    assert "Updated" in edited.text, edited.text
    await delivered(fake, bot, adapter)
    assert warnings_about(world, "Discord") == []
    [now_listed] = listed(world)
    assert now_listed["id"] != first["id"] and now_listed["status"] == SCHEDULED
    assert datetime.fromisoformat(now_listed["scheduled_start_time"]) == clock.now() + timedelta(hours=26)
    assert int(first["id"]) not in fake.scheduled.events, "the one under way is taken down"
    assert "Interested" not in card_text(world, card), "its interested people were the old listing's"
    assert requests_to(world, "POST", "/scheduled-events") == 2
    await help_still_answers(world)


async def test_a_thread_a_moderator_archived_and_locked_is_left_so_without_a_warning(harness: Harness,
                                                                                    world: World) -> None:
    fake = world.fake
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    bot, adapter = await harness.start(ALL, clock=ManualClock())
    await config_set(world, "events.thread", "on")
    card, eid = await new_event(world, bot, "Picnic", "in 3 hours")
    fake.threads.lock_by_hand(card)
    await delivered(fake, bot, adapter)
    await bot.scheduler.advance(timedelta(hours=5) + timedelta(days=1, minutes=1))  # a day after the end
    await delivered(fake, bot, adapter)
    assert warnings_about(world, "thread") == [], "it is archived already: nothing to ask of anyone"
    assert fake.channels[card]["thread_metadata"]["archived"] is True
    assert fake.channels[card]["thread_metadata"]["locked"] is True
    assert await bot.db.fetchone("SELECT 1 FROM jobs WHERE key=? AND state='pending'",
                                 (f"event:{eid}:native-close",)) is None
    await help_still_answers(world)


async def picnic_with_thread_and_role(harness: Harness, world: World) -> tuple[Any, Any, str, int, dict[str, Any]]:
    """Picnic made with events.thread and events.role on (and the permissions they need):
    the bot, its adapter, the card (its thread has its id), the event's id and its role."""
    world.fake.roles.grant_bot(world.guild, MANAGE_EVENTS | MANAGE_ROLES)
    bot, adapter = await harness.start(ALL, clock=ManualClock())
    for key in ("events.thread", "events.role"):
        await config_set(world, key, "on")
    card, eid = await new_event(world, bot, "Picnic")
    [role] = [r for r in world.fake.guilds[world.guild]["roles"] if r["name"] == f"Picnic #{eid}"]
    return bot, adapter, card, eid, role


async def test_a_new_title_renames_the_thread_and_the_role(harness: Harness, world: World) -> None:
    """They are named after the event, as the listing is: a new title reaches all three; an
    edit that keeps the title leaves the thread's name alone (Discord allows few renames)."""
    fake, u, ch = world.fake, world.users, world.channel
    bot, adapter, card, eid, role = await picnic_with_thread_and_role(harness, world)
    title = "Picnic and a long walk along the river " * 4
    edited = await fake.send_interaction("event edit", {"id": eid, "title": title}, user=u["alice"], channel=ch)
    assert "Updated" in edited.text, edited.text
    await delivered(fake, bot, adapter)
    assert listing_of(world, eid)["name"] == title.strip()[:99] + "…"
    named = " ".join(title.split())[:96].rstrip() + f"… #{eid}"
    assert fake.channels[card]["name"] == named and len(named) <= 100
    assert fake.roles.role(world.guild, role["id"])["name"] == named  # type: ignore[index]

    renames = requests_to(world, "PATCH", f"/channels/{card}")
    await fake.send_interaction("event edit", {"id": eid, "where": "Blue Cafe"}, user=u["alice"], channel=ch)
    await delivered(fake, bot, adapter)
    assert requests_to(world, "PATCH", f"/channels/{card}") == renames
    assert warnings_about(world, "") == []
    await help_still_answers(world)


async def test_an_edit_to_the_same_title_renames_neither_thread_nor_role(harness: Harness, world: World) -> None:
    """Discord allows a channel's name two changes in ten minutes: `title=` as it was spent one
    (and a role rename) for nothing. A title back to an earlier one is still a rename."""
    fake, u, ch = world.fake, world.users, world.channel
    bot, adapter, card, eid, role = await picnic_with_thread_and_role(harness, world)
    for title in ("Picnic", " Picnic "):
        edited = await fake.send_interaction("event edit", {"id": eid, "title": title}, user=u["alice"], channel=ch)
        assert "⚠️" not in edited.text, edited.text
        await delivered(fake, bot, adapter)
    assert requests_to(world, "PATCH", f"/channels/{card}") == 0
    assert requests_to(world, "PATCH", f"/roles/{role['id']}") == 0
    for title in ("Lunch", "Picnic"):
        await fake.send_interaction("event edit", {"id": eid, "title": title}, user=u["alice"], channel=ch)
        await delivered(fake, bot, adapter)
        assert fake.channels[card]["name"] == f"{title} #{eid}"
        assert fake.roles.role(world.guild, role["id"])["name"] == f"{title} #{eid}"  # type: ignore[index]
    assert requests_to(world, "PATCH", f"/channels/{card}") == 2
    assert warnings_about(world, "") == []


@pytest.mark.parametrize("surface", ["thread", "role"])
async def test_a_rename_discord_holds_back_does_not_hold_the_edit_reply(harness: Harness, world: World,
                                                                       surface: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A rename Discord makes wait (429, retry_after) is waited for only a short while inside the
    command, for the role as for the thread: the reply does not wait out Discord's limit (the
    rename goes on after it: test_discord_surface_repairs.py)."""
    from adapters.discord import surfaces

    monkeypatch.setattr(surfaces, "RENAME_WAIT", 0.2)
    fake, u, ch = world.fake, world.users, world.channel
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS | MANAGE_ROLES)
    bot, adapter = await harness.start(ALL, clock=ManualClock())
    await config_set(world, f"events.{surface}", "on")
    card, eid = await new_event(world, bot, "Picnic")
    fake.inject_429("PATCH", rf"/channels/{card}$" if surface == "thread" else r"/roles/\d+$", retry_after=600)
    edited = await fake.send_interaction("event edit", {"id": eid, "title": "Lunch"}, user=u["alice"], channel=ch)
    assert "Updated" in edited.text and "Lunch" in card_text(world, card), edited.text
    assert listing_of(world, eid)["name"] == "Lunch"


@pytest.mark.parametrize("engine", ENGINES)
async def test_turning_the_events_tab_off_and_on_takes_effect_at_once(harness: Harness, world: World) -> None:
    """Off takes this server's listings down now (not at each event's next edit, when they
    would vanish one by one), on lists what is to come now (not at the next restart): also
    the way to list the events made while logoff lacked Manage Events, once it has it."""
    fake, u = world.fake, world.users
    bot, adapter = await harness.start(ALL, clock=ManualClock())
    _, early = await new_event(world, bot, "Early", "tomorrow 6pm")
    assert listed(world) == [] and len(warnings_about(world, "Manage Events")) == 1
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    await config_set(world, "events.discord", "on")
    await delivered(fake, bot, adapter)
    assert [ev["name"] for ev in listed(world)] == ["Early"]

    picnic_card, picnic = await new_event(world, bot, "Picnic")
    fake.scheduled.mark_interested(int(listing_of(world, picnic)["id"]), u["bob"])
    await fake.wait_for(lambda: "Interested (1)" in card_text(world, picnic_card), what="bob interested")
    await config_set(world, "events.discord", "off")
    await delivered(fake, bot, adapter)
    assert listed(world) == [] and fake.scheduled.events == {}
    assert "Interested" not in card_text(world, picnic_card)
    await new_event(world, bot, "Movies", "tomorrow 9pm")
    await delivered(fake, bot, adapter)
    assert listed(world) == []

    await config_set(world, "events.discord", "on")
    await delivered(fake, bot, adapter)
    assert sorted(ev["name"] for ev in listed(world)) == ["Early", "Movies", "Picnic"]
    sent = requests_to(world, None, "/scheduled-events")
    await config_set(world, "events.discord", "on")  # again: nothing new, and nothing sent again
    await delivered(fake, bot, adapter)
    assert len(listed(world)) == 3 and requests_to(world, "POST", "/scheduled-events") == 6
    assert requests_to(world, None, "/scheduled-events") == sent
    assert len(warnings_about(world, "Discord")) == 1
    await help_still_answers(world)


def role_named(world: World, name: str) -> dict | None:
    return next((r for r in world.fake.guilds[world.guild]["roles"] if r["name"] == name), None)


@pytest.mark.parametrize("engine", ENGINES)
async def test_roles_and_threads_switched_on_reach_the_events_to_come(harness: Harness, world: World) -> None:
    """A role refused for want of Manage Roles (or for sitting above logoff's own role) is not
    lost for good: once a moderator fixed it, `config set events.role on` makes the missing
    roles and gives them to those going; `off` deletes them. `events.thread on` opens the
    threads the events to come lack; `off` leaves the threads there are."""
    fake, u, ch = world.fake, world.users, world.channel
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    bot, adapter = await harness.start(ALL, clock=ManualClock())
    await config_set(world, "events.role", "on")
    card, eid = await new_event(world, bot, "Picnic")
    await fake.send_interaction("rsvp", {"id": eid, "status": "going"}, user=u["bob"], channel=ch)
    await delivered(fake, bot, adapter)
    assert role_named(world, f"Picnic #{eid}") is None and len(warnings_about(world, "Manage Roles")) == 1

    fake.roles.grant_bot(world.guild, MANAGE_ROLES)
    await config_set(world, "events.role", "on")
    await delivered(fake, bot, adapter)
    role = role_named(world, f"Picnic #{eid}")
    assert role is not None and fake.roles.members_with(world.guild, role["id"]) == [u["bob"]]

    fake.roles.move(world.guild, role["id"], len(fake.guilds[world.guild]["roles"]) - 1)  # above logoff's
    await fake.send_interaction("rsvp", {"id": eid, "status": "going"}, user=u["carol"], channel=ch)
    await delivered(fake, bot, adapter)
    assert len(warnings_about(world, "Manage Roles")) == 2, "said again: it had worked since"
    fake.roles.move(world.guild, role["id"], 1)
    await config_set(world, "events.role", "on")
    await delivered(fake, bot, adapter)
    assert fake.roles.members_with(world.guild, role["id"]) == sorted([u["bob"], u["carol"]])
    shown = await fake.send_interaction("config show", user=u["mod"], channel=ch)
    assert "Roles:" not in shown.text, "the note went once roles worked again"

    await config_set(world, "events.thread", "on")
    await delivered(fake, bot, adapter)
    assert fake.channels[card]["name"] == f"Picnic #{eid}" and fake.channels[card]["parent_id"] == str(ch)
    await config_set(world, "events.thread", "off")
    await config_set(world, "events.role", "off")
    await delivered(fake, bot, adapter)
    assert fake.roles.role(world.guild, role["id"]) is None
    assert fake.channels[card]["thread_metadata"]["archived"] is False, "the discussion stays"
    assert len(warnings_about(world, "")) == 2
    await help_still_answers(world)


@pytest.mark.parametrize("engine", ENGINES)
async def test_a_role_whose_deletion_was_refused_goes_once_roles_are_switched_on_again(harness: Harness,
                                                                                      world: World) -> None:
    fake, u, ch = world.fake, world.users, world.channel
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS | MANAGE_ROLES)
    bot, adapter = await harness.start(ALL, clock=ManualClock())
    await config_set(world, "events.role", "on")
    _, eid = await new_event(world, bot, "Picnic", "in 3 hours")
    await fake.send_interaction("rsvp", {"id": eid, "status": "going"}, user=u["bob"], channel=ch)
    await delivered(fake, bot, adapter)
    role = role_named(world, f"Picnic #{eid}")
    assert role is not None
    fake.roles.revoke_bot(world.guild, MANAGE_ROLES)
    await bot.scheduler.advance(timedelta(hours=5) + timedelta(days=1, minutes=1))  # a day after the end
    await delivered(fake, bot, adapter)
    assert fake.roles.role(world.guild, role["id"]) is not None and len(warnings_about(world, "Manage Roles")) == 1

    fake.roles.grant_bot(world.guild, MANAGE_ROLES)
    await config_set(world, "events.role", "on")
    await delivered(fake, bot, adapter)
    assert fake.roles.role(world.guild, role["id"]) is None, "deleted, as it was due to be"
    await config_set(world, "events.role", "on")
    await delivered(fake, bot, adapter)
    assert requests_to(world, "DELETE", f"/roles/{role['id']}") == 2, "the refused one, then once"


async def test_a_role_deleted_by_hand_is_forgotten_and_can_be_made_again(harness: Harness, world: World) -> None:
    """A moderator deleted the event's role: logoff stops changing it (one 404 tells it so,
    not one per RSVP from then on), says nothing, and `config set events.role on` makes a
    new one for those going."""
    fake, u, ch = world.fake, world.users, world.channel
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS | MANAGE_ROLES)
    bot, adapter = await harness.start(ALL, clock=ManualClock())
    await config_set(world, "events.role", "on")
    _, eid = await new_event(world, bot, "Picnic")
    role = role_named(world, f"Picnic #{eid}")
    assert role is not None
    fake.roles.delete_by_hand(world.guild, role["id"])
    for name in ("bob", "carol", "alice"):
        said = await fake.send_interaction("rsvp", {"id": eid, "status": "going"}, user=u[name], channel=ch)
        assert said.text.startswith("✅"), said.text
    await delivered(fake, bot, adapter)
    assert requests_to(world, "PUT", f"/roles/{role['id']}") == 1
    assert warnings_about(world, "") == []

    await config_set(world, "events.role", "on")
    await delivered(fake, bot, adapter)
    again = role_named(world, f"Picnic #{eid}")
    assert again is not None and again["id"] != role["id"]
    assert fake.roles.members_with(world.guild, again["id"]) == sorted(u[n] for n in ("alice", "bob", "carol"))
