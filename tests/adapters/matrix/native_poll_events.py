"""Native poll events (MSC3381) as Element sends them, and the bot's read back from the
room, for the tests of native polls on a real Synapse."""

from __future__ import annotations

from typing import Any

import nio

from tests.matrix_harness import BotRunner, Human, eventually

START = "org.matrix.msc3381.poll.start"
RESPONSE = "org.matrix.msc3381.poll.response"
END = "org.matrix.msc3381.poll.end"
TEXT = "org.matrix.msc1767.text"


async def respond(human: Human, room: str, start: str, answers: Any, *, stable: bool = False) -> str:
    """A poll response as Element sends it (or with the stable names newer clients use)."""
    rel = {"rel_type": "m.reference", "event_id": start}
    if stable:
        kind, content = "m.poll.response", {"m.relates_to": rel, "m.selections": answers}
    else:
        kind, content = RESPONSE, {"m.relates_to": rel, RESPONSE: {"answers": answers}}
    resp = await human.client.room_send(room, kind, content)
    assert isinstance(resp, nio.RoomSendResponse), resp
    return resp.event_id


async def bot_events(human: Human, room: str, runner: BotRunner, kind: str) -> list[dict[str, Any]]:
    return [e for e in await human.raw_events(room)
            if e.get("type") == kind and e.get("sender") == runner.user_id]


async def poll_start(human: Human, room: str, runner: BotRunner, n: int = 1) -> dict[str, Any]:
    """The bot's n-th poll start event in the room, once it is there."""

    async def there() -> dict[str, Any] | None:
        starts = await bot_events(human, room, runner, START)
        return starts[n - 1] if len(starts) >= n else None

    return await eventually(there, what=f"poll start {n}")


async def poll_card(runner: BotRunner, owner: Human, room: str, command: str,
                    marker: str = "#1") -> tuple[str, str]:
    """Create a poll; (card event id, start event id)."""
    await owner.say(room, command)
    card = await owner.wait_bot_message(room, runner.user_id, marker)
    start = await poll_start(owner, room, runner, int(marker[1:]))
    return card.event_id, start["event_id"]


async def end(human: Human, room: str, start: str) -> str:
    """An end event as Element sends it when someone ends the poll there."""
    resp = await human.client.room_send(room, END, {
        "m.relates_to": {"rel_type": "m.reference", "event_id": start}, END: {},
        TEXT: "The poll has ended.", "body": "The poll has ended."})
    assert isinstance(resp, nio.RoomSendResponse), resp
    return resp.event_id
