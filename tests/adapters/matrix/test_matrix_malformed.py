"""Malformed events a hostile or buggy client sends through a real Synapse (which checks little
of `content`), each into a room the bot is in: no handler lets an exception out (the bot
answers `!help` after each), an invalid one changes nothing, and a display name the bot shows
pings no one and carries no markup or line of its own."""

from __future__ import annotations

import logging
from typing import Any

import nio
import pytest

from tests.adapters.matrix.test_matrix_fuzz import _state
from tests.matrix_harness import BotRunner, Human, HumanFactory, eventually, room_with, until_card


async def _answers(who: Human, room: str, runner: BotRunner) -> None:
    """The bot still answers: its reply to a `!help` typed now."""
    n = len(await who.bot_messages(room, runner.user_id))
    await who.say(room, "!help")
    await who.wait_bot_message(room, runner.user_id, "poll create", after=n)


async def _sent(who: Human, room: str, kind: str, content: dict[str, Any], *,
                state_key: str | None = None) -> bool:
    """Sent (True) or refused by Synapse itself (never reaching the bot)."""
    if state_key is None:
        resp: Any = await who.client.room_send(room, kind, content)
        return isinstance(resp, nio.RoomSendResponse)
    resp = await who.client.room_put_state(room, kind, content, state_key=state_key)
    return isinstance(resp, nio.RoomPutStateResponse)


def _rel(event_id: str, **extra: Any) -> dict[str, Any]:
    return {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, **extra}}


def _response(start: str, kind: str, answers: Any) -> dict[str, Any]:
    return {"m.relates_to": {"rel_type": "m.reference", "event_id": start}, kind: {"answers": answers}}


async def _poll_start(who: Human, room: str, bot_id: str) -> str:
    async def start() -> str | None:
        return next((e["event_id"] for e in await who.raw_events(room)
                     if e.get("type") == "org.matrix.msc3381.poll.start" and e.get("sender") == bot_id), None)

    return await eventually(start, what="the native poll's start")


