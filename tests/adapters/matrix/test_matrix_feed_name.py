"""A room's calendar feed is named after the room as Element shows it (PRODUCT.md "Calendar
feed and event pages"), and follows a rename: a real Synapse, the room's m.room.name state."""

from __future__ import annotations

import re

import icalendar

from bot.web import WebConfig
from tests.matrix_harness import BotRunner, HumanFactory, eventually
from tests.web.test_feed_and_pages import get


async def test_the_feed_is_named_after_the_room_and_follows_a_rename(runner: BotRunner,
                                                                      humans: HumanFactory) -> None:
    await runner.start()
    assert runner.bot is not None
    await runner.bot.web.start(WebConfig("127.0.0.1", 0, "http://127.0.0.1:0"))
    alice = humans("alice")
    room = await runner.join(alice, name="Hikers")
    await alice.say(room, "!calendar")
    reply = await alice.wait_bot_message(room, runner.user_id, "Subscribe")
    feed = re.search(r"Subscribe: (\S+)", reply.body)
    assert feed, reply.body

    async def named() -> str:
        _, _, body = await get(feed.group(1))
        return str(icalendar.Calendar.from_ical(body)["X-WR-CALNAME"])

    assert await named() == "Hikers"
    await alice.client.room_put_state(room, "m.room.name", {"name": "Hill walkers"})

    async def renamed() -> bool:
        return await named() == "Hill walkers"

    await eventually(renamed, what="the feed to take the room's new name")
