"""Linked spaces end to end (PRODUCT.md "Linked spaces", issue 20): a Discord channel (the real
discord.py adapter against the fake Discord) and a Matrix room (the real nio adapter against
the session's Synapse), linked in one bot. Three acts on one database:

1. In this process, one bot with both adapters and a manual clock: a moderator runs /link on
   Discord, a room moderator (power 50) types `!link CODE` on Matrix; one poll voted from both
   sides shows one tally on both cards; an event of capacity 3 is filled from both sides with
   a waitlist; a leave on Discord promotes a Matrix person, said in the room with their mention.
2. `python -m bot.cli run` with [discord] and [matrix] in a process of its own: reactions on
   both sides, kill -9, reactions on both sides while it is dead, restart: the counts on both
   cards are right, and no card was posted twice on either platform.
3. In this process again, a manual clock moved with `bot.scheduler.advance` past each
   reminder (the default 24h and 1h), with a restart between them and more time after: each
   reminder once per space, each with its own idempotency key (the Discord nonce, the Matrix
   txn id, both read on the platforms) and that space's own mentions.

The first test is act 1 alone; the second is the whole story. (It found two bugs: each card's
reconcile at start used to wipe the marks made on the other platform's card, and the first
adapter's reconcile used to edit the other platform's cards before that adapter had started.)
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.discord.refs import short_nonce
from bot.app import Bot
from bot.clock import ManualClock
from tests.matrix_harness import HumanFactory, Synapse, eventually

from .linked.kit import (
    DISCORD_TOKEN_ENV,
    MATRIX_TOKEN_ENV,
    CliBot,
    DiscordSide,
    MatrixSide,
    settle,
    start_bot,
)

EVENT = "Clean-up"
POLL = "Where shall we meet?"
EVENT_CARD, POLL_CARD = f"📅 {EVENT} #1", f"📊 {POLL} #1"  # the cards' titles


async def tracked(bot: Bot, cog: str, kind: str, object_id: int) -> None:
    """Both cards of the object are live cards. A reaction that reaches the bot between a
    card's post and the commit of its track is dropped (Dispatch.reaction_changed finds no
    tracked card) and counts only at the next start's reconcile; people are not that quick,
    these tests are, so they react only after this."""

    async def both() -> bool:
        return len(bot.tracked_messages(cog, kind, object_id)) == 2

    await eventually(both, within=10, what=f"both cards of {kind} {object_id} tracked")


async def act_one(bot: Bot, discord: DiscordSide, matrix: MatrixSide, starts: datetime) -> dict[str, str]:
    """Link, vote, RSVP past the capacity, promote across platforms. Returns the cards' ids."""
    linked = await discord.slash("mod", "link")
    assert linked.ephemeral, linked.text
    found = re.search(r"link ([A-Z0-9]{4}-[A-Z0-9]{4})", linked.text)
    assert found, linked.text
    await matrix.say("mod", f"!link {found.group(1)}")
    await matrix.card("Linked with Discord channel")
    await discord.fake.wait_for(lambda: bool(discord.posts("Linked with Matrix channel")), 10, "the link said")

    # One poll made on Discord, voted on both sides.
    await discord.slash("dana", "poll create", {"question": POLL, "options": "Park | Cafe"})
    poll_d, poll_m = discord.card(POLL_CARD), await matrix.card(POLL_CARD)
    await tracked(bot, "polls", "poll", 1)
    discord.react("dana", poll_d, "1️⃣")
    discord.react("dave", poll_d, "2️⃣")
    await matrix.react("mel", poll_m, "1️⃣")
    await matrix.react("max", poll_m, "2️⃣")
    await matrix.react("mo", poll_m, "2️⃣")
    tally = (r"1️⃣ Park — 2 ", r"2️⃣ Cafe — 3 ", r"5 voters")
    await discord.until(poll_d, *tally)
    await matrix.until(poll_m, *tally)

    # One event made on Matrix, capacity 3 (reminders: its space's default, 24h,1h).
    await matrix.say("mira", f'!event create {EVENT} when="{starts:%Y-%m-%d %H:%M}" capacity=3')
    event_m = await matrix.card(EVENT_CARD)
    await discord.fake.wait_for(lambda: bool(discord.posts(EVENT_CARD)), 10, "the event card on Discord")
    event_d = discord.card(EVENT_CARD)
    await tracked(bot, "events", "event", 1)
    # One at a time: the order of RSVPs is the order of places.
    discord.react("dana", event_d, "✅")
    await discord.until(event_d, r"Going \(1/3\)")
    await matrix.react("mel", event_m, "✅")
    await discord.until(event_d, r"Going \(2/3\)")
    discord.react("dave", event_d, "✅")
    await discord.until(event_d, r"Going \(3/3\)")
    await matrix.react("max", event_m, "✅")  # the fourth: waitlisted, told in the room
    # One roster on both cards; on each card the names from the other platform say so.
    await discord.until(event_d, r"Going \(3/3\)\n\s*dana, mel\S* \(Matrix\), dave$",
                        r"Waitlist \(1\)\n\s*max\S* \(Matrix\)$")
    await matrix.until(event_m, r"Going \(3/3\)\n\s*dana \(Discord\), mel\S*, dave \(Discord\)$",
                       r"Waitlist \(1\)\n\s*max\S*$")
    [waiting] = await eventually(lambda: matrix.posts("on the waitlist"), what="max told he waits")
    assert waiting.content["m.mentions"] == {"user_ids": [matrix.humans["max"].user_id]}

    discord.react("dana", event_d, "✅", added=False)  # a leave on Discord promotes max on Matrix
    [promoted] = await eventually(lambda: matrix.posts("a spot opened up"), what="the promotion")
    assert promoted.content["m.mentions"] == {"user_ids": [matrix.humans["max"].user_id]}
    assert "Waitlist" not in await discord.until(
        event_d, r"Going \(3/3\)\n\s*mel\S* \(Matrix\), dave, max\S* \(Matrix\)$")
    assert "Waitlist" not in await matrix.until(event_m, r"Going \(3/3\)\n\s*mel\S*, dave \(Discord\), max\S*$")
    assert discord.posts("a spot opened up") == [] and discord.posts("on the waitlist") == []
    return {"poll_d": str(poll_d), "poll_m": poll_m, "event_d": str(event_d), "event_m": event_m}


