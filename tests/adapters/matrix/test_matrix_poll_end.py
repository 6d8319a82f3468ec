"""A native poll ended in Element (MSC3381), on a real Synapse: the end is its sender's
`poll close`, which the core grants (the poll's creator, a moderator) or refuses; only a
closed card ends the native poll."""

from __future__ import annotations

from typing import Any

import nio

from tests.adapters.matrix.native_poll_events import END, TEXT, bot_events, end, poll_card, respond
from tests.matrix_harness import (
    BotRunner,
    Human,
    HumanFactory,
    card_now,
    eventually,
    room_with,
    until_card,
)


async def test_a_poll_ended_in_element_by_a_moderator_closes_the_card(
        runner: BotRunner, humans: HumanFactory) -> None:
    await runner.start()
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)  # alice made the room: a moderator, she may redact
    card, start = await poll_card(runner, bob, room, '!poll create "Where?" Park | Cafe')
    await end(bob, room, start)  # bob may not end it (not even his own poll's native twin)
    await respond(bob, room, start, ["1"])
    await until_card(alice, room, runner, card, r"Park — 1\b")
    await end(alice, room, start)  # not her poll: she closes it as a moderator
    results = await alice.wait_bot_message(room, runner.user_id, "Results of poll #1")
    assert "(closed)" in results.body and "Park — 1" in results.body
    assert "m.relates_to" not in results.content  # the results go to the room, as any close's
    await until_card(alice, room, runner, card, r"\(closed\)")
    # A response after the end does not count (MSC3381), and the bot sends no end of its own.
    late = await respond(bob, room, start, ["2"])
    seen = len(await alice.bot_messages(room, runner.user_id))
    await alice.say(room, "!poll results 1")
    after = await alice.wait_bot_message(room, runner.user_id, "(closed)", after=seen)
    assert "Park — 1" in after.body and "Cafe — 0" in after.body
    assert runner.bot is not None
    assert await runner.bot.db.fetchone(
        "SELECT 1 FROM matrix_poll_votes WHERE response_id=?", (late,)) is None
    assert await bot_events(alice, room, runner, END) == []
    assert not [m for m in await alice.bot_messages(room, runner.user_id) if "⚠️" in m.body]


async def room_redacting_at(runner: BotRunner, owner: Human, level: int, power: dict[str, int],
                            *others: Human) -> str:
    """Like room_with, in a room where power `level` may redact others' events."""
    resp = await owner.client.room_create(name="test room", invite=[runner.user_id],
                                          power_level_override={"users": power, "redact": level})
    assert isinstance(resp, nio.RoomCreateResponse), resp
    room = resp.room_id

    async def joined() -> bool:
        return (await owner.members(room)).get(runner.user_id) == "join"

    await eventually(joined, what="the bot to join")
    for h in others:
        await owner.invite(room, h.user_id)
        await h.join(room)
    return room


async def test_an_end_from_one_who_may_redact_but_not_close_leaves_the_card_open(
        runner: BotRunner, humans: HumanFactory) -> None:
    await runner.start()
    alice, bob, carol = humans("alice"), humans("bob"), humans("carol")
    # Power 10 may redact here (so Element lets carol and bob end polls); neither is a moderator.
    power = {bob.user_id: 10, carol.user_id: 10}
    room = await room_redacting_at(runner, alice, 10, power, bob, carol)
    card, start = await poll_card(runner, bob, room, '!poll create "Where?" Park | Cafe')
    await respond(bob, room, start, ["1"])
    await until_card(alice, room, runner, card, r"Park — 1\b")

    ended = await end(carol, room, start)  # bob's poll, and carol is no moderator
    refusal = await alice.wait_bot_message(room, runner.user_id, "⚠️")
    assert "only the poll's creator or a moderator can close poll #1" in refusal.body
    assert "still open here: vote with its number reactions or !poll vote 1" in refusal.body
    # Said beside the poll Element now shows ended, answering the end.
    assert refusal.content["m.relates_to"] == {"rel_type": "m.thread", "event_id": start,
                                               "is_falling_back": True,
                                               "m.in_reply_to": {"event_id": ended}}
    # The card stays open and every vote still counts, Element's as well.
    await respond(carol, room, start, ["2"])
    await respond(bob, room, start, ["2"])
    await alice.react(room, card, "1️⃣")
    await until_card(alice, room, runner, card, r"Park — 1\b", r"Cafe — 2\b")
    assert "(closed)" not in (await card_now(alice, room, runner.user_id, card)).body
    said = await alice.bot_messages(room, runner.user_id)
    assert not [m for m in said if "Results of poll" in m.body]

    await end(bob, room, start)  # his own poll: the core grants the close
    results = await alice.wait_bot_message(room, runner.user_id, "Results of poll #1")
    assert "Park — 1" in results.body and "Cafe — 2" in results.body
    await until_card(alice, room, runner, card, r"\(closed\)")
    late = await respond(carol, room, start, ["1"])
    seen = len(await alice.bot_messages(room, runner.user_id))
    await alice.say(room, "!poll results 1")
    after = await alice.wait_bot_message(room, runner.user_id, "(closed)", after=seen)
    assert "Park — 1" in after.body and "Cafe — 2" in after.body
    assert runner.bot is not None
    assert await runner.bot.db.fetchone(
        "SELECT 1 FROM matrix_poll_votes WHERE response_id=?", (late,)) is None
    assert await bot_events(alice, room, runner, END) == []  # Element shows bob's end already


async def test_an_end_of_a_poll_without_its_card_number_is_ignored(
        runner: BotRunner, humans: HumanFactory) -> None:
    """A native poll started before its card's #id was kept: an end cannot be that card's
    `poll close`, so it changes nothing rather than leave the card open and its poll deaf."""
    await runner.start()
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    card, start = await poll_card(runner, bob, room, '!poll create "Where?" Park | Cafe')
    assert runner.bot is not None
    await runner.bot.db.execute("UPDATE matrix_polls SET ref='' WHERE start_id=?", (start,))
    await end(alice, room, start)
    await respond(bob, room, start, ["2"])
    await until_card(alice, room, runner, card, r"Cafe — 1\b")
    assert "(closed)" not in (await card_now(alice, room, runner.user_id, card)).body
    await alice.say(room, "!poll close 1")  # the card's own close ends the poll, as always
    await until_card(alice, room, runner, card, r"\(closed\)")

    async def ends() -> list[dict[str, Any]]:
        return await bot_events(alice, room, runner, END)

    [bot_end] = await eventually(ends, what="the bot's end of the poll")
    assert "Cafe — 1" in bot_end["content"][TEXT]
