"""A poll made in a thread, on a real Synapse: its native poll (MSC3381) goes in that thread
beside its card, where Element shows it, and everything about it still works there."""

from __future__ import annotations

from typing import Any

from tests.adapters.matrix.native_poll_events import END, bot_events, end, poll_start, respond
from tests.adapters.matrix.test_matrix_poll_end import room_redacting_at
from tests.matrix_harness import BotRunner, HumanFactory, eventually, until_card


def in_thread(root: str, answered: str) -> dict[str, Any]:
    return {"rel_type": "m.thread", "event_id": root, "is_falling_back": True,
            "m.in_reply_to": {"event_id": answered}}


async def test_a_poll_made_in_a_thread_has_its_native_poll_in_that_thread(
        runner: BotRunner, humans: HumanFactory) -> None:
    await runner.start()
    alice, bob, carol = humans("alice"), humans("bob"), humans("carol")
    # Power 10 may redact here (Element lets carol end polls); she is no moderator.
    room = await room_redacting_at(runner, alice, 10, {bob.user_id: 10, carol.user_id: 10}, bob, carol)
    root = await bob.say(room, "planning thread")
    command = await bob.say(room, '!poll create "Where?" Park | Cafe',
                            extra={"m.relates_to": in_thread(root, root)})
    card = await alice.wait_bot_message(room, runner.user_id, "#1")
    assert card.content["m.relates_to"] == in_thread(root, command)
    start_ev = await poll_start(alice, room, runner)
    start = start_ev["event_id"]
    # Beside its card, in the thread, not in the room's main timeline.
    assert start_ev["content"]["m.relates_to"] == in_thread(root, card.event_id)

    # Responses (references to the start, as Element sends them in a thread too) count.
    await respond(bob, room, start, ["1"])
    await until_card(alice, room, runner, card.event_id, r"Park — 1\b")

    # An end the core refuses is answered in the poll's thread: the start is no thread's root.
    ended = await end(carol, room, start)
    refusal = await alice.wait_bot_message(room, runner.user_id, "⚠️")
    assert "still open here" in refusal.body
    assert refusal.content["m.relates_to"] == in_thread(root, ended)

    # Closed, the native poll's end stays a reference to its start (MSC3381).
    await bob.say(room, "!poll close 1", extra={"m.relates_to": in_thread(root, card.event_id)})
    await until_card(alice, room, runner, card.event_id, r"\(closed\)", r"Park — 1\b")

    async def bot_end() -> list[dict[str, Any]]:
        return await bot_events(alice, room, runner, END)

    [end_ev] = await eventually(bot_end, what="the poll's end event")
    assert end_ev["content"]["m.relates_to"] == {"rel_type": "m.reference", "event_id": start}
