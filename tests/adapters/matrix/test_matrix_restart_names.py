"""A command left in the inbox at a stop names its sender, after the restart, as they were
named when it came: a rename after it (queued behind it, made while the bot was down, or lost
in a gap of the first sync) takes effect after it, as before the stop. The name before a
rename is the rename's own `prev_content`, kept with it in the inbox."""

from __future__ import annotations

import pytest

from tests.adapters.matrix.test_matrix_lane_order import held
from tests.adapters.matrix.test_matrix_lanes import queued_behind, sends_to, stop_leaving_the_queue
from tests.conftest import ENGINES
from tests.matrix_harness import BotRunner, HumanFactory, room_with, until_card
from tests.matrix_harness.faulty import FaultyProxy


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("renamed", ["queued", "while down", "in a gap"])
async def test_a_command_left_at_a_stop_names_its_sender_as_they_were(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy, renamed: str) -> None:
    """Before: the first sync's names (nio's, the newest) named the sender of a command left."""
    _, adapter = await runner.start()
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    await bob.client.set_displayname("Bobby")
    await alice.say(room, '!event create "Board games" when="in 3 hours"')
    card = await alice.wait_bot_message(room, runner.user_id, "Board games")
    proxy.hold("PUT", sends_to(room))
    await alice.say(room, "!help")
    await held(proxy)
    await bob.say(room, "!rsvp 1 going")
    await queued_behind(adapter, room, 2, "the RSVP to be queued behind the reply")
    if renamed == "queued":
        await bob.client.set_displayname("Roberto")
        await queued_behind(adapter, room, 3, "the rename to be queued behind the RSVP")
    await stop_leaving_the_queue(runner, adapter, proxy)
    if renamed != "queued":
        await bob.client.set_displayname("Roberto")
    if renamed == "in a gap":
        for i in range(101):  # past the sync's timeline limit: the rename is back-filled
            await alice.say(room, f"filler {i}", msgtype="m.notice")

    _, adapter = await runner.start()
    if renamed == "in a gap":
        assert adapter.syncer.limited_syncs >= 1
    shown = await until_card(alice, room, runner, card.event_id, r"Going \(1\)", r"Bobby")
    assert "Roberto" not in shown.body, shown.body
    assert adapter.rooms.user(room, bob.user_id, runner.user_id).name == "Roberto"  # after it
