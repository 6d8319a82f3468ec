"""Two members whose display names look the same are told apart on what the bot shows: each
name that looks like another's (the same once it is one line, with no zero-width or direction
characters, in any case or width, accents aside) carries its user ID, as a careful client
shows it, so no one passes for someone else on a card, and `checkin <name>` can name each."""

from __future__ import annotations

import re

import nio

from tests.matrix_harness import BotRunner, Human, HumanFactory, room_with, until_card


async def named(who: Human, room: str, name: str) -> None:
    resp = await who.client.room_put_state(room, "m.room.member", {"membership": "join", "displayname": name},
                                           state_key=who.user_id)
    assert isinstance(resp, nio.RoomPutStateResponse), resp


async def test_names_that_look_the_same_on_a_card_carry_their_ids(runner: BotRunner, humans: HumanFactory) -> None:
    await runner.start()
    owner, alice, mallory, eve = humans("owner"), humans("alice"), humans("mallory"), humans("eve")
    room = await room_with(runner, owner, alice, mallory, eve)
    await named(alice, room, "Alice")
    await named(mallory, room, "Alice\u200b")
    await named(eve, room, "\u2066alice\u2069\n")
    # Check-in is open from the start (it opens half an hour before).
    await owner.say(room, '!event create "Picnic" when="in 20 minutes"')
    card = (await owner.wait_bot_message(room, runner.user_id, "#1")).event_id
    for who in (alice, mallory, eve):
        await who.say(room, "!rsvp 1 going")
    shown = await until_card(owner, room, runner, card, r"Going \(3\)")
    for who in (alice, mallory, eve):
        assert re.search(rf"alice\u200b? \({re.escape(who.user_id)}\)", shown.body, re.I), shown.body
    # The creator checks in the one they mean by the name the list shows.
    await owner.say(room, f"!checkin 1 Alice ({alice.user_id})")
    shown = await until_card(owner, room, runner, card, r"Here \(1\)")
    here = shown.body.splitlines()[shown.body.splitlines().index("Here (1)") + 1]
    assert here.strip() == f"Alice ({alice.user_id})", shown.body
