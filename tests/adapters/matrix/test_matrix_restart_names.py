"""A command left in the inbox at a stop names its sender, after the restart, as they were
named when it came: a rename after it (queued behind it, made while the bot was down, or lost
in a gap of the first sync) takes effect after it, as before the stop. The name before a
rename is the rename's own `prev_content`, kept with it in the inbox; a member no rename of
whom the first sync brings is named by that sync's state, which shows every member."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.adapters.matrix.test_matrix_lane_order import held
from tests.adapters.matrix.test_matrix_lanes import sends_to, stop_leaving_the_queue
from tests.conftest import ENGINES
from tests.matrix_harness import BotRunner, Human, HumanFactory, eventually, room_with, until_card
from tests.matrix_harness.faulty import FaultyProxy


async def renamed(human: Human, room: str, name: str) -> None:
    """Until the new display name is in the room: Synapse answers the profile change first and
    puts it into the person's rooms in a task of its own, which under load lands late (after
    the fillers meant to follow it, or after the bot's first sync)."""
    await human.client.set_displayname(name)

    async def in_the_room() -> bool:
        resp: Any = await human.client.room_get_state_event(room, "m.room.member", human.user_id)
        return getattr(resp, "content", {}).get("displayname") == name

    await eventually(in_the_room, what=f"{human.user_id} named {name} in the room")


async def in_the_inbox(adapter: Any, room: str, what: str,
                       match: Callable[[dict[str, Any]], bool]) -> None:
    """Until an event `match` picks waits in the room's inbox: queued, not yet handled. (A count
    of the lane's events would also count the echoes of the bot's own reactions on the card.)"""

    async def waiting() -> bool:
        rows = await adapter.syncer.store.inbox_of(room, 0, 2**62, 1000)
        return any(match(src) for _, src in rows)

    await eventually(waiting, what=what)


async def rsvp_left_at_a_stop(runner: BotRunner, alice: Human, bob: Human, proxy: FaultyProxy,
                              room: str, then: str = "") -> tuple[str, Any]:
    """Bob (Bobby) RSVPs to a new card, queued behind a held send (the card's reactions or the
    reply to !help), and the bot stops with it in the inbox; `then`: a rename to Roberto queued behind it. The card, and the adapter."""
    adapter = runner.adapter
    await renamed(bob, room, "Bobby")
    await alice.say(room, '!event create "Board games" when="in 3 hours"')
    card = await alice.wait_bot_message(room, runner.user_id, "Board games")
    proxy.hold("PUT", sends_to(room))
    await alice.say(room, "!help")
    await held(proxy)
    rsvp = await bob.say(room, "!rsvp 1 going")
    await in_the_inbox(adapter, room, "the RSVP to be queued", lambda src: src["event_id"] == rsvp)
    if then == "queued":
        await renamed(bob, room, "Roberto")
        await in_the_inbox(adapter, room, "the rename to be queued behind the RSVP",
                           lambda src: src.get("state_key") == bob.user_id
                           and src["content"].get("displayname") == "Roberto")
    await stop_leaving_the_queue(runner, adapter, proxy)
    return card.event_id, adapter


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("renamed_when", ["queued", "while down", "in a gap"])
async def test_a_command_left_at_a_stop_names_its_sender_as_they_were(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy, renamed_when: str) -> None:
    """Before: the first sync's names (nio's, the newest) named the sender of a command left."""
    await runner.start()
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    card, _ = await rsvp_left_at_a_stop(runner, alice, bob, proxy, room, renamed_when)
    if renamed_when != "queued":
        await renamed(bob, room, "Roberto")
    if renamed_when == "in a gap":
        for i in range(101):  # past the sync's timeline limit: the rename is back-filled
            await alice.say(room, f"filler {i}", msgtype="m.notice")

    _, adapter = await runner.start()
    if renamed_when == "in a gap":
        assert adapter.syncer.limited_syncs >= 1
    shown = await until_card(alice, room, runner, card, r"Going \(1\)", r"Bobby")
    assert "Roberto" not in shown.body, shown.body
    assert adapter.rooms.user(room, bob.user_id, runner.user_id).name == "Roberto"  # after it


@pytest.mark.parametrize("engine", ENGINES)
async def test_a_command_left_at_a_stop_names_a_sender_the_first_sync_brings_no_event_of(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy) -> None:
    """Before: Synapse left bob's member event out of the first sync (lazy loading: it had sent
    it to the bot's device before the stop), nio knew no name, and the card showed `bob`."""
    await runner.start()
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    card, _ = await rsvp_left_at_a_stop(runner, alice, bob, proxy, room)
    await alice.say(room, "while the bot was down", msgtype="m.notice")

    await runner.start()
    await until_card(alice, room, runner, card, r"Going \(1\)\n  Bobby\n")


@pytest.mark.parametrize("engine", ENGINES)
async def test_after_a_restart_a_command_names_its_sender(
        runner: BotRunner, humans: HumanFactory) -> None:
    """Before: bob's member event, sent to the bot's device before the restart, was not sent
    again, and his first command after it showed him as `bob`."""
    await runner.start()
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    await renamed(bob, room, "Bobby")
    await alice.say(room, '!event create "Board games" when="in 3 hours"')
    card = await alice.wait_bot_message(room, runner.user_id, "Board games")
    await bob.say(room, "!rsvp 1 going")
    await until_card(alice, room, runner, card.event_id, r"Going \(1\)\n  Bobby\n")
    await runner.stop()

    await runner.start()
    await bob.say(room, "!rsvp 1 maybe")
    await until_card(alice, room, runner, card.event_id, r"Maybe \(1\)\n  Bobby\n")