async def act_two(cli: CliBot, discord: DiscordSide, matrix: MatrixSide, ids: dict[str, str]) -> None:
    """The bot in a process of its own: react, kill -9, react on both sides, restart."""
    poll_d, event_d = int(ids["poll_d"]), int(ids["event_d"])
    poll_m, event_m = ids["poll_m"], ids["event_m"]
    await cli.start()
    discord.react("dora", event_d, "✅")  # waitlisted behind the full event
    discord.react("dora", poll_d, "1️⃣")
    await matrix.react("mo", event_m, "🤔")
    await discord.until(event_d, r"Waitlist \(1\)", r"Maybe \(1\)")
    await matrix.until(event_m, r"Waitlist \(1\)", r"Maybe \(1\)")
    await matrix.until(poll_m, r"1️⃣ Park — 3 ", r"6 voters")

    cli.kill9()
    # While it is dead, each object changes on one side only, so the card on the other side
    # is right only if the restart edits it too: on Discord a vote taken back and a new one;
    # on Matrix a leave (dora, waiting on Discord, moves up) and a change of mind (mo's ✅,
    # his latest reaction, puts him on the waitlist).
    discord.react("dana", poll_d, "1️⃣", added=False)
    discord.react("dusty", poll_d, "2️⃣")
    await matrix.unreact("mel", event_m, "✅")
    await matrix.react("mo", event_m, "✅")
    await settle()
    await cli.start()
    tally = (r"1️⃣ Park — 2 ", r"2️⃣ Cafe — 4 ", r"6 voters")
    await discord.until(poll_d, *tally, within=30)
    await matrix.until(poll_m, *tally, within=30)
    going = r"Going \(3/3\)\n\s*(?=.*dave)(?=.*max)(?=.*dora).*$"
    rsvps = (going, r"Maybe \(0\)", r"Waitlist \(1\)\n\s*mo\S*")
    for body in (await discord.until(event_d, *rsvps, within=30), await matrix.until(event_m, *rsvps, within=30)):
        assert "mel" not in body and "dana" not in body, body
    # A leave on Matrix promoted dora: said once, on Discord, pinging her alone.
    await discord.fake.wait_for(lambda: len(discord.posts("a spot opened up")) == 1, 10, "dora's promotion")
    [told] = discord.posts("a spot opened up")
    assert [int(u["id"]) for u in told["mentions"]] == [discord.users["dora"]]
    assert len(await matrix.posts("a spot opened up")) == 1  # max's, from the first act
    cli.kill9()

    # No card was posted twice by the restarts, on either side.
    assert len(discord.posts(POLL_CARD)) == 1 and len(discord.posts(EVENT_CARD)) == 1
    assert len(await matrix.posts(POLL_CARD)) == 1 and len(await matrix.posts(EVENT_CARD)) == 1


