"""Commands left in the inbox at a stop are judged, after the restart, by the room's state as it
was when they came, not by the state the first sync shows: each room's power levels (and
creators) are kept with the inbox as its lane applies them, restored at start, and the state
changes after a command take effect after it, as before the stop. Through the proxy that holds
the bot's sends to a room (tests/matrix_harness/faulty.py), so what comes after waits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from adapters.matrix import MatrixAdapter, lanes
from tests.adapters.matrix.test_matrix_lane_order import held, votes_behind_a_held_poll
from tests.adapters.matrix.test_matrix_lanes import queued_behind, sends_to, stop_leaving_the_queue
from tests.conftest import ENGINES
from tests.matrix_harness import BotRunner, Human, HumanFactory, eventually, room_with
from tests.matrix_harness.faulty import FaultyProxy

CONFIG = "!config set timezone Europe/Berlin"


async def set_level(owner: Human, room: str, user_id: str, level: int) -> None:
    levels = await owner.client.room_get_state_event(room, "m.room.power_levels")
    content: dict[str, Any] = dict(levels.content)
    content["users"] = {**content.get("users", {}), user_id: level}
    await owner.client.room_put_state(room, "m.room.power_levels", content)


async def queue_behind_a_held_reply(runner: BotRunner, adapter: MatrixAdapter, proxy: FaultyProxy,
                                    owner: Human, room: str, who: Human) -> None:
    """`who`'s config command waits in the room's lane behind the reply to `owner`'s help."""
    proxy.hold("PUT", sends_to(room))
    await owner.say(room, "!help")
    await held(proxy)
    await who.say(room, CONFIG)
    await queued_behind(adapter, room, 2, "the command to be queued behind the reply")


async def answer_after_the_help(owner: Human, room: str, runner: BotRunner) -> str:
    await owner.wait_bot_message(room, runner.user_id, "poll create")  # the help, before the stop
    return (await owner.wait_bot_message(room, runner.user_id, "", after=1)).body


@pytest.mark.parametrize("engine", ENGINES)
async def test_a_promotion_queued_after_a_command_does_not_grant_it_after_a_restart(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy) -> None:
    """Before: the first sync's full state, promotion included, judged the command left in the
    inbox, and a non-moderator's `config set` went through."""
    _, adapter = await runner.start()
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    await queue_behind_a_held_reply(runner, adapter, proxy, alice, room, bob)
    await set_level(alice, room, bob.user_id, 50)
    await queued_behind(adapter, room, 3, "the promotion to be queued behind the command")
    await stop_leaving_the_queue(runner, adapter, proxy)

    bot, adapter = await runner.start()
    answer = await answer_after_the_help(alice, room, runner)
    assert answer.startswith("⚠️") and "only moderators" in answer, answer
    assert adapter.is_moderator(room, bob.user_id)  # the promotion took effect after it
    assert await bot.db.fetchall("SELECT seq FROM matrix_inbox") == []


async def test_a_demotion_queued_after_a_command_does_not_refuse_it_after_a_restart(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy) -> None:
    """Before: bob, a moderator when he typed it, was refused after the restart."""
    _, adapter = await runner.start()
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    await set_level(alice, room, bob.user_id, 50)

    async def promoted() -> bool:
        return adapter.is_moderator(room, bob.user_id)

    await eventually(promoted, what="bob's promotion to take effect")
    await queue_behind_a_held_reply(runner, adapter, proxy, alice, room, bob)
    await set_level(alice, room, bob.user_id, 0)
    await queued_behind(adapter, room, 3, "the demotion to be queued behind the command")
    await stop_leaving_the_queue(runner, adapter, proxy)

    _, adapter = await runner.start()
    answer = await answer_after_the_help(alice, room, runner)
    assert "⚠️" not in answer and "Europe/Berlin" in answer, answer
    assert not adapter.is_moderator(room, bob.user_id)


async def test_a_promotion_while_the_bot_is_down_in_a_gap_waits_for_the_commands_left(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy) -> None:
    """A promotion made while the bot was down, followed by more than a sync's timeline: the
    first sync's full state holds it. Before: that state judged the command left in the inbox."""
    _, adapter = await runner.start()
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    await queue_behind_a_held_reply(runner, adapter, proxy, alice, room, bob)
    await stop_leaving_the_queue(runner, adapter, proxy)
    await set_level(alice, room, bob.user_id, 50)
    for i in range(101):  # past the sync's timeline limit: the promotion is in a gap
        await alice.say(room, f"filler {i}", msgtype="m.notice")

    _, adapter = await runner.start()
    assert adapter.syncer.limited_syncs >= 1
    answer = await answer_after_the_help(alice, room, runner)
    assert answer.startswith("⚠️") and "only moderators" in answer, answer
    assert adapter.is_moderator(room, bob.user_id)


async def test_a_large_inbox_left_at_a_stop_is_read_back_a_lanes_bound_at_a_time(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: everything left was loaded at start and handed to its lane as one batch, however
    many (memory without bound); now a room with more left than its lane holds is read back
    from the inbox in turn, each event once, in order."""
    monkeypatch.setattr(lanes, "LANE_BOUND", 3)  # the product's bound, small enough to reach here
    batches: list[tuple[str, int]] = []
    receive = MatrixAdapter.receive

    async def counted(self: MatrixAdapter, room_id: str, events: Sequence[dict[str, Any]]) -> None:
        batches.append((room_id, len(events)))
        await receive(self, room_id, events)

    monkeypatch.setattr(MatrixAdapter, "receive", counted)
    _, adapter = await runner.start()
    alice = humans("alice")
    room = await runner.join(alice)
    votes = await votes_behind_a_held_poll(alice, room, adapter, proxy)
    await stop_leaving_the_queue(runner, adapter, proxy)

    batches.clear()
    bot, _ = await runner.start()
    sizes = [n for r, n in batches if r == room]
    assert sum(sizes) >= len(votes) and max(sizes) <= 3, sizes
    said = [m.body for m in await alice.bot_messages(room, runner.user_id) if "Your vote" in m.body]
    assert [("Pizza" if "Pizza" in r else "Sushi") for r in said] == [
        "Pizza" if v == 1 else "Sushi" for v in votes], said  # each once, in the order typed
    assert await bot.db.fetchall("SELECT seq FROM matrix_inbox") == []
