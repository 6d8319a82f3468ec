"""Each room's events are handled in a lane of its own: a room whose replies the homeserver
holds up or rate-limits does not keep other rooms waiting, events in one room are handled in
the order they came, and what was queued when the bot stopped is handled after it starts
again, once. Through a proxy in front of the real Synapse (tests/matrix_harness/faulty.py)."""

from __future__ import annotations

import asyncio
import pathlib
import re
from typing import Any

import pytest

from adapters.matrix.lanes import Lanes
from tests.matrix_harness import BotRunner, HumanFactory, eventually, until_card
from tests.matrix_harness.faulty import FaultyProxy


async def queued_behind(adapter: Any, room: str, n: int, what: str) -> None:
    """Until `n` of the room's events wait in its lane (the first held by a send)."""

    async def queued() -> bool:
        return adapter.syncer.lanes.pending(room) >= n

    await eventually(queued, what=what)


def sends_to(room_id: str) -> str:
    return rf"/rooms/{re.escape(room_id)}/send/"


async def stop_leaving_the_queue(runner: BotRunner, adapter: Any, proxy: FaultyProxy) -> None:
    """Stop while a room's lane is held in a send: the send goes through once the lanes are
    stopping, so the batch being handled finishes and everything behind it stays in the inbox
    (released sooner, the lane could take the next batch before the stop)."""
    stopping = asyncio.create_task(runner.stop())

    async def lanes_stopping() -> bool:
        return bool(adapter.syncer.lanes.stopping)

    await eventually(lanes_stopping, what="the lanes to be stopping")
    proxy.release()
    await stopping


async def test_a_held_room_does_not_hold_up_another_and_keeps_its_order(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy) -> None:
    await runner.start()
    alice = humans("alice")
    slow, quick = await runner.join(alice), await runner.join(alice)
    proxy.hold("PUT", sends_to(slow))
    await alice.say(slow, '!poll create "Lunch?" Pizza | Sushi')
    await eventually(lambda: _true(proxy.held), what="the card's send to be held")
    # Queued behind the card, in the order typed: only the last vote counts.
    await alice.say(slow, "!poll vote 1 2")
    await alice.say(slow, "!poll vote 1 1")
    await alice.say(quick, "!help")
    # Answered while the other room's reply is still held (before: the sync loop waited on it).
    await alice.wait_bot_message(quick, runner.user_id, "poll create")
    assert not await alice.bot_messages(slow, runner.user_id)
    proxy.release()
    card = await alice.wait_bot_message(slow, runner.user_id, "#1")
    await until_card(alice, slow, runner, card.event_id, r"Pizza — 1\b", r"Sushi — 0\b")
    replies = [m.body for m in await alice.bot_messages(slow, runner.user_id)]
    assert not any("⚠️" in r for r in replies), replies  # no "no poll #1": the card came first
    votes = [r for r in replies if "Your vote" in r]
    assert len(votes) == 2 and "Sushi" in votes[0] and "Pizza" in votes[1], votes


async def test_a_rate_limited_room_does_not_hold_up_another(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy) -> None:
    await runner.start()
    alice = humans("alice")
    slow, quick = await runner.join(alice), await runner.join(alice)
    proxy.limit("PUT", sends_to(slow), times=3, retry_after_ms=2_000)
    await alice.say(slow, "!help")
    await eventually(lambda: _true(proxy.limited), what="the reply to be rate-limited")
    await alice.say(quick, "!help")
    late = await alice.wait_bot_message(slow, runner.user_id, "poll create")
    early = await alice.wait_bot_message(quick, runner.user_id, "poll create")
    assert len(proxy.limited) == 3
    # Asked second, answered first: the quick room did not wait out the other's rate limit.
    assert _ts(early.original) < _ts(late.original)


