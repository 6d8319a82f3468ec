"""Polls, events, RSVPs, reminders and hostile input, end to end: the real cogs behind
the real adapter and discord.py, driven through the fake Discord."""

from __future__ import annotations

import asyncio
import re
import types
from datetime import timedelta
from typing import Any

import discord
import discord.http
import pytest

from bot.adapter import DeliveryFailed
from bot.clock import ManualClock
from bot.model import ChannelRef, SpaceRef, UserRef
from bot.render import text
from bot.scheduler import Job
from tests.conftest import ENGINES
from tests.discord_fake import EPHEMERAL, message_text
from tests.discord_fake.harness import Harness, World

ALL = ("cogs.admin", "cogs.polls", "cogs.events", "cogs.offline", "cogs.links")


def card_id(msg: dict[str, Any]) -> int:
    m = re.search(r"#(\d+)", msg["embeds"][0]["title"])
    assert m, msg["embeds"][0]["title"]
    return int(m.group(1))


def only_public_card(result: Any) -> dict[str, Any]:
    cards = [m for m in result.public if m["embeds"]]
    assert len(cards) == 1, result.text
    return cards[0]


async def test_full_command_sync(harness: Harness, world: World) -> None:
    await harness.start(ALL)
    [(_, payload)] = world.fake.command_syncs
    by_name = {c["name"]: c for c in payload}
    assert set(by_name) == {"calendar", "checkin", "config", "event", "help", "link", "notify", "offline", "poll",
                            "rsvp", "stats", "unlink"}
    assert [o["name"] for o in by_name["calendar"]["options"]] == ["action"]  # /calendar runs bare
    poll = {o["name"]: o for o in by_name["poll"]["options"]}
    assert set(poll) == {"create", "close", "results", "vote"}
    create = [(o["name"], o["type"], o["required"]) for o in poll["create"]["options"]]
    assert create == [("question", 3, True), ("options", 3, True), ("multi", 5, False), ("closes", 3, False)]
    event_create = {o["name"]: o for o in {o["name"]: o for o in by_name["event"]["options"]}["create"]["options"]}
    assert event_create["capacity"]["type"] == 4 and event_create["capacity"]["min_value"] == 1
    assert [o["required"] for o in event_create.values()] == [True, True] + [False] * 8
    assert event_create["goal"]["type"] == 4 and event_create["goal"]["min_value"] == 1
    assert event_create["duration"]["type"] == 3
    assert event_create["count"]["type"] == 4 and event_create["count"]["min_value"] == 1
    assert event_create["repeat"]["type"] == 3 and event_create["until"]["type"] == 3
    rsvp = {o["name"]: o for o in by_name["rsvp"]["options"]}
    assert rsvp["id"]["type"] == 4
    assert [c["value"] for c in rsvp["status"]["choices"]] == ["going", "maybe", "no"]


async def test_poll_create_vote_by_reaction_and_close(harness: Harness, world: World) -> None:
    bot, _ = await harness.start(ALL)
    fake, u = world.fake, world.users
    created = await fake.send_interaction(
        "poll create", {"question": "Where should we meet?", "options": "Riverside Park | Blue Cafe | Library"},
        user=u["alice"], channel=world.channel)
    card = only_public_card(created)
    mid, pid = int(card["id"]), card_id(card)
    assert not card["flags"] & EPHEMERAL
    for emoji in ("1️⃣", "2️⃣", "3️⃣"):
        assert fake.reaction_users(mid, emoji) == [fake.bot_id], "the bot seeds one reaction per option"

    fake.add_reaction(mid, "2️⃣", u["bob"])
    fake.add_reaction(mid, "2️⃣", u["carol"])
    fake.add_reaction(mid, "1️⃣", u["carol"])  # single choice: carol's latest vote counts
    await fake.wait_for(lambda: "Blue Cafe — 1" in message_text(fake.messages[mid])
                        and "Riverside Park — 1" in message_text(fake.messages[mid]), what="tally on the card")

    voted = await fake.send_interaction("poll vote", {"id": pid, "choice": 3}, user=u["mod"], channel=world.channel)
    assert voted.ephemeral and "counts" in voted.text
    results = await fake.send_interaction("poll results", {"id": pid}, user=u["bob"], channel=world.channel)
    assert "Library — 1" in results.text

    refused = await fake.send_interaction("poll close", {"id": pid}, user=u["bob"], channel=world.channel)
    assert refused.text.startswith("⚠️") and refused.ephemeral
    closed = await fake.send_interaction("poll close", {"id": pid}, user=u["alice"], channel=world.channel)
    assert "Results of poll" in closed.text and not closed.ephemeral
    await bot.cards.idle()
    assert "(closed)" in message_text(fake.messages[mid])


