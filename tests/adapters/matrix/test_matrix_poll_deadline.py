"""A native poll's response made after its `closes=` deadline while the bot was down counts for
nothing, on a real Synapse: the result follows the deadline, whether the response comes in
the first sync or is re-read from /relations at start. (Element counts it: for Element the
poll ends with the end event, sent when the bot is back.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from adapters.matrix.inbound import Envelope, PollResponse
from adapters.matrix.polls import Change
from adapters.matrix.store import MatrixStore, NativePoll
from bot.clock import ManualClock
from bot.model import MessageRef
from tests.adapters.matrix.native_poll_events import (
    END,
    RESPONSE,
    TEXT,
    bot_events,
    poll_card,
    respond,
)
from tests.adapters.matrix.poll_end_fakes import ROOM, Transport, Waits, native, open_db
from tests.matrix_harness import BotRunner, HumanFactory, eventually, room_with, until_card


async def test_a_response_after_the_deadline_while_the_bot_was_down_does_not_count(
        runner: BotRunner, humans: HumanFactory) -> None:
    clock = ManualClock(datetime.now(UTC) - timedelta(days=1))
    bot, _ = await runner.start(clock=clock)
    alice, bob, carol = humans("alice"), humans("bob"), humans("carol")
    room = await room_with(runner, alice, bob, carol)
    # The bot's clock an hour before now: the deadline is now, as the homeserver tells time,
    # so whatever the homeserver stamps from here on comes after it.
    await bot.advance(datetime.now(UTC) - timedelta(hours=1) - clock.now())
    card, start = await poll_card(runner, alice, room, "!poll create Film? Alien | Brazil closes=1h")
    await bob.react(room, card, "1️⃣")
    await until_card(alice, room, runner, card, r"Alien — 1\b")
    await runner.stop()
    await respond(carol, room, start, ["2"])  # after the deadline, the bot down
    clock.advance(timedelta(hours=2))
    bot, _ = await runner.start()
    await bot.advance(timedelta(0))
    results = await alice.wait_bot_message(room, runner.user_id, "Results of poll #1")
    assert "Alien — 1" in results.body and "Brazil — 0" in results.body
    await until_card(alice, room, runner, card, r"\(closed\)", r"Alien — 1\b", r"Brazil — 0\b")
    [the_end] = await eventually(lambda: bot_events(alice, room, runner, END), what="the end")
    assert "Brazil — 0" in the_end["content"][TEXT]


async def test_a_response_stamped_after_the_deadline_is_not_taken_while_running(tmp_path: Path) -> None:
    """The close job runs at the deadline; a response stamped after it and read before the job
    ran changes nothing on the card (on the adapter's real store)."""
    db = await open_db(str(tmp_path / "m.db"))
    try:
        store = MatrixStore(db)
        await store.migrate()
        closes = 1_000_000.0
        poll = NativePoll("$start1", ROOM, "$card1", 2, 1, ref="#1", closes=closes)
        await store.save_poll(poll)
        polls = native(Transport(), store, Waits())

        async def answer(event_id: str, ms: float, choice: str) -> list[Change]:
            ev = Envelope(event_id, RESPONSE, "@carol:x", {}, ms)
            return await polls.respond(poll, ev, PollResponse("$start1", (choice,)))

        assert await answer("$r1", closes * 1000, "1") == [Change("1️⃣", True)]  # at the deadline
        assert await answer("$r2", closes * 1000 + 1, "2") == []
        assert [v.answers for v in await store.votes("$start1")] == [(1,)]
    finally:
        await db.close()


async def test_a_response_from_a_homeserver_whose_clock_runs_ahead_counts_while_the_poll_is_open(
        tmp_path: Path) -> None:
    """By the bot's clock the poll is open for another minute (its card invites votes, no close
    job has run); the homeserver's clock runs 90 s ahead and stamps the response after the
    deadline: it counts all the same. Once the bot's clock is at the deadline, it does not."""
    db = await open_db(str(tmp_path / "m.db"))
    try:
        store = MatrixStore(db)
        await store.migrate()
        closes = 1_000_000.0
        poll = NativePoll("$start1", ROOM, "$card1", 2, 1, ref="#1", closes=closes)
        await store.save_poll(poll)
        polls = native(Transport(), store, Waits())
        bot_now = closes - 60

        polls.bot_time = lambda: bot_now
        ahead = Envelope("$r1", RESPONSE, "@carol:x", {}, (bot_now + 90) * 1000)
        assert await polls.respond(poll, ahead, PollResponse("$start1", ("1",))) == [Change("1️⃣", True)]

        bot_now = closes
        later = Envelope("$r2", RESPONSE, "@carol:x", {}, (bot_now + 90) * 1000)
        assert await polls.respond(poll, later, PollResponse("$start1", ("2",))) == []
        assert [v.answers for v in await store.votes("$start1")] == [(1,)]
    finally:
        await db.close()


class Relations(Transport):
    """/relations answering with `events`."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        super().__init__()
        self.events = events

    async def get_json(self, path: str) -> tuple[int, dict[str, Any]]:
        return 200, {"chunk": self.events}


def response(event_id: str, ms: float, choice: str) -> dict[str, Any]:
    return {"event_id": event_id, "type": RESPONSE, "sender": "@carol:x", "origin_server_ts": ms,
            "content": {"m.relates_to": {"rel_type": "m.reference", "event_id": "$start1"},
                        RESPONSE: {"answers": [choice]}}}


async def test_a_response_taken_before_the_deadline_stands_at_a_recount_after_it(tmp_path: Path) -> None:
    """Taken while the bot's clock said the poll was open, though the homeserver (its clock
    ahead) stamped it after the deadline: the recount at the next start, the bot's clock past
    the deadline by then, keeps it; a later response stamped after the deadline stays void."""
    db = await open_db(str(tmp_path / "m.db"))
    try:
        store = MatrixStore(db)
        await store.migrate()
        closes = 1_000_000.0
        poll = NativePoll("$start1", ROOM, "$card1", 2, 1, ref="#1", closes=closes)
        await store.save_poll(poll)
        taken, after = response("$r1", (closes + 30) * 1000, "1"), response("$r2", (closes + 40) * 1000, "2")
        polls = native(Relations([taken, after]), store, Waits())
        bot_now = closes - 60
        polls.bot_time = lambda: bot_now
        ev = Envelope("$r1", RESPONSE, "@carol:x", {}, taken["origin_server_ts"])
        assert await polls.respond(poll, ev, PollResponse("$start1", ("1",))) == [Change("1️⃣", True)]

        bot_now = closes + 5  # a start just after the deadline, its close job not run yet
        rows, reread = await polls.present(MessageRef("matrix", ROOM, "$card1", ROOM))
        assert [r.key for r in rows] == ["1️⃣"]
        assert [v.response_id for v in reread["$start1"]] == ["$r1"]
    finally:
        await db.close()