async def test_events_queued_at_a_stop_are_handled_after_the_restart_once(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy) -> None:
    _, adapter = await runner.start()
    alice = humans("alice")
    room = await runner.join(alice)
    proxy.hold("PUT", sends_to(room))
    await alice.say(room, '!poll create "Lunch?" Pizza | Sushi')
    await eventually(lambda: _true(proxy.held), what="the card's send to be held")
    await alice.say(room, "!poll vote 1 2")

    await queued_behind(adapter, room, 2, "the vote to be queued behind the card")
    await stop_leaving_the_queue(runner, adapter, proxy)  # the card is finished; the vote waits
    bot, _ = await runner.start()
    card = await alice.wait_bot_message(room, runner.user_id, "#1")
    await until_card(alice, room, runner, card.event_id, r"Sushi — 1\b", r"Pizza — 0\b")
    assert await bot.db.fetchall("SELECT seq FROM matrix_inbox") == []
    await runner.restart()
    await alice.say(room, "!help")
    await alice.wait_bot_message(room, runner.user_id, "poll create")
    votes = [m for m in await alice.bot_messages(room, runner.user_id) if "Your vote" in m.body]
    assert len(votes) == 1


def _on_disk(base: pathlib.Path) -> bytes:
    return b"".join(p.read_bytes() for p in (base, base.with_name(base.name + "-wal")) if p.exists())


async def _stored(runner: BotRunner) -> bytes:
    """What the database keeps: on SQLite every byte on disk (the file and its write-ahead
    log, where deleted rows linger); on PostgreSQL the inbox's rows."""
    if isinstance(runner.db_path, pathlib.Path):
        return _on_disk(runner.db_path)
    assert runner.bot is not None
    rows = await runner.bot.db.fetchall("SELECT source FROM matrix_inbox")
    return "".join(str(r[0]) for r in rows).encode()


async def test_chat_text_waiting_in_the_queue_is_never_written_to_the_database(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy) -> None:
    """The inbox keeps what changes state (a command) across a stop, never a chat message's
    text: the bot stores no message text (the take-it-offline promise)."""
    _, adapter = await runner.start()
    alice = humans("alice")
    room = await runner.join(alice)
    proxy.hold("PUT", sends_to(room))
    await alice.say(room, "!help")
    await eventually(lambda: _true(proxy.held), what="the reply's send to be held")
    said = await alice.say(room, "honestly zebra quartz marmalade is the worst idea 7319")
    await alice.say(room, "sighs at the pineapple plan", msgtype="m.emote")
    await alice.say(room, "* honestly the tangerine plan", extra={
        "m.new_content": {"msgtype": "m.text", "body": "honestly the tangerine plan"},
        "m.relates_to": {"rel_type": "m.replace", "event_id": said}})
    # A command sent as a reply carries the message it answers as a quoted fallback.
    await alice.say(room, '> <@alice:x> honestly zebra quartz marmalade\n\n!poll create "Lunch at Quokka Hall?" '
                          "Pizza | Sushi", extra={"m.relates_to": {"m.in_reply_to": {"event_id": said}}})

    # Room state a moderator types: a ban's reason, a topic.
    await alice.client.room_ban(room, "@zed:localhost", reason="kumquat slander")
    await alice.client.room_put_state(room, "m.room.topic", {"topic": "papaya summit"})

    await queued_behind(adapter, room, 7, "the chat lines, the state and the command to be queued behind the reply")
    stored = await _stored(runner)
    assert b"Quokka Hall" in stored  # the command waits in the inbox, durably
    assert b"@zed:localhost" in stored  # and the ban, as room state does
    for secret in (b"marmalade", b"pineapple", b"tangerine", b"kumquat", b"papaya"):
        assert secret not in stored, secret
    await stop_leaving_the_queue(runner, adapter, proxy)
    await runner.start()
    await alice.wait_bot_message(room, runner.user_id, "Quokka Hall")
    stored = await _stored(runner)
    assert not any(secret in stored for secret in (b"marmalade", b"pineapple", b"tangerine", b"kumquat", b"papaya"))


async def test_a_moderator_command_queued_at_a_stop_is_judged_by_the_rooms_levels(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy) -> None:
    """The queue left at a stop is handled once the first sync has told the rooms' power
    levels (before: the room creator's `config set` was refused as from a non-moderator)."""
    _, adapter = await runner.start()
    alice = humans("alice")  # the room's creator
    room = await runner.join(alice)
    proxy.hold("PUT", sends_to(room))
    await alice.say(room, "!help")
    await eventually(lambda: _true(proxy.held), what="the reply's send to be held")
    await alice.say(room, "!config set timezone Europe/Berlin")

    await queued_behind(adapter, room, 2, "the command to be queued behind the reply")
    await stop_leaving_the_queue(runner, adapter, proxy)
    await runner.start()
    reply = await alice.wait_bot_message(room, runner.user_id, "timezone")
    assert "⚠️" not in reply.body and "Europe/Berlin" in reply.body, reply.body