@pytest.mark.parametrize("engine", ENGINES)
async def test_event_rsvp_by_reaction_button_and_waitlist(harness: Harness, world: World) -> None:
    bot, _ = await harness.start(ALL)
    fake, u, ch = world.fake, world.users, world.channel
    on = await fake.send_interaction("config set", {"key": "rsvp.buttons", "value": "on"}, user=u["mod"], channel=ch)
    assert "rsvp.buttons is now on" in on.text

    created = await fake.send_interaction("event create", {"title": "Picnic", "when": "tomorrow 7pm",
                                                           "where": "Riverside Park", "capacity": 1},
                                          user=u["alice"], channel=ch)
    card = only_public_card(created)
    mid, eid = int(card["id"]), card_id(card)
    assert "Going (0/1)" in message_text(card)
    assert re.search(r"<t:\d+:F>", card["embeds"][0]["description"])
    assert re.search(r"<t:\d+:R>", card["embeds"][0]["description"])
    assert [fake.reaction_users(mid, e) for e in ("✅", "🤔", "❌")] == [[fake.bot_id]] * 3
    buttons = [c["custom_id"] for row in card["components"] for c in row["components"]]
    assert buttons == [f"rsvp:{eid}:going", f"rsvp:{eid}:maybe", f"rsvp:{eid}:no"]

    fake.add_reaction(mid, "✅", u["bob"])
    await fake.wait_for(lambda: "Going (1/1)" in message_text(fake.messages[mid]), what="bob going")

    pressed = await fake.press_button(mid, f"rsvp:{eid}:going", user=u["carol"])
    assert pressed.ephemeral and "waitlist" in pressed.text
    await fake.wait_for(lambda: "Waitlist (1)" in message_text(fake.messages[mid]), what="carol waitlisted")

    fake.remove_reaction(mid, "✅", u["bob"])
    await fake.wait_for(lambda: any("spot opened up" in message_text(m)
                                    for m in fake.channel_messages(ch)), what="promotion notice")
    [notice] = [m for m in fake.channel_messages(ch) if "spot opened up" in message_text(m)]
    assert f"<@{u['carol']}>" in notice["content"]
    assert fake.pings(notice["content"], notice["_allowed_mentions"]) == ([u["carol"]], False)
    await bot.cards.idle()
    shown = message_text(fake.messages[mid])
    assert "Going (1/1)" in shown and "carol" in shown and "Waitlist" not in shown

    maybe = await fake.send_interaction("rsvp", {"id": eid, "status": "maybe"}, user=u["alice"], channel=ch)
    assert maybe.ephemeral and "maybe" in maybe.text
    await fake.wait_for(lambda: "Maybe (1)" in message_text(fake.messages[mid]), what="alice maybe")

    # Buttons keep working for a fresh client: the custom id carries the state.
    await harness.close()
    await harness.start(ALL)
    pressed = await fake.press_button(mid, f"rsvp:{eid}:no", user=u["alice"])
    assert pressed.ephemeral and "not going" in pressed.text


@pytest.mark.parametrize("engine", ENGINES)
async def test_reminder_is_posted_once_with_its_nonce(harness: Harness, world: World) -> None:
    clock = ManualClock()
    bot, _ = await harness.start(ALL, clock=clock)
    fake, u, ch = world.fake, world.users, world.channel
    created = await fake.send_interaction("event create", {"title": "Board games", "when": "in 3 hours"},
                                          user=u["alice"], channel=ch)
    mid = int(only_public_card(created)["id"])
    fake.add_reaction(mid, "✅", u["bob"])
    await fake.wait_for(lambda: "Going (1)" in message_text(fake.messages[mid]), what="bob going")

    await bot.scheduler.advance(timedelta(hours=2, minutes=1))
    reminders = [m for m in fake.channel_messages(ch) if "starts" in message_text(m)]
    assert len(reminders) == 1
    [reminder] = reminders
    assert "Board games" in message_text(reminder)
    row = await bot.db.fetchone("SELECT id, kind, key, space, due_at, state, payload, attempts FROM jobs "
                                "WHERE kind='event.reminder' AND state='sent'")
    key = Job.from_row(row).idempotency_key
    assert reminder["nonce"] == key and reminder["_enforce_nonce"] is True
    assert fake.pings(reminder["content"], reminder["_allowed_mentions"]) == ([u["bob"]], False)

    # A re-post of the same job (as after a crash in `sending`) lands on the same message.
    channel = ChannelRef("discord", str(world.channel), str(world.guild))
    again = await bot.send(channel, text("⏰ Reminder: Board games starts soon"), idempotency_key=key)
    assert int(again.id) == int(reminder["id"])
    assert len([m for m in fake.channel_messages(ch) if "starts" in message_text(m)]) == 1



