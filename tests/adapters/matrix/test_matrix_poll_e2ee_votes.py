"""A native poll in an encrypted room, on a real Synapse, voted on every way at once: poll
responses as Element sends them there (encrypted, the relation in the clear), number reactions
and `poll vote`; each person's latest vote wins whichever way it came (MSC3381: the latest
response counts even when it is invalid); the end is encrypted like the rest."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.adapters.matrix.native_poll_events import END, RESPONSE, TEXT, poll_card
from tests.matrix_harness import BotRunner, eventually, until_card
from tests.matrix_harness.crypto import CryptoHuman, encrypted_room


async def test_latest_vote_wins_across_responses_reactions_and_poll_vote_encrypted(
        runner: BotRunner, crypto_humans: Callable[[str], CryptoHuman]) -> None:
    await runner.start()
    alice, bob, carol = crypto_humans("alice"), crypto_humans("bob"), crypto_humans("carol")
    for h in (alice, bob, carol):
        await h.start()
    room = await encrypted_room(alice, runner.user_id, bob, carol)
    card, start = await poll_card(runner, alice, room, "!poll create Game? Chess | Go | Darts")

    async def respond(who: CryptoHuman, block: dict[str, Any]) -> str:
        return await who.send_encrypted(room, RESPONSE, {
            "m.relates_to": {"rel_type": "m.reference", "event_id": start}, RESPONSE: block})

    # bob: Element's 1, then the reaction 2️⃣, then `poll vote 1 3`: 3 is his vote.
    await respond(bob, {"answers": ["1"]})
    await until_card(alice, room, runner, card, r"Chess — 1\b")
    await bob.react(room, card, "2️⃣")
    await until_card(alice, room, runner, card, r"Chess — 0\b", r"Go — 1\b")
    await bob.say(room, "!poll vote 1 3")
    await until_card(alice, room, runner, card, r"Go — 0\b", r"Darts — 1\b", r"1 voter so far")
    # Then a response naming 1 once more (a client that sends it again): his latest, so 1.
    await respond(bob, {"answers": ["1"]})
    await until_card(alice, room, runner, card, r"Chess — 1\b", r"Darts — 0\b", r"1 voter so far")

    # An edit of a response is no response (it relates to the response, not the poll): his
    # vote stays 1 (the room's events are taken in order, so carol's below come after it).
    first = await respond(bob, {"answers": ["1"]})
    await bob.send_encrypted(room, RESPONSE, {
        "m.relates_to": {"rel_type": "m.replace", "event_id": first},
        "m.new_content": {RESPONSE: {"answers": ["2"]}}, RESPONSE: {"answers": ["2"]}})

    # carol's latest response is invalid (answers that are no list): spoiled, so she has no vote.
    await respond(carol, {"answers": ["2"]})
    await until_card(alice, room, runner, card, r"Go — 1\b", r"2 voters so far")
    await respond(carol, {"answers": "2"})
    await until_card(alice, room, runner, card, r"Go — 0\b", r"1 voter so far")

    await alice.say(room, "!poll close 1")
    await until_card(alice, room, runner, card, r"\(closed\)")

    async def ends() -> list[dict[str, Any]]:
        return [e for e in await alice.raw_events(room)
                if e.get("type") == END and e.get("sender") == runner.user_id]

    [end] = await eventually(ends, what="the poll's end, decrypted")
    assert end["content"]["m.relates_to"] == {"rel_type": "m.reference", "event_id": start}
    assert "Chess — 1" in end["content"][TEXT] and "Go — 0" in end["content"][TEXT]
    wire = {e["event_id"]: e["type"] for e in await alice.wire_events(room, runner.user_id)}
    assert wire[end["event_id"]] == "m.room.encrypted"