@pytest.mark.allow_errors  # the reply being sent when the bot is removed fails
async def test_events_queued_in_a_room_the_bot_is_removed_from_are_dropped(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy) -> None:
    """A command still queued when the bot is kicked changes nothing (before: the event was
    made, with its reminders, in a room where no card or answer could be posted)."""
    bot, adapter = await runner.start()
    alice = humans("alice")
    room = await runner.join(alice)
    proxy.hold("PUT", sends_to(room))
    await alice.say(room, "!help")
    await eventually(lambda: _true(proxy.held), what="the reply's send to be held")
    await alice.say(room, '!event create "Board games" when="in 3 hours"')

    await queued_behind(adapter, room, 2, "the command to be queued behind the reply")
    await alice.client.room_kick(room, runner.user_id)
    other = await runner.join(alice)  # a sync after the kick has been handled
    await alice.say(other, "!help")
    await alice.wait_bot_message(other, runner.user_id, "poll create")
    proxy.release()
    async with asyncio.timeout(20):
        await adapter.syncer.lanes.settled()
    assert await bot.db.fetchall("SELECT id FROM events") == []
    assert await bot.db.fetchall("SELECT seq FROM matrix_inbox") == []


class Inbox:
    """The rows a sync wrote before handing them over (the kept ones: `chat` lines are not)."""

    def __init__(self) -> None:
        self.rows: dict[int, tuple[str, dict[str, Any]]] = {}
        self.seq = 0

    def write(self, room: str, events: list[dict[str, Any]]) -> int:
        for e in events:
            self.seq += 1
            if not e["id"].startswith("chat"):
                self.rows[self.seq] = (room, e)
        return self.seq

    async def inbox_of(self, room: str, after: int, upto: int,
                       limit: int) -> list[tuple[int, dict[str, Any]]]:
        return [(s, e) for s, (r, e) in sorted(self.rows.items()) if r == room and after < s <= upto][:limit]

    async def handled(self, room: str, upto: int) -> None:
        for s in [s for s, (r, _) in self.rows.items() if r == room and s <= upto]:
            del self.rows[s]


@pytest.mark.allow_errors
async def test_a_failing_handler_does_not_stop_its_lane_and_a_full_lane_spills_to_the_inbox() -> None:
    """Past its bound a room's events wait in the inbox, not the sync loop: the sync goes on
    for other rooms (before, it waited for the full lane), and the full room's kept events
    are read back in order, each once."""
    inbox, seen = Inbox(), list[str]()
    gate, other = asyncio.Event(), asyncio.Event()

    async def handle(room_id: str, events: Any) -> None:
        if room_id == "!full":
            await gate.wait()
        seen.extend(e["id"] for e in events)
        if room_id == "!other":
            other.set()
        if events[0]["id"] == "a":
            raise RuntimeError("a handler's bug")

    async def put(room: str, *ids: str) -> None:
        events = [{"id": i} for i in ids]
        await lanes.put(room, events, inbox.write(room, events))

    lanes = Lanes(handle, bound=2)
    lanes.inbox = inbox
    async with asyncio.timeout(5):
        await put("!full", "a")
        await put("!full", "b")
        for i in range(5):  # past the bound: each put returns without waiting for the lane
            await put("!full", f"c{i}", f"chat{i}", f"d{i}")
        await put("!other", "x")
        await other.wait()
    assert seen == ["x"] and lanes.pending("!full") == 17
    gate.set()
    async with asyncio.timeout(5):
        await lanes.settled()
    assert seen == ["x", "a", "b"] + [e for i in range(5) for e in (f"c{i}", f"d{i}")]
    assert inbox.rows == {} and lanes.failures == 1 and lanes.pending("!full") == 0
    await put("!full", "e")  # the lane holds its events again
    async with asyncio.timeout(5):
        await lanes.settled()
    assert seen[-1] == "e" and inbox.rows == {}
    await lanes.stop()


async def _true(items: list[str]) -> bool:
    return bool(items)


def _ts(event: dict[str, Any]) -> int:
    return int(event["origin_server_ts"])
