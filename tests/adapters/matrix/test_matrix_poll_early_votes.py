"""A native poll response on a poll card the core does not track yet (its send, the native
poll's start included, has not returned) counts once the card is tracked, as an early reaction
does; one naming the bot's start from another room holds nothing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import pytest

from adapters.matrix import MatrixAdapter, early
from bot.app import Bot
from bot.model import ChannelRef, MessageRef, UserRef
from cogs.polls.service import PollService
from tests.adapters.matrix.native_poll_events import RESPONSE, poll_start, respond
from tests.matrix_harness import BotRunner, Human, HumanFactory, eventually, room_with, until_card


def _gate(adapter: MatrixAdapter, monkeypatch: pytest.MonkeyPatch, where: str) -> asyncio.Event:
    """Hold the card's send until the event is set: after its native poll is stored
    (`open`), or after the start is sent and before it is stored (`save_poll`)."""
    gate = asyncio.Event()
    owner: Any = adapter.polls if where == "open" else adapter.polls.store
    original: Callable[..., Awaitable[None]] = getattr(owner, where)

    async def held(*args: object, **kwargs: object) -> None:
        if where == "open":
            await original(*args, **kwargs)
            await gate.wait()
        else:
            await gate.wait()
            await original(*args, **kwargs)

    monkeypatch.setattr(owner, where, held)
    return gate


async def _post(bot: Bot, room: str, alice: Human) -> asyncio.Task[object]:
    polls = bot.service(PollService)
    assert polls is not None
    return asyncio.create_task(polls.post_poll(
        ChannelRef("matrix", room, room), UserRef("matrix", alice.user_id), "Where?", ["Park", "Cafe"]))


@pytest.mark.parametrize("where", ["open", "save_poll"])
async def test_a_native_vote_while_the_card_is_still_being_sent_counts(
        runner: BotRunner, humans: HumanFactory, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    bot, adapter = await runner.start()
    alice, bob, carol = humans("alice"), humans("bob"), humans("carol")
    room = await room_with(runner, alice, bob, carol)
    gate = _gate(adapter, monkeypatch, where)
    posting = await _post(bot, room, alice)
    card = await alice.wait_bot_message(room, runner.user_id, "Where?")
    start = (await poll_start(alice, room, runner))["event_id"]
    # bob votes in Element, changes his mind, and carol votes with a reaction after him.
    await respond(bob, room, start, ["1"])
    await respond(bob, room, start, ["2"])
    await carol.react(room, card.event_id, "1️⃣")
    await adapter.wait_synced(2)  # the bot has read them all, the card still untracked
    assert not bot.is_tracked(MessageRef("matrix", room, card.event_id, room))
    gate.set()
    await posting
    await until_card(alice, room, runner, card.event_id, r"1️⃣ Park — 1 ", r"2️⃣ Cafe — 1 ")


@pytest.mark.parametrize("where", ["open", "save_poll"])
async def test_a_forged_response_from_another_room_holds_nothing(
        runner: BotRunner, humans: HumanFactory, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """Synapse refuses a relation to another room's event; a server over federation need
    not: such a response comes to the adapter as it would from the sync."""
    bot, adapter = await runner.start()
    alice, mallory = humans("alice"), humans("mallory")
    room = await room_with(runner, alice, mallory)
    other = await room_with(runner, mallory)
    gate = _gate(adapter, monkeypatch, where)
    posting = await _post(bot, room, alice)
    card = await alice.wait_bot_message(room, runner.user_id, "Where?")
    start = (await poll_start(alice, room, runner))["event_id"]
    await adapter.wait_synced(2)  # the bot has seen its own start in the room's timeline
    forged = {"type": RESPONSE, "event_id": "$forged-vote", "sender": mallory.user_id,
              "origin_server_ts": int(time.time() * 1000), "room_id": other,
              "content": {"m.relates_to": {"rel_type": "m.reference", "event_id": start},
                          RESPONSE: {"answers": ["1"]}}}
    await adapter.syncer.lanes.run_in(other, partial(adapter.receive, other, [forged]))
    assert not adapter._early  # nothing waits for a card of another room
    gate.set()
    await posting
    await respond(alice, room, start, ["2"])
    await until_card(alice, room, runner, card.event_id, r"1️⃣ Park — 0 ", r"2️⃣ Cafe — 1 ")


async def test_a_held_response_is_dropped_after_the_grace(
        runner: BotRunner, humans: HumanFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """A response waits for its card only as long as an early reaction does: a card whose send
    outlasts that does not take it later."""
    monkeypatch.setattr(early, "EARLY_FOR_S", 0.5)
    bot, adapter = await runner.start()
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    gate = _gate(adapter, monkeypatch, "open")
    posting = await _post(bot, room, alice)
    card = await alice.wait_bot_message(room, runner.user_id, "Where?")
    start = (await poll_start(alice, room, runner))["event_id"]
    vote = await respond(bob, room, start, ["1"])
    await adapter.wait_synced(2)

    async def dropped() -> bool:
        return vote not in adapter._early

    await eventually(dropped, what="the held response given up")
    gate.set()
    await posting
    await respond(alice, room, start, ["2"])
    await until_card(alice, room, runner, card.event_id, r"1️⃣ Park — 0 ", r"2️⃣ Cafe — 1 ")
