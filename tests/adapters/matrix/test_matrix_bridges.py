"""A Matrix room that a Discord bridge also serves (issue 20): the bridge's puppets (users in
its namespace, `[matrix] bridge_puppets`) echo what Discord people did on logoff's Discord
card; logoff counts that on Discord already, so the puppets' reactions and commands here are
ignored and the tallies hold no duplicates."""

from __future__ import annotations

import os

from tests.matrix_harness import BotRunner, Human, HumanFactory, room_with, until_card


async def test_bridge_puppets_are_not_counted(runner: BotRunner, humans: HumanFactory) -> None:
    await runner.start()
    alice = humans("alice")
    # mautrix-discord's default namespace: @discord_<discord user id>
    puppet = Human(runner.synapse.url, runner.synapse.register(f"discord_{os.getpid()}42"))
    humans.made.append(puppet)
    room = await room_with(runner, alice, puppet)
    await alice.say(room, '!event create "Clean-up" when="in 72 hours"')
    card = await alice.wait_bot_message(room, runner.user_id, "#1")
    await puppet.react(room, card.event_id, "✅")  # an echo of a Discord RSVP
    await puppet.say(room, "!rsvp 1 going")  # an echo of a Discord message
    await alice.react(room, card.event_id, "✅")
    shown = await until_card(alice, room, runner, card.event_id, r"Going \(1\)")
    assert "alice" in shown.body and "discord_" not in shown.body
    assert not [m for m in await alice.bot_messages(room, runner.user_id) if "You're going" in m.body]
