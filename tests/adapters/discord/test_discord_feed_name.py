"""A server's calendar feed is named after the server (PRODUCT.md "Calendar feed and event
pages"): the adapter gives the core the guild's name from the gateway, so a subscriber's
calendar app lists "Hikers", not "logoff" or the platform's name."""

from __future__ import annotations

import re

import icalendar

from bot.web import WebConfig
from tests.discord_fake import message_text
from tests.discord_fake.harness import Harness, World
from tests.web.test_feed_and_pages import get


async def test_the_feed_is_named_after_the_server(harness: Harness, world: World) -> None:
    bot, _ = await harness.start(("cogs.admin", "cogs.events"))
    await bot.web.start(WebConfig("127.0.0.1", 0, "http://127.0.0.1:0"))
    try:
        reply = await world.fake.send_interaction("calendar", {}, user=world.users["alice"], channel=world.channel)
        said = "\n".join(message_text(m) for m in reply.messages)
        feed = re.search(r"(http://\S+\.ics)", said)
        assert feed, said
        status, _, body = await get(feed.group(1).rstrip(")>"))
        assert status == 200
        calendar = icalendar.Calendar.from_ical(body)
        assert str(calendar["X-WR-CALNAME"]) == "Hikers", body
        assert str(calendar["NAME"]) == "Hikers", body
    finally:
        await bot.web.stop()
