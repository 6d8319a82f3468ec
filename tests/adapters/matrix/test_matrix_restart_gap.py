"""A command typed while the bot was down, with more than a sync's timeline after it, comes
back through the back-fill of the first sync's gap: it is judged by the room's power levels as
its lane last left them (kept in the inbox's tables), and a change of level made after it, in
the gap, takes effect after it, as without the gap. The room's inbox is empty at the stop."""

from __future__ import annotations

from tests.adapters.matrix.test_matrix_restart_state import CONFIG, set_level
from tests.matrix_harness import BotRunner, Human, HumanFactory, eventually, room_with

GAP = 110  # more than a sync's timeline holds (the sync filter's limit)


async def command_then_a_gap(runner: BotRunner, owner: Human, room: str, bob: Human,
                             level: int) -> str:
    """Bob's config command while the bot is down, his level set to `level` after it, then
    more chat than one sync shows; the bot started again. The bot's answer to the command."""
    await owner.say(room, "!help config")
    await owner.wait_bot_message(room, runner.user_id, "config")
    before = len(await owner.bot_messages(room, runner.user_id))
    await runner.stop()
    await bob.say(room, CONFIG)
    await set_level(owner, room, bob.user_id, level)
    for i in range(GAP):
        await owner.say(room, f"chat {i}")
    _, adapter = await runner.start()
    assert adapter.syncer.limited_syncs >= 1
    assert adapter.is_moderator(room, bob.user_id) == (level >= 50)  # the change, after it
    return (await owner.wait_bot_message(room, runner.user_id, "", after=before)).body


async def test_a_promotion_in_a_gap_while_the_bot_is_down_does_not_grant_a_command_before_it(
        runner: BotRunner, humans: HumanFactory) -> None:
    """Before: the first sync's state (after the gap) was noted at once and judged the
    back-filled command, and bob's `config set`, typed at level 0, went through."""
    await runner.start()
    owner, bob = humans("owner"), humans("bob")
    room = await room_with(runner, owner, bob)
    answer = await command_then_a_gap(runner, owner, room, bob, 50)
    assert answer.startswith("⚠️") and "only moderators" in answer, answer


async def test_a_demotion_in_a_gap_while_the_bot_is_down_does_not_refuse_a_command_before_it(
        runner: BotRunner, humans: HumanFactory) -> None:
    """Before: bob, a moderator when he typed it, was refused by the state after the gap."""
    _, adapter = await runner.start()
    owner, bob = humans("owner"), humans("bob")
    room = await room_with(runner, owner, bob)
    await set_level(owner, room, bob.user_id, 50)

    async def promoted() -> bool:
        return adapter.is_moderator(room, bob.user_id)

    await eventually(promoted, what="bob's promotion to take effect")
    answer = await command_then_a_gap(runner, owner, room, bob, 0)
    assert "⚠️" not in answer and "Europe/Berlin" in answer, answer