async def test_a_reminder_dm_re_sent_after_a_crash_is_one_dm(harness: Harness, world: World) -> None:
    clock = ManualClock()
    bot, adapter = await harness.start(ALL, clock=clock)
    fake, u, ch = world.fake, world.users, world.channel
    await fake.send_interaction("notify", {"where": "dm"}, user=u["bob"], channel=ch)
    created = await fake.send_interaction("event create", {"title": "Board games", "when": "in 3 hours"},
                                          user=u["alice"], channel=ch)
    mid = int(only_public_card(created)["id"])
    fake.add_reaction(mid, "✅", u["bob"])
    await fake.wait_for(lambda: "Going (1)" in message_text(fake.messages[mid]), what="bob going")
    await bot.scheduler.advance(timedelta(hours=2, minutes=1))

    def dms() -> list[dict[str, Any]]:
        return [m for c in fake.channels.values() if c["type"] == 1
                for m in fake.channel_messages(int(c["id"]))]

    [dm] = dms()
    assert "Board games" in message_text(dm) and dm["_enforce_nonce"] is True
    # The crash came after the DM and before the job was marked done: the re-run sends it
    # again with the same nonce, and Discord answers with the first one.
    await bot.db.execute("UPDATE jobs SET state='sending' WHERE kind='event.reminder'")
    posts = len([r for r in fake.requests if r[0] == "POST" and r[1] == f"/channels/{dm['channel_id']}/messages"])
    await bot.scheduler.recover()
    assert len([r for r in fake.requests
                if r[0] == "POST" and r[1] == f"/channels/{dm['channel_id']}/messages"]) == posts + 1
    assert dms() == [dm]
    # Another key is another message.
    bob = UserRef("discord", str(u["bob"]), "bob")
    again = await adapter.send_dm(bob, text("a spot opened up"), idempotency_key="other")
    assert again is not None and int(again.id) != int(dm["id"]) and len(dms()) == 2
    assert await adapter.send_dm(bob, text("a spot opened up"), idempotency_key="other") == again

async def test_hostile_title_shows_literally_and_pings_nobody(harness: Harness, world: World) -> None:
    bot, _ = await harness.start(ALL)
    fake, u, ch = world.fake, world.users, world.channel
    hostile = f"@everyone <script> **bold** <@{u['mod']}> @here"
    created = await fake.send_interaction("event create", {"title": hostile, "when": "tomorrow 6pm",
                                                           "capacity": 1}, user=u["alice"], channel=ch)
    card = only_public_card(created)
    mid = int(card["id"])
    assert hostile in message_text(card), message_text(card)
    assert "**bold**" not in card["embeds"][0]["title"], "markdown is escaped"
    assert card["_allowed_mentions"]["parse"] == [] and card["_allowed_mentions"]["users"] == []
    assert not card["_allowed_mentions"].get("replied_user")
    assert not card["mention_everyone"] and card["mentions"] == []

    fake.add_reaction(mid, "✅", u["bob"])
    fake.add_reaction(mid, "✅", u["carol"])
    await fake.wait_for(lambda: "Waitlist (1)" in message_text(fake.messages[mid]), what="waitlist")
    fake.remove_reaction(mid, "✅", u["bob"])
    await fake.wait_for(lambda: any("spot opened up" in message_text(m) for m in fake.channel_messages(ch)),
                        what="promotion")
    [notice] = [m for m in fake.channel_messages(ch) if "spot opened up" in message_text(m)]
    assert hostile in message_text(notice)
    # The content carries the hostile text, yet only carol is notified.
    assert fake.pings(notice["content"], notice["_allowed_mentions"]) == ([u["carol"]], False)
    assert [m["id"] for m in notice["mentions"]] == [str(u["carol"])] and not notice["mention_everyone"]
    await bot.cards.idle()


