"""People's edits (`m.replace`) and redactions of their messages on a real Synapse: the core
hears of an edit by the message's sender with its new text and of a redaction that takes
effect, never of one that does not; the offline cog's window follows; no edit's text is
ever written down (the durable inbox keeps no edit)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot.model import ChannelRef, MessageDeleted, MessageEdited, SpaceRef, UserRef
from cogs.offline.scorer import ChannelHeat, Msg
from tests.matrix_harness import BotRunner, HumanFactory
from tests.matrix_harness.clients import Human, eventually
from tests.matrix_harness.runner import room_with


def _on_disk(base: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (base, base.with_name(base.name + "-wal")) if p.exists())


def replacing(event_id: str, body: str) -> dict[str, Any]:
    """An edit as Element sends it: a fallback body, the new content, the relation."""
    return {"m.new_content": {"msgtype": "m.text", "body": body},
            "m.relates_to": {"rel_type": "m.replace", "event_id": event_id}}


async def edit(who: Human, room: str, event_id: str, body: str) -> str:
    return await who.say(room, f"* {body}", extra=replacing(event_id, body))


async def test_edits_and_redactions_reach_the_core_only_when_they_take_effect(
        runner: BotRunner, humans: HumanFactory, tmp_path: Path) -> None:
    bot, adapter = await runner.start(extensions=["cogs.admin", "tests.matrix_harness.probe"])
    alice, bob = humans("alice"), humans("bob")  # alice made the room: she may redact anyone's
    room = await room_with(runner, alice, bob)
    probe = bot.cogs["probe"]
    changed: list[object] = probe.changed  # type: ignore[attr-defined]
    hers = await alice.say(room, "you never listen")
    his = await bob.say(room, "neither do you")

    async def heard(n: int) -> bool:
        return len(changed) >= n

    await edit(bob, room, hers, "bob-rewrites-alice")  # not his to replace: clients ignore it
    await edit(alice, room, hers, "sorry, calm-words-4711")
    await eventually(lambda: heard(1), what="alice's edit")
    # Synapse refuses bob's redaction of her message from its own users; over federation one
    # arrives before anyone checked it. The adapter's boundary is fed it directly.
    async with adapter.paused():
        await adapter.receive(room, [{"type": "m.room.redaction", "event_id": "$forged:remote",
                                      "sender": bob.user_id, "redacts": hers,
                                      "content": {"redacts": hers}, "origin_server_ts": 1}])
    assert len(changed) == 1
    await alice.redact(room, his)
    await eventually(lambda: heard(2), what="bob's message redacted by alice")
    channel = ChannelRef("matrix", room, room)
    assert changed == [MessageEdited(channel, UserRef("matrix", alice.user_id), hers, "sorry, calm-words-4711"),
                       MessageDeleted(channel, his)]
    # Every byte of the database on disk, the write-ahead log too (where deleted rows linger).
    assert b"calm-words-4711" not in await asyncio.to_thread(_on_disk, tmp_path / "t.db")


async def test_the_offline_window_reads_edits_and_lets_redacted_messages_go(
        runner: BotRunner, humans: HumanFactory) -> None:
    bot, _ = await runner.start(extensions=["cogs.admin", "cogs.polls", "cogs.offline"])
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    await bot.settings.set(SpaceRef("matrix", room), "offline.auto", "on")
    cog = bot.cogs["offline"]
    # Short of a prompt (which would start the window again), with bob's line the hot one.
    lines = [(alice, "i think the new park rules are fine"),
             (bob, "stop lying. you twist every single thing people say")]
    said = [await who.say(room, text) for who, text in lines]

    def heat() -> ChannelHeat | None:
        state = cog._channels.get(f"matrix:{room}")  # type: ignore[attr-defined]
        return state.heat if state is not None else None

    async def window(n: int) -> bool:
        h = heat()
        return h is not None and len(h) == n

    await eventually(lambda: window(2), what="two messages in the window")
    h = heat()
    assert h is not None
    times = [item[1] for item in h._items]

    def as_if(texts: list[tuple[Human, str]]) -> float:
        fresh = ChannelHeat(cog.scorer)  # type: ignore[attr-defined]
        for (who, text), ts in zip(texts, times, strict=True):
            fresh.observe(Msg(f"matrix:{who.user_id}", ts, None, text))
        return fresh.score()

    hot = h.score()
    calmer = "sorry, i misread them, you are right about the lawn"
    await edit(bob, room, said[1], calmer)

    async def reread() -> bool:
        return h.score() != hot

    await eventually(reread, what="bob's edit read")
    assert h.score() == as_if([lines[0], (bob, calmer)]) < hot
    await alice.say(room, "thanks, that helps")
    await eventually(lambda: window(3), what="alice's answer in the window")
    await alice.redact(room, said[0])
    await eventually(lambda: window(2), what="alice's redacted message leaving the window")
    assert h.participants() == [f"matrix:{bob.user_id}", f"matrix:{alice.user_id}"]



async def test_no_edit_or_redaction_of_a_notice_or_a_command_reaches_the_core(
        runner: BotRunner, humans: HumanFactory) -> None:
    """An `m.notice` is another bot's (by Matrix convention) and a command is no chat: neither
    is seen as a person's message, so neither is edited or deleted chat either."""
    bot, _ = await runner.start(extensions=["cogs.admin", "tests.matrix_harness.probe"])
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    probe = bot.cogs["probe"]
    changed: list[object] = probe.changed  # type: ignore[attr-defined]
    notice = await bob.say(room, "build 812 passed", msgtype="m.notice")
    asked = await alice.say(room, "!help")
    await alice.wait_bot_message(room, runner.user_id, "logoff commands")
    await edit(bob, room, notice, "build 812 failed after all")
    await alice.redact(room, notice)
    await alice.redact(room, asked)
    said = await alice.say(room, "anyone for a walk?")
    await alice.redact(room, said)  # after the others, so they are through when it is

    async def gone() -> bool:
        return any(isinstance(c, MessageDeleted) and c.message_id == said for c in changed)

    await eventually(gone, what="alice's message redacted")
    assert changed == [MessageDeleted(ChannelRef("matrix", room, room), said)]
    assert [s.message_id for s in probe.seen] == [said]  # type: ignore[attr-defined]
