"""Nothing lost: restarts while people react and redact, a burst larger than one sync
window, and rate limits that are honoured with a bound."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from adapters.matrix import MatrixError
from bot.model import ChannelRef, MessageRef, UserRef
from bot.render import text
from cogs.polls.service import PollService
from tests.conftest import ENGINES
from tests.matrix_harness import BotRunner, Human, HumanFactory, eventually, room_with, until_card


@pytest.mark.parametrize("engine", ENGINES)
async def test_restart_while_users_react_and_redact(runner: BotRunner,
                                                    humans: HumanFactory) -> None:
    await runner.start()
    owner = humans("owner")
    u = [humans(f"u{i}") for i in range(6)]
    room = await room_with(runner, owner, *u)
    await owner.say(room, '!event create "Picnic" when="tomorrow 7pm"')
    card = (await owner.wait_bot_message(room, runner.user_id, "#1")).event_id
    await owner.say(room, "!poll create Snacks? chips | fruit")
    poll = (await owner.wait_bot_message(room, runner.user_id, "📊")).event_id

    r1 = await u[0].react(room, card, "✅")
    r2 = await u[1].react(room, card, "✅")
    r3 = await u[2].react(room, card, "🤔")
    v2 = await u[1].react(room, poll, "2️⃣")
    await until_card(owner, room, runner, card, r"Going \(2\)", r"Maybe \(1\)")
    await until_card(owner, room, runner, poll, r"fruit — 1\b")

    later: dict[str, str] = {}

    async def people() -> None:
        # Spread over the restart: some land while the bot runs, some while it is down.
        await u[0].redact(room, r1)
        later["u3"] = await u[3].react(room, card, "✅")
        await asyncio.sleep(0.1)
        await u[4].react(room, card, "❌")
        await u[2].redact(room, r3)
        await u[2].react(room, card, "✅")
        await asyncio.sleep(0.1)
        r6 = await u[5].react(room, card, "✅")
        await u[5].redact(room, r6)
        await u[1].redact(room, r2)
        await u[1].react(room, card, "🤔")
        await asyncio.sleep(0.1)
        await u[0].react(room, poll, "1️⃣")
        await u[1].redact(room, v2)

    crowd = asyncio.create_task(people())
    await runner.stop()
    await asyncio.sleep(0.3)
    await runner.start()
    await crowd

    # After the restart: withdrawals of reactions the bot only learnt about from /relations
    # or from the catch-up sync must still be understood.
    await u[3].redact(room, later["u3"])
    u4_no = [e for e in await owner.raw_events(room)
             if e.get("sender") == u[4].user_id and e.get("type") == "m.reaction"]
    assert len(u4_no) == 1
    await u[4].redact(room, u4_no[0]["event_id"])
    await u[4].react(room, card, "🤔")

    names = [h.user_id[1:].split(":")[0] for h in u]
    c = await until_card(owner, room, runner, card, r"Going \(1\)\n\s+" + names[2] + "$",
                          r"Maybe \(2\)")
    assert names[1] in c.body and names[4] in c.body
    assert "Not going" not in c.body
    await until_card(owner, room, runner, poll, r"chips — 1\b", r"fruit — 0\b")

    # A second restart with nothing new changes nothing and re-runs no command.
    before = len(await owner.bot_messages(room, runner.user_id))
    await runner.restart()
    await owner.say(room, "!poll results 1")
    await owner.wait_bot_message(room, runner.user_id, "Results of poll #1", after=before)
    msgs = await owner.bot_messages(room, runner.user_id)
    assert len(msgs) == before + 1, [m.body for m in msgs[before:]]
    c = await until_card(owner, room, runner, card, r"Going \(1\)", r"Maybe \(2\)")


async def test_reconcile_from_relations_when_the_sync_history_is_gone(
        runner: BotRunner, humans: HumanFactory) -> None:
    """Without a sync token (lost, or a gap too long to back-fill) only /relations knows what
    happened while the bot was down; reactions it learns there can be withdrawn later."""
    await runner.start()
    owner, a, b, c = humans("owner"), humans("a"), humans("b"), humans("c")
    room = await room_with(runner, owner, a, b, c)
    await owner.say(room, '!event create "Hike" when="tomorrow 9am" capacity=1')
    card = (await owner.wait_bot_message(room, runner.user_id, "#1")).event_id
    a_going = await a.react(room, card, "✅")
    await until_card(owner, room, runner, card, r"Going \(1/1\)")

    await runner.stop()
    await a.redact(room, a_going)
    b_going = await b.react(room, card, "✅")
    await c.react(room, card, "✅")
    await c.redact(room, (await c.react(room, card, "❌")))
    with sqlite3.connect(runner.db_path) as db:
        db.execute("DELETE FROM matrix_sync")
    await runner.start()

    names = {h: h.user_id[1:].split(":")[0] for h in (a, b, c)}
    got = await until_card(owner, room, runner, card, r"Going \(1/1\)", r"Waitlist \(1\)")
    assert names[a] not in got.body
    # b's ✅ is known only from /relations; withdrawing it must promote c.
    await b.redact(room, b_going)
    await until_card(owner, room, runner, card, r"Going \(1/1\)\n\s+" + names[c])


async def test_burst_beyond_one_sync_is_fully_counted(runner: BotRunner,
                                                      humans: HumanFactory) -> None:
    _, adapter = await runner.start()
    owner = humans("owner")
    voters = [humans(f"v{i}") for i in range(12)]
    room = await room_with(runner, owner, *voters)
    options = " | ".join(f"opt{i}" for i in range(10))
    await owner.say(room, f"!poll create Which? {options} multi=yes")
    card = (await owner.wait_bot_message(room, runner.user_id, "📊")).event_id
    await until_card(owner, room, runner, card, "opt9 — 0")
    keys = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")

    async def vote_all(h: Human) -> None:
        for k in keys:
            await h.react(room, card, k)

    limited_before = adapter.syncer.limited_syncs
    async with adapter.paused():
        await asyncio.gather(*(vote_all(h) for h in voters))  # 120 reactions
    c = await until_card(owner, room, runner, card,
                          *(rf"opt{i} — 12\b" for i in range(10)))
    assert "12 voters" in c.body
    assert adapter.syncer.limited_syncs > limited_before
    assert adapter.syncer.backfilled_events >= 120 - 100


async def test_rate_limits_are_retried_with_a_bound(runner: BotRunner, humans: HumanFactory,
                                                    synapse: object) -> None:
    bot, adapter = await runner.start(extensions=["cogs.admin"])
    owner = humans("owner")
    room = await runner.join(owner)
    admin = runner.synapse.register("admin" + runner.account.localpart, admin=True)
    runner.synapse.request(
        "POST", f"/_synapse/admin/v1/users/{runner.user_id}/override_ratelimit",
        {"messages_per_second": 2, "burst_count": 1}, token=admin.access_token)
    channel = ChannelRef("matrix", room, room)
    adapter.transport.max_retry_wait_s = 2.0
    for i in range(4):
        await bot.send(channel, text(f"message {i}"))
    assert adapter.transport.rate_limited >= 1
    msgs = await owner.bot_messages(room, runner.user_id)
    assert [m.body for m in msgs] == [f"message {i}" for i in range(4)]

    adapter.transport.max_retries = 0  # the bound: no retry at all, the error comes back
    with pytest.raises(MatrixError, match="M_LIMIT_EXCEEDED"):
        for i in range(4):
            await bot.send(channel, text(f"flood {i}"))

    async def quiet() -> bool:
        runner.synapse.request(
            "DELETE", f"/_synapse/admin/v1/users/{runner.user_id}/override_ratelimit",
            token=admin.access_token)
        return True

    await eventually(quiet)


async def test_a_reaction_while_the_card_is_still_being_seeded_counts(
        runner: BotRunner, humans: HumanFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """A card posted outside a command (a job, a linked channel's command) is tracked only
    once its send, the bot's own reactions included, returns; people react as soon as it
    shows: such a reaction is kept, not lost."""
    bot, adapter = await runner.start()
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    seed = adapter._seed

    async def slow_seed(*args: object, **kwargs: object) -> None:
        await asyncio.sleep(3)
        await seed(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(adapter, "_seed", slow_seed)
    polls = bot.service(PollService)
    assert polls is not None
    posting = asyncio.create_task(polls.post_poll(
        ChannelRef("matrix", room, room), UserRef("matrix", alice.user_id), "Where?", ["Park", "Cafe"]))
    card = await alice.wait_bot_message(room, runner.user_id, "Where?")
    assert not bot.is_tracked(MessageRef("matrix", room, card.event_id, room))
    await bob.react(room, card.event_id, "2️⃣")
    await posting
    await until_card(alice, room, runner, card.event_id, r"2️⃣ Cafe — 1 ")