@pytest.mark.parametrize("engine", ENGINES)
async def test_poll_with_many_votes_survives_a_restart(harness: Harness, world: World) -> None:
    """Reactions made while the bot was down count once it is back; a deleted card is skipped."""
    await harness.start(ALL)
    fake, u, ch = world.fake, world.users, world.channel
    created = await fake.send_interaction("poll create", {"question": "When?", "options": "Sat | Sun",
                                                          "multi": True}, user=u["alice"], channel=ch)
    mid = int(only_public_card(created)["id"])
    gone = only_public_card(await fake.send_interaction(
        "poll create", {"question": "Deleted?", "options": "a | b"}, user=u["alice"], channel=ch))
    fake.add_reaction(mid, "1️⃣", u["bob"])
    await fake.wait_for(lambda: "Sat — 1" in message_text(fake.messages[mid]), what="bob's vote")
    await harness.close()

    # While the bot is away: votes change and many people vote (more than one page of users).
    fake.remove_reaction(mid, "1️⃣", u["bob"], dispatch=False)
    fake.add_reaction(mid, "2️⃣", u["bob"], dispatch=False)
    voters = [fake.add_member(world.guild, f"voter{i}") for i in range(130)]
    for v in voters:
        fake.add_reaction(mid, "1️⃣", v, dispatch=False)
    gone["_deleted"] = True

    bot, _ = await harness.start(ALL)
    await bot.cards.idle()
    shown = message_text(fake.messages[mid])
    assert "Sat — 130" in shown and "Sun — 1" in shown, shown


async def test_event_ics_is_a_file(harness: Harness, world: World) -> None:
    await harness.start(ALL)
    fake, u, ch = world.fake, world.users, world.channel
    created = await fake.send_interaction("event create", {"title": "Hike", "when": "saturday 10am"},
                                          user=u["alice"], channel=ch)
    eid = card_id(only_public_card(created))
    result = await fake.send_interaction("event ics", {"id": eid}, user=u["bob"], channel=ch)
    [msg] = result.messages
    [file] = msg["_files"]
    assert file["filename"].endswith(".ics") and file["data"].startswith(b"BEGIN:VCALENDAR")


@pytest.mark.parametrize("engine", ENGINES)
async def test_votes_during_a_server_outage_are_reconciled(harness: Harness, world: World) -> None:
    bot, _ = await harness.start(ALL)
    fake, u, ch = world.fake, world.users, world.channel
    created = await fake.send_interaction("poll create", {"question": "Outage?", "options": "yes | no"},
                                          user=u["alice"], channel=ch)
    mid = int(only_public_card(created)["id"])
    fake.outage(world.guild)
    fake.add_reaction(mid, "2️⃣", u["bob"])  # not delivered: the server is unavailable
    fake.outage_over(world.guild)
    await fake.wait_for(lambda: "no — 1" in message_text(fake.messages[mid]), what="reconciled vote")
    await bot.cards.idle()


