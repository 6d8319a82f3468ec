"""Turnout through discord.py and the fake Discord: the 📍 reaction added to a card by its edit
when check-in opens, `/checkin`, the follow-up, `/stats` posting its chart as a real multipart
upload (the PNG downloaded back and measured), and `/event export` as a private CSV."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import aiohttp
from PIL import Image

from bot.clock import ManualClock
from cogs.events import chart
from tests.discord_fake import EPHEMERAL, message_text
from tests.discord_fake.harness import Harness, World

ALL = ("cogs.admin", "cogs.polls", "cogs.events", "cogs.offline", "cogs.links")
PIN = "/reactions/📍/"


def card_of(result: Any) -> dict[str, Any]:
    [card] = [m for m in result.public if m["embeds"]]
    return card


async def test_checkin_pin_followup_and_stats_chart_upload(harness: Harness, world: World) -> None:
    clock = ManualClock()
    bot, _ = await harness.start(ALL, clock=clock)
    fake, u, ch = world.fake, world.users, world.channel
    created = await fake.send_interaction("event create", {"title": "Clean-up", "when": "in 3 hours",
                                                           "goal": 2}, user=u["alice"], channel=ch)
    card = card_of(created)
    mid = int(card["id"])
    assert "Goal (0/2)" in message_text(card)
    for who in ("bob", "carol"):
        fake.add_reaction(mid, "✅", u[who])
    await fake.wait_for(lambda: "Goal (2/2)" in message_text(fake.messages[mid]), what="the goal")
    assert fake.reaction_users(mid, "📍") == []

    # Check-in opens half an hour before: the card's edit adds 📍, once, and nothing else again.
    await bot.scheduler.advance(timedelta(hours=2, minutes=31))
    await bot.cards.idle()
    await fake.quiet(0.1)
    assert fake.reaction_users(mid, "📍") == [fake.bot_id]
    assert "Here (0)" in message_text(fake.messages[mid])
    puts = [p for m, p, _ in fake.requests if m == "PUT" and f"/messages/{mid}/reactions/" in p]
    assert len([p for p in puts if PIN in p]) == 1 and len(puts) == 4, puts

    # A restarted adapter knows nothing it seeded: the edit's answer says what is there.
    await harness.close()
    bot, _ = await harness.start(ALL, clock=clock)
    fake.add_reaction(mid, "📍", u["bob"])
    await fake.wait_for(lambda: "Here (1)" in message_text(fake.messages[mid]), what="bob here")
    await bot.cards.idle()
    await fake.quiet(0.1)
    assert len([p for m, p, _ in fake.requests if m == "PUT" and f"/messages/{mid}/reactions/" in p]) == 4
    here = await fake.send_interaction("checkin", {"id": 1}, user=u["carol"], channel=ch)
    assert here.ephemeral and "checked in" in here.text
    stranger = await fake.send_interaction("checkin", {"id": 1, "name": "bob"}, user=u["carol"], channel=ch)
    assert stranger.ephemeral and stranger.text.startswith("⚠️")  # by name: the creator's, a moderator's
    await fake.wait_for(lambda: "Here (2)" in message_text(fake.messages[mid]), what="two here")

    await bot.scheduler.advance(timedelta(hours=2, minutes=30))  # it ended: the follow-up
    await bot.cards.idle()
    [thanks] = [m for m in fake.channel_messages(ch) if "Thanks for coming" in message_text(m)]
    assert "2 people checked in" in message_text(thanks)
    assert any("Next Clean-up?" in message_text(m) for m in fake.channel_messages(ch)), \
        [message_text(m) for m in fake.channel_messages(ch)][-3:]

    result = await fake.send_interaction("stats", {}, user=u["bob"], channel=ch)
    await fake.wait_for(lambda: any(m["attachments"] for m in result.messages), wait_s=30, what="the chart")
    summary = next(m for m in result.messages if "Turnout in the last 90 days" in message_text(m))
    assert "1 event held, 2 going, 2 checked in, show-up rate 100%" in message_text(summary)
    [posted] = [m for m in result.messages if m["attachments"]]
    [att] = posted["attachments"]
    assert att["filename"] == "turnout.png" and att["content_type"] == "image/png"
    assert (att["width"], att["height"]) == (chart.WIDTH_PX, chart.HEIGHT_PX)
    assert "#1 " in att["description"]  # the chart in words, as alt text
    # discord.py sent it as Discord takes files: multipart, named in the payload's attachments.
    [upload] = [b for m, _, b in fake.requests if isinstance(b, dict) and b.get("_files")
                and b["_files"][0]["filename"] == "turnout.png"]
    payload_atts = upload.get("attachments") or upload.get("data", {}).get("attachments")
    assert payload_atts and payload_atts[0]["filename"] == "turnout.png" and str(payload_atts[0]["id"]) == "0"
    async with aiohttp.ClientSession() as http, http.get(att["url"]) as r:
        assert r.status == 200
        data = await r.read()
    assert len(data) == att["size"]
    png = Image.open(io.BytesIO(data))
    assert png.format == "PNG" and png.size == (chart.WIDTH_PX, chart.HEIGHT_PX)


async def test_export_is_a_private_csv_for_the_creator(harness: Harness, world: World) -> None:
    await harness.start(ALL)
    fake, u, ch = world.fake, world.users, world.channel
    created = await fake.send_interaction("event create", {"title": "Clean-up", "when": "tomorrow 6pm"},
                                          user=u["alice"], channel=ch)
    mid = int(card_of(created)["id"])
    fake.add_reaction(mid, "✅", u["bob"])
    await fake.wait_for(lambda: "Going (1)" in message_text(fake.messages[mid]), what="bob going")
    refused = await fake.send_interaction("event export", {"id": 1}, user=u["bob"], channel=ch)
    assert refused.ephemeral and refused.text.startswith("⚠️")
    mine = await fake.send_interaction("event export", {"id": 1}, user=u["alice"], channel=ch)
    [msg] = mine.messages
    assert msg["flags"] & EPHEMERAL
    [file] = msg["_files"]
    [att] = msg["attachments"]
    assert att["filename"] == "event-1-attendees.csv" and att["content_type"].startswith("text/csv")
    assert file["data"].decode().splitlines()[1].startswith("bob,Discord,going")


async def test_stats_answered_after_a_deferral_still_uploads_the_chart(harness: Harness,
                                                                       world: World) -> None:
    """An answer that comes after the "thinking" placeholder: the summary replaces it in the
    channel and the chart follows as a webhook upload; both public."""
    clock = ManualClock()
    bot, _ = await harness.start(ALL, clock=clock, defer_after=0.0)
    fake, u, ch = world.fake, world.users, world.channel
    created = await fake.send_interaction("event create", {"title": "Picnic", "when": "in 1 hour"},
                                          user=u["alice"], channel=ch)
    fake.add_reaction(int(card_of(created)["id"]), "✅", u["bob"])
    await fake.wait_for(lambda: "Going (1)" in message_text(fake.messages[int(card_of(created)["id"])]),
                        what="bob going")
    await bot.scheduler.advance(timedelta(hours=4))
    result = await fake.send_interaction("stats", {"days": 7}, user=u["bob"], channel=ch)
    assert result.deferred
    await fake.wait_for(lambda: any(m["attachments"] for m in result.public), wait_s=30, what="the chart")
    [posted] = [m for m in result.public if m["attachments"]]
    assert posted["attachments"][0]["content_type"] == "image/png" and "7 days" in posted["content"]
    assert any("1 event held" in message_text(m) for m in result.public)