async def test_malformed_events_change_nothing_and_the_bot_keeps_answering(
        runner: BotRunner, humans: HumanFactory, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    bot, adapter = await runner.start()
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    await alice.say(room, '!event create "Picnic" when="tomorrow 7pm" capacity=5')
    card = (await alice.wait_bot_message(room, runner.user_id, "#1")).event_id
    await alice.say(room, '!poll create "Lunch?" Pizza | Sushi')
    poll = (await alice.wait_bot_message(room, runner.user_id, "Lunch?")).event_id
    start = await _poll_start(alice, room, runner.user_id)
    await alice.react(room, card, "✅")
    await until_card(alice, room, runner, card, r"Going \(1/5\)")
    await _answers(alice, room, runner)
    await runner.idle()
    before = await _state(bot)
    caplog.clear()

    messages: list[tuple[str, dict[str, Any]]] = [
        ("m.reaction", {}),
        ("m.reaction", {"m.relates_to": None}),
        ("m.reaction", {"m.relates_to": [card, "✅"]}),
        ("m.reaction", {"m.relates_to": 7}),
        ("m.reaction", _rel(card, key=5)),
        ("m.reaction", _rel(card, key=["✅"])),
        ("m.reaction", _rel(card, key={"✅": 1})),
        ("m.reaction", _rel(card, key=None)),
        ("m.reaction", _rel(card, key="✅" * 5000)),
        ("m.reaction", _rel(card, key="✅" + "x" * 30_000)),
        ("m.reaction", _rel(poll, key="1️⃣" * 3000)),
        *((kind, _response(start, kind, answers))
          for kind in ("org.matrix.msc3381.poll.response", "m.poll.response")
          for answers in ("1", {"0": "1"}, 1, None, [1, 2], [None], [["1"]], [str(i) for i in range(500)])),
        ("org.matrix.msc3381.poll.response", {"m.relates_to": {"rel_type": "m.reference", "event_id": start},
                                              "m.selections": "1"}),
        ("org.matrix.msc3381.poll.response", {"m.relates_to": "x", "org.matrix.msc3381.poll.response":
                                              {"answers": ["1"]}}),
        ("m.room.message", {"msgtype": "m.text", "body": "* !rsvp 1 going",
                            "m.relates_to": {"rel_type": "m.replace", "event_id": card}}),
        ("m.room.message", {"msgtype": "m.text", "body": "* x", "m.new_content": "!rsvp 1 going",
                            "m.relates_to": {"rel_type": "m.replace", "event_id": card}}),
        ("m.room.message", {"msgtype": "m.text", "body": "* x", "m.new_content": ["!rsvp 1 going"],
                            "m.relates_to": {"rel_type": "m.replace", "event_id": card}}),
        ("m.room.message", {"msgtype": "m.text", "body": 5}),
        ("m.room.message", {"msgtype": "m.text", "body": ["!rsvp 1 going"]}),
        ("m.room.message", {"msgtype": "m.text", "body": {"text": "!rsvp 1 going"}}),
        ("m.room.message", {"msgtype": "m.text", "format": "org.matrix.custom.html",
                            "formatted_body": "!rsvp 1 going"}),
        ("m.room.message", {"msgtype": 5, "body": "!rsvp 1 going"}),
        ("m.room.redaction", {"redacts": "$nothing-known"}),
        ("m.room.redaction", {"redacts": 5}),
    ]
    for kind, content in messages:
        await _sent(bob, room, kind, content)
        await _answers(alice, room, runner)
    unknown = await bob.client.room_redact(room, "$nothing-known:localhost")
    assert isinstance(unknown, nio.RoomRedactResponse | nio.RoomRedactError)
    await _answers(alice, room, runner)

    # Power levels a client may put in the room: Synapse refuses the non-integers (room v12);
    # what it takes is a level.
    levels = await alice.client.room_get_state_event(room, "m.room.power_levels")
    assert isinstance(levels, nio.RoomGetStateEventResponse)
    for value in ("50", "abc", 50.5, True, 2**70, 2**53 + 1, -(2**60), {"level": 50}, [50]):
        users = {**levels.content.get("users", {}), bob.user_id: value}
        taken = await _sent(alice, room, "m.room.power_levels", {**levels.content, "users": users}, state_key="")
        assert not taken, f"Synapse took {value!r} as a power level"
        await _answers(alice, room, runner)
        assert not adapter.is_moderator(room, bob.user_id)
    for value in (-5, 49, -(2**53) + 1):
        users = {**levels.content.get("users", {}), bob.user_id: value}
        assert await _sent(alice, room, "m.room.power_levels", {**levels.content, "users": users}, state_key="")
        await _answers(alice, room, runner)
        assert not adapter.is_moderator(room, bob.user_id), value
    await runner.idle()
    after = await _state(bot)
    # A response whose answers are a list, of anything, is spoiled under MSC3381: kept as bob's
    # latest, for nothing (polls.py). Nothing else of it, nor of the rest, is kept.
    assert [tuple(r) for r in after[-1]] == [(start, bob.user_id, r["response_id"], r["ts"], "")
                                            for r in after[-1]]
    assert after[:-1] == before[:-1] and before[-1] == []
    tracebacks = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not tracebacks, [r.getMessage() for r in tracebacks]


NAMES = ["@room <b>Bob</b>", "Bob\nGoing (99/5)\n  everyone", "\u202eboB\u202c @room", "B" * 5000, "B" * 256,
         "<a href='https://evil.example'>@room</a>", "[x](https://evil.example) *bold*"]


async def test_a_hostile_display_name_is_shown_safe(runner: BotRunner, humans: HumanFactory) -> None:
    await runner.start()
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    await alice.say(room, '!event create "Picnic" when="tomorrow 7pm" capacity=5')
    card = (await alice.wait_bot_message(room, runner.user_id, "#1")).event_id
    for bad in (5, ["Bob"], {"n": "Bob"}, True):
        await _sent(bob, room, "m.room.member", {"membership": "join", "displayname": bad},
                    state_key=bob.user_id)
        await _answers(alice, room, runner)
    await bob.say(room, "!rsvp 1 going")
    shown = await until_card(alice, room, runner, card, r"Going \(1/5\)")
    assert bob.user_id[1:].split(":")[0] in shown.body, shown.body  # no name: the user ID's
    for name in NAMES:
        if not await _sent(bob, room, "m.room.member", {"membership": "join", "displayname": name},
                           state_key=bob.user_id):
            assert len(name) > 256, f"Synapse refused {name!r}"  # its bound on a display name
            continue
        await bob.say(room, "!rsvp 1 maybe")
        shown = await until_card(alice, room, runner, card, r"Maybe \(1\)")
        await bob.say(room, "!rsvp 1 going")
        shown = await until_card(alice, room, runner, card, r"Going \(1/5\)")
        content = shown.content
        assert not content.get("m.mentions", {}).get("room"), content.get("m.mentions")
        assert content.get("m.mentions", {}).get("user_ids", []) == [], content.get("m.mentions")
        assert "@room" not in shown.body, shown.body  # defused: no client pings for it
        html = shown.html
        assert "<b>" not in html and "<a " not in html and "\u202e" not in shown.body, html
        lines = [line.strip() for line in shown.body.splitlines()]
        assert not [line for line in lines if line.startswith(("Going (99", "everyone"))], shown.body
        assert len(shown.body) < 4000, len(shown.body)
