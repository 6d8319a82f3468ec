"""A card edit Discord refuses, through discord.py and the fake Discord. A 4xx that no later try
changes (50035 Invalid Form Body) is a refusal: the cancelled event's card is no longer live, and
the next start neither reads nor edits it again (before, it was re-edited, with an ERROR, at every
start). A message in an archived thread (50083) is closed for now: the card stays live, without
an ERROR, and once the thread is open again the next start's edit shows it cancelled."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from bot.app import Bot
from bot.clock import ManualClock
from tests.discord_fake import message_text
from tests.discord_fake.harness import Harness, World, delivered
from tests.discord_fake.wire import error, invalid_form

ALL = ("cogs.admin", "cogs.polls", "cogs.events", "cogs.offline", "cogs.links")


def refuse_edits(world: World, mid: int, answer: Any) -> list[int]:
    """Discord answers each edit of message `mid` with `answer()` while the returned list is
    not empty (a switch: clear it to let edits through again)."""
    on = [1]
    fake = world.fake
    passing = next(h for m, p, h in fake._routes if m == "PATCH" and p.match(f"/channels/1/messages/{mid}"))

    async def patch(request: web.Request, body: Any, channel: str, message: str) -> web.Response:
        if on and int(message) == mid:
            response: web.Response = answer()
            return response
        return await passing(request, body, channel=channel, message=message)

    fake._routes.insert(0, ("PATCH", re.compile(r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)$"), patch))
    return on


def edits_of(world: World, mid: int) -> int:
    return sum(1 for m, p, _ in world.fake.requests if m == "PATCH" and p.endswith(f"/messages/{mid}"))


async def live(bot: Bot, mid: int) -> int:
    row = await bot.db.fetchone("SELECT live FROM messages WHERE message_id=?", (str(mid),))
    assert row is not None
    return int(row[0])


async def cancelled_card(harness: Harness, world: World, answer: Any) -> tuple[Bot, int, list[int]]:
    """An event whose card's edits Discord refuses with `answer()`, then cancelled; the bot stopped."""
    bot, adapter = await harness.start(ALL, clock=ManualClock())
    fake, u, ch = world.fake, world.users, world.channel
    created = await fake.send_interaction("event create", {"title": "Picnic", "when": "in 2 days at 7pm"},
                                          user=u["alice"], channel=ch)
    [card] = [m for m in created.public if m["embeds"]]
    mid = int(card["id"])
    switch = refuse_edits(world, mid, answer)
    cancelled = await fake.send_interaction("event cancel", {"id": 1}, user=u["alice"], channel=ch)
    assert "Cancelled" in cancelled.text, cancelled.text
    await delivered(fake, bot, adapter)
    await bot.cards.idle()
    assert edits_of(world, mid) == 1 and "(cancelled)" not in message_text(fake.messages[mid])
    return bot, mid, switch


async def test_a_card_edit_refused_for_good_leaves_the_card_and_no_start_edits_it_again(
        harness: Harness, world: World) -> None:
    bot, mid, _ = await cancelled_card(harness, world, lambda: invalid_form(
        "embeds.0.description", "BASE_TYPE_MAX_LENGTH", "Must be 4096 or fewer in length."))
    assert await live(bot, mid) == 0, "refused for good: no later edit would land"
    await harness.stop(bot)
    for _ in range(2):
        again, adapter = await harness.start(ALL, clock=ManualClock())
        await delivered(world.fake, again, adapter)
        await again.cards.idle()
        await harness.stop(again)
    assert edits_of(world, mid) == 1, "not tried again at each start"
    assert not world.fake.unhandled


async def test_a_card_in_an_archived_thread_stays_live_and_is_edited_once_the_thread_reopens(
        harness: Harness, world: World) -> None:
    bot, mid, switch = await cancelled_card(harness, world, lambda: error(400, 50083, "Thread is archived"))
    assert await live(bot, mid) == 1, "closed for now: the card is to show the cancel once it can"
    await harness.stop(bot)
    switch.clear()  # the thread is open again
    again, adapter = await harness.start(ALL, clock=ManualClock())
    await delivered(world.fake, again, adapter)
    await again.cards.idle()
    assert "(cancelled)" in message_text(world.fake.messages[mid])
    assert await live(again, mid) == 0
    assert not world.fake.unhandled