async def act_three(db: Path, discord: DiscordSide, matrix: MatrixSide) -> None:
    """Back in this process with a manual clock: each reminder (the default 24h,1h) once per
    space, each with its own key, across a restart between the two."""
    bot = await start_bot(db, ManualClock(), discord, matrix)
    try:
        jobs = await bot.scheduler.pending("event:1:reminder:")
        assert [j.key for j in jobs] == ["event:1:reminder:86400", "event:1:reminder:3600"]
        await bot.scheduler.advance(jobs[0].due_at - bot.clock.now() + timedelta(minutes=1))
        await bot.stop()
        bot = await start_bot(db, ManualClock(jobs[0].due_at + timedelta(minutes=2)), discord, matrix)
        await bot.scheduler.advance(jobs[1].due_at - bot.clock.now() + timedelta(hours=2))  # past the start
        assert await bot.scheduler.pending("event:1:reminder:") == []
    finally:
        await bot.stop()
    keys = [j.idempotency_key for j in jobs]

    # Discord: one post per reminder, each with the nonce of its own key, pinging those going
    # from Discord.
    posts = discord.posts("Reminder")
    assert [p["nonce"] for p in posts] == [short_nonce(f"{k}@{discord.key}") for k in keys]
    for post in posts:
        assert {int(u["id"]) for u in post["mentions"]} == {discord.users[n] for n in ("dave", "dora")}
    assert sum(1 for m in discord.fake.all_messages() if m.get("nonce") in {p["nonce"] for p in posts}) == 2
    # Matrix: one event per reminder, sent with the job's own key as its txn id (the event is
    # Matrix's), mentioning the one going from the room.
    events = await matrix.own_events()
    reminders = [e for e in events if e.get("sender") == matrix.bot_id and e["type"] == "m.room.message"
                 and "Reminder" in e["content"].get("body", "")]
    assert [e["unsigned"].get("transaction_id") for e in reminders] == keys
    for e in reminders:
        assert e["content"]["m.mentions"] == {"user_ids": [matrix.humans["max"].user_id]}, e["content"]
    assert not {p["nonce"] for p in posts} & set(keys)


async def story(synapse: Synapse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, acts: int) -> None:
    discord = await DiscordSide.open("dana", "dave", "dora", "dusty")
    factory = HumanFactory(synapse)
    matrix = MatrixSide.open(synapse, factory, "mira", "mel", "max", "mo")
    monkeypatch.setenv(DISCORD_TOKEN_ENV, discord.fake.token)
    monkeypatch.setenv(MATRIX_TOKEN_ENV, matrix.account.access_token)
    db = tmp_path / "logoff.db"
    cli = CliBot(tmp_path, db, discord, matrix)
    starts = (datetime.now(UTC) + timedelta(days=3)).replace(second=0, microsecond=0)
    try:
        bot = await start_bot(db, ManualClock(), discord, matrix)
        try:
            await matrix.make_room()
            ids = await act_one(bot, discord, matrix, starts)
        finally:
            await bot.stop()
        if acts > 1:
            await act_two(cli, discord, matrix, ids)
            await act_three(db, discord, matrix)
    finally:
        cli.kill9()
        for h in factory.made:
            await h.close()
        await discord.fake.stop()
    assert cli.problems() == [], "\n".join(cli.problems())
    assert discord.fake.unhandled == []


async def test_link_one_poll_one_rsvp_list_and_a_promotion_across_platforms(
        synapse: Synapse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    await story(synapse, tmp_path, monkeypatch, acts=1)


async def test_kill_9_and_restarts_keep_one_tally_and_remind_once_per_space(
        synapse: Synapse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    await story(synapse, tmp_path, monkeypatch, acts=3)