def dm_messages(fake, user_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    chans = [cid for cid, ch in fake.channels.items()
             if ch["type"] == 1 and ch["recipients"][0]["id"] == str(user_id)]
    return [message_text(m) for cid in chans for m in fake.channel_messages(cid)]


async def test_notify_dm_reminder_and_closed_dms_told_once(harness: Harness, world: World) -> None:
    clock = ManualClock()
    bot, _ = await harness.start(ALL, clock=clock)
    fake, u, ch = world.fake, world.users, world.channel
    for who in ("bob", "carol"):
        said = await fake.send_interaction("notify", {"where": "dm"}, user=u[who], channel=ch)
        assert said.ephemeral and "direct message" in said.text
    fake.dms_closed.add(u["carol"])  # Discord answers 50007 to a DM to her
    created = await fake.send_interaction("event create", {"title": "Board games", "when": "in 3 hours"},
                                          user=u["alice"], channel=ch)
    mid = int(only_public_card(created)["id"])
    for who in ("bob", "carol"):
        fake.add_reaction(mid, "✅", u[who])
    await fake.wait_for(lambda: "Going (2)" in message_text(fake.messages[mid]), what="both going")
    await bot.scheduler.advance(timedelta(hours=3, minutes=1))  # the 24h one passed; the 1h fires
    assert [t for t in dm_messages(fake, u["bob"]) if "Reminder" in t]
    assert dm_messages(fake, u["carol"]) == []
    told = [m for m in fake.channel_messages(ch) if "couldn't send you a direct message" in message_text(m)]
    assert len(told) == 1 and fake.pings(told[0]["content"], told[0]["_allowed_mentions"])[0] == [u["carol"]]
    # The channel reminder went out once, mentioning both.
    [reminder] = [m for m in fake.channel_messages(ch) if "Reminder" in message_text(m)]
    assert sorted(fake.pings(reminder["content"], reminder["_allowed_mentions"])[0]) == sorted(
        [u["bob"], u["carol"]])
    assert bot.metrics.registry.get_sample_value(
        "logoff_platform_errors_total", {"platform": "discord", "code": "50007"}) == 1


@pytest.fixture
def quick_server_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """discord.py tries a 500 five times, waiting 1, 3, 5, 7 and 9 s between: the same tries
    without the wait."""
    real_sleep = asyncio.sleep

    async def sleep(delay: float, result: Any = None) -> Any:
        return await real_sleep(min(delay, 0.01), result)

    quick = types.ModuleType("asyncio")
    quick.__dict__.update(vars(asyncio))
    quick.sleep = sleep  # type: ignore[attr-defined]
    monkeypatch.setattr(discord.http, "asyncio", quick)


async def test_a_dm_discord_fails_is_not_taken_for_closed_dms(harness: Harness, world: World,
                                                              quick_server_retries: None) -> None:
    clock = ManualClock()
    bot, adapter = await harness.start(ALL, clock=clock)
    fake, u, ch = world.fake, world.users, world.channel
    await bot.settings.set(SpaceRef("discord", str(world.guild)), "reminders", "2h,1h")
    for who in ("bob", "carol"):
        await fake.send_interaction("notify", {"where": "dm"}, user=u[who], channel=ch)
    fake.dms_failing.add(u["bob"])  # Discord answers 500 to each try of a DM to him
    fake.dms_closed.add(u["carol"])  # ...and 403 50007 to her
    with pytest.raises(DeliveryFailed):
        await adapter.send_dm(UserRef("discord", str(u["bob"]), "bob"), text("hi"))
    assert await adapter.send_dm(UserRef("discord", str(u["carol"]), "carol"), text("hi")) is None
    created = await fake.send_interaction("event create", {"title": "Board games", "when": "in 3 hours"},
                                          user=u["alice"], channel=ch)
    mid = int(only_public_card(created)["id"])
    for who in ("bob", "carol"):
        fake.add_reaction(mid, "✅", u[who])
    await fake.wait_for(lambda: "Going (2)" in message_text(fake.messages[mid]), what="both going")
    await bot.scheduler.advance(timedelta(hours=1, minutes=1))  # the 2h reminder
    assert dm_messages(fake, u["bob"]) == [] and dm_messages(fake, u["carol"]) == []
    told = [m for m in fake.channel_messages(ch) if "couldn't send you a direct message" in message_text(m)]
    assert len(told) == 1 and fake.pings(told[0]["content"], told[0]["_allowed_mentions"])[0] == [u["carol"]]
    [reminder] = [m for m in fake.channel_messages(ch) if "Reminder" in message_text(m)]
    assert sorted(fake.pings(reminder["content"], reminder["_allowed_mentions"])[0]) == sorted(
        [u["bob"], u["carol"]])
    rows = await bot.db.fetchall("SELECT user, dm_closed FROM notify_prefs ORDER BY dm_closed")
    assert [tuple(r) for r in rows] == [(f"discord:{u['bob']}", 0), (f"discord:{u['carol']}", 1)]
    # Discord is well again: bob's next reminder comes by DM; carol's DMs are not tried.
    fake.dms_failing.clear()
    await bot.scheduler.advance(timedelta(hours=1))
    assert [t for t in dm_messages(fake, u["bob"]) if "Reminder" in t]
    assert dm_messages(fake, u["carol"]) == []
