"""Turnout on a real Synapse: the card's edit adds 📍 when check-in opens (seeded once, also
after a restart), people check in by reaction, the follow-up thanks them, and `!stats` posts
its chart as an `m.image` (mxc URL, mimetype, size, width and height) whose download is the PNG."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from PIL import Image

from bot.clock import ManualClock
from cogs.events import chart
from tests.matrix_harness import (
    BotRunner,
    HumanFactory,
    card_now,
    eventually,
    room_with,
    until_card,
)


async def test_checkin_pin_and_the_stats_chart_as_an_image(runner: BotRunner, humans: HumanFactory) -> None:
    clock = ManualClock()
    bot, adapter = await runner.start(clock=clock)
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    await alice.say(room, '!event create "Clean-up" when="in 3 hours" goal=2')
    card = await alice.wait_bot_message(room, runner.user_id, "#1")
    assert "Goal (0/2)" in card.body
    await bob.react(room, card.event_id, "✅")
    await until_card(alice, room, runner, card.event_id, r"Goal \(1/2\)")
    assert "📍" not in (await card_now(alice, room, runner.user_id, card.event_id)).reactions

    await bot.scheduler.advance(timedelta(hours=2, minutes=31))  # check-in opens at -30m
    await until_card(alice, room, runner, card.event_id, r"Here \(0\)")

    async def pinned() -> bool:
        c = await card_now(alice, room, runner.user_id, card.event_id)
        return c.reactions.get("📍") == [runner.user_id]

    await eventually(pinned, what="the bot to add 📍 with the card's edit")
    # After a restart the adapter does not know what it seeded: the next edit tries 📍 again and
    # the homeserver refuses a second one (M_DUPLICATE_ANNOTATION): still one 📍 of the bot's.
    bot, adapter = await runner.restart()
    await bob.react(room, card.event_id, "📍")
    await until_card(alice, room, runner, card.event_id, r"Here \(1\)")
    await runner.idle()
    c = await card_now(alice, room, runner.user_id, card.event_id)
    assert c.reactions["📍"].count(runner.user_id) == 1 and c.reactions["✅"].count(runner.user_id) == 1

    await bot.scheduler.advance(timedelta(hours=2, minutes=30))  # it has ended: the follow-up
    thanks = await alice.wait_bot_message(room, runner.user_id, "Thanks for coming")
    assert "1 person checked in (1 said they'd go)" in thanks.body

    await alice.say(room, "!stats")
    summary = await alice.wait_bot_message(room, runner.user_id, "Turnout in the last 90 days")
    assert "1 event held" in summary.body

    async def image() -> dict[str, Any] | None:
        for ev in reversed(await alice.raw_events(room)):
            if ev.get("sender") == runner.user_id and ev["content"].get("msgtype") == "m.image":
                return dict(ev["content"])
        return None

    content = await eventually(image, within=30, what="the chart as m.image")
    info = content["info"]
    assert content["filename"] == "turnout.png" and content["url"].startswith("mxc://")
    assert info["mimetype"] == "image/png"
    assert (info["w"], info["h"]) == (chart.WIDTH_PX, chart.HEIGHT_PX)
    server_name, media_id = content["url"][len("mxc://"):].split("/", 1)
    resp = await alice.client.send(
        "GET", f"/_matrix/client/v1/media/download/{server_name}/{media_id}",
        headers={"Authorization": f"Bearer {alice.client.access_token}"})
    assert resp.status == 200
    data = await resp.read()
    assert len(data) == info["size"]
    png = Image.open(io.BytesIO(data))
    assert png.format == "PNG" and png.size == (chart.WIDTH_PX, chart.HEIGHT_PX)
