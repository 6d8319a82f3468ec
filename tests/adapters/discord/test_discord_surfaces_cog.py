"""The Events tab on Discord with the events cog, end to end (issue 19): the real cogs behind the
real adapter and discord.py, against the fake Discord. /event create mirrors the event as an
EXTERNAL scheduled event, /event edit PATCHes it in place, /event cancel deletes it; a restart
neither duplicates nor loses listings; the Interested count reaches the card."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from typing import Any

from bot.app import Bot
from bot.clock import ManualClock
from tests.adapters.discord.test_discord_surfaces import help_still_answers, listed, requests_to
from tests.discord_fake import MANAGE_EVENTS, message_text
from tests.discord_fake.harness import Harness, World, delivered

ALL = ("cogs.admin", "cogs.polls", "cogs.events", "cogs.offline")


async def new_event(world: World, bot: Bot, title: str, when: str = "tomorrow 7pm",
                    **options: Any) -> tuple[int, int]:
    """/event create by alice; (card message id, event id), once the event has gone to its
    native surfaces (the command answers with the card first)."""
    created = await world.fake.send_interaction("event create", {"title": title, "when": when, **options},
                                                user=world.users["alice"], channel=world.channel)
    [card] = [m for m in created.public if m["embeds"]]
    found = re.search(r"#(\d+)", card["embeds"][0]["title"])
    assert found, card["embeds"][0]["title"]
    await native_done(bot, int(found.group(1)))
    return int(card["id"]), int(found.group(1))


async def native_done(bot: Bot, event_id: int, wait_s: float = 5.0) -> None:
    """The last step of putting an event on its native surfaces is scheduling their closing."""
    loop = asyncio.get_running_loop()
    end = loop.time() + wait_s
    key = f"event:{event_id}:native-close"
    while await bot.db.fetchone("SELECT 1 FROM jobs WHERE key=?", (key,)) is None:
        if loop.time() > end:
            raise AssertionError(f"event #{event_id} did not reach its native surfaces within {wait_s}s")
        await asyncio.sleep(0.005)


async def config_set(world: World, key: str, value: str) -> None:
    said = await world.fake.send_interaction("config set", {"key": key, "value": value}, user=world.users["mod"],
                                             channel=world.channel)
    assert f"{key} is now" in said.text, said.text


def warnings_about(world: World, words: str) -> list[str]:
    texts = [message_text(m) for m in world.fake.channel_messages(world.channel)]
    return [t for t in texts if t.startswith("⚠️") and words in t]


def listing_of(world: World, event_id: int) -> dict[str, Any]:
    """The event's listing in the Events tab, found by the marker logoff puts in its description."""
    [found] = [ev for ev in listed(world) if f"logoff event #{event_id}:" in ev["description"]]
    return found


def card_text(world: World, card: int) -> str:
    return message_text(world.fake.messages[card])


def at(clock: ManualClock, days: int, hour: int) -> datetime:
    return (clock.now() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def typed(t: datetime) -> str:
    """A time as someone types it (the space's zone is UTC)."""
    return t.strftime("%Y-%m-%d %H:%M")


async def test_an_event_is_mirrored_patched_in_place_and_deleted(harness: Harness, world: World) -> None:
    fake, u = world.fake, world.users
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    clock = ManualClock()
    bot, adapter = await harness.start(ALL, clock=clock)
    start = at(clock, 2, 18)
    card, eid = await new_event(world, bot, "Picnic", typed(start), where="Riverside Park", details="Bring food")
    await delivered(fake, bot, adapter)
    ev = listing_of(world, eid)
    assert ev["name"] == "Picnic" and ev["entity_type"] == 3 and ev["channel_id"] is None
    assert ev["creator_id"] == str(fake.bot_id) and ev["entity_metadata"] == {"location": "Riverside Park"}
    assert datetime.fromisoformat(ev["scheduled_start_time"]) == start
    assert datetime.fromisoformat(ev["scheduled_end_time"]) == start + timedelta(hours=2)
    lines = ev["description"].split("\n")
    assert lines[0] == f"logoff event #{eid}: RSVP on the card in the channel, or /rsvp {eid} going"
    assert f"Card: https://discord.com/channels/{world.guild}/{world.channel}/{card}" in lines
    assert "Bring food" in lines

    fake.scheduled.mark_interested(int(ev["id"]), u["bob"])
    await fake.wait_for(lambda: "Interested (1)" in card_text(world, card), what="bob interested")
    later = start + timedelta(days=1, hours=1)
    edited = await fake.send_interaction("event edit", {"id": eid, "title": "Big picnic", "when": typed(later),
                                                        "where": "Blue Cafe"}, user=u["alice"], channel=world.channel)
    assert "Updated" in edited.text, edited.text
    await delivered(fake, bot, adapter)
    [moved] = listed(world)
    assert moved["id"] == ev["id"], "PATCHed in place, not made again"
    assert moved["name"] == "Big picnic" and moved["entity_metadata"] == {"location": "Blue Cafe"}
    assert datetime.fromisoformat(moved["scheduled_start_time"]) == later
    assert datetime.fromisoformat(moved["scheduled_end_time"]) == later + timedelta(hours=2)
    assert moved["description"].split("\n")[:2] == lines[:2], "the marker and the card's link stay"
    assert fake.scheduled.interested[int(ev["id"])] == [u["bob"]], "Interested people stay"
    assert "Interested (1)" in card_text(world, card)
    assert requests_to(world, "POST", "/scheduled-events") == 1
    assert requests_to(world, "PATCH", f"/scheduled-events/{ev['id']}") == 1

    await fake.send_interaction("event cancel", {"id": eid}, user=u["alice"], channel=world.channel)
    await delivered(fake, bot, adapter)
    assert listed(world) == [] and int(ev["id"]) not in fake.scheduled.events
    assert requests_to(world, "DELETE", f"/scheduled-events/{ev['id']}") == 1
    assert warnings_about(world, "Discord") == []


async def test_a_restart_relists_what_was_deleted_and_counts_who_came_meanwhile(harness: Harness,
                                                                                 world: World) -> None:
    fake, u = world.fake, world.users
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    clock = ManualClock()
    bot, adapter = await harness.start(ALL, clock=clock)
    picnic_card, picnic = await new_event(world, bot, "Picnic", typed(at(clock, 2, 18)))
    movies_card, movies = await new_event(world, bot, "Movies", typed(at(clock, 3, 20)))
    await delivered(fake, bot, adapter)
    first, second = listing_of(world, picnic), listing_of(world, movies)
    await harness.stop(bot)

    # While logoff is down: a moderator deletes one listing, two people mark the other.
    fake.scheduled.delete_by_hand(int(first["id"]), by=fake.owner_of(world.guild))
    for name in ("carol", "mod"):
        fake.scheduled.mark_interested(int(second["id"]), u[name])
    bot, adapter = await harness.start(ALL, clock=clock)
    await delivered(fake, bot, adapter)
    assert sorted(ev["name"] for ev in listed(world)) == ["Movies", "Picnic"], "one listing each"
    assert listing_of(world, movies)["id"] == second["id"]
    assert listing_of(world, picnic)["id"] != first["id"], "listed again"
    await fake.wait_for(lambda: "Interested (2)" in card_text(world, movies_card), what="the count after restart")
    assert "Interested" not in card_text(world, picnic_card)
    assert requests_to(world, "POST", "/scheduled-events") == 3

    # Another restart with nothing changed: nothing is made again.
    await harness.stop(bot)
    bot, adapter = await harness.start(ALL, clock=clock)
    await delivered(fake, bot, adapter)
    assert len(listed(world)) == 2 and requests_to(world, "POST", "/scheduled-events") == 3

    # A crash between Discord's answer and the commit of its id: the listing is adopted by its
    # marker at the next start (not made twice), and its count is read.
    await bot.db.execute("DELETE FROM event_listings")
    await harness.stop(bot)
    fake.scheduled.mark_interested(int(second["id"]), u["bob"])
    bot, adapter = await harness.start(ALL, clock=clock)
    await delivered(fake, bot, adapter)
    assert len(listed(world)) == 2 and requests_to(world, "POST", "/scheduled-events") == 3
    assert listing_of(world, movies)["id"] == second["id"]
    await fake.wait_for(lambda: "Interested (3)" in card_text(world, movies_card), what="the adopted count")


async def test_with_events_discord_off_nothing_is_mirrored(harness: Harness, world: World) -> None:
    fake = world.fake
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    bot, adapter = await harness.start(ALL)
    _, picnic = await new_event(world, bot, "Picnic")
    await config_set(world, "events.discord", "off")
    card, _ = await new_event(world, bot, "Movies", "tomorrow 9pm")
    await delivered(fake, bot, adapter)
    assert listed(world) == [], "off takes the listings down too"
    assert requests_to(world, "POST", "/scheduled-events") == 1 and warnings_about(world, "Discord") == []
    assert "Movies" in card_text(world, card)

    await config_set(world, "events.discord", "on")
    await new_event(world, bot, "Quiz", "tomorrow 10pm")
    await delivered(fake, bot, adapter)
    assert sorted(ev["name"] for ev in listed(world)) == ["Movies", "Picnic", "Quiz"]
    assert listing_of(world, picnic)["name"] == "Picnic"


async def test_the_interested_count_follows_the_gateway(harness: Harness, world: World) -> None:
    fake, u = world.fake, world.users
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    bot, adapter = await harness.start(ALL, clock=ManualClock())
    card, eid = await new_event(world, bot, "Concert")
    await delivered(fake, bot, adapter)
    listing = int(listing_of(world, eid)["id"])

    async def shows(n: int) -> None:
        # A card is edited at most 5 times in 5 s (Discord's pace): let the window pass
        # between clicks rather than wait for it.
        await bot.scheduler.advance(timedelta(seconds=5))

        def now_shown() -> bool:
            said = card_text(world, card)
            return f"Interested ({n})" in said if n else "Interested" not in said
        await fake.wait_for(now_shown, what=f"Interested ({n}) on the card")

    # Clicks in Discord's client (GUILD_SCHEDULED_EVENT_USER_ADD / _REMOVE), one or a few at once.
    steps: list[tuple[list[tuple[str, bool]], int]] = [
        ([("bob", True)], 1), ([("alice", True), ("carol", True)], 3), ([("bob", False)], 2),
        ([("alice", False), ("carol", False)], 0), ([("mod", True)], 1)]
    for clicks, n in steps:
        for name, interested in clicks:
            assert fake.scheduled.mark_interested(listing, u[name], interested)
        await shows(n)
    assert "Going (0)" in card_text(world, card), "logoff's RSVPs stay the truth"

    # Deleted by hand: listed again, and the old listing's interested people are not the new one's.
    fake.scheduled.delete_by_hand(listing, by=fake.owner_of(world.guild))
    await fake.wait_for(lambda: len(listed(world)) == 1 and int(listed(world)[0]["id"]) != listing,
                        what="listed again")
    await shows(0)
    again = int(listing_of(world, eid)["id"])
    fake.scheduled.mark_interested(again, u["carol"])
    await shows(1)
    await help_still_answers(world)


async def test_a_429_on_create_is_retried_and_the_event_mirrored_once(harness: Harness, world: World) -> None:
    fake = world.fake
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    bot, adapter = await harness.start(ALL)
    fake.inject_429("POST", r"/scheduled-events$", times=1, retry_after=0.2)
    card, eid = await new_event(world, bot, "Picnic")
    await fake.wait_for(lambda: listed(world) != [], what="the listing, after the wait Discord asked for")
    await delivered(fake, bot, adapter)
    assert [ev["name"] for ev in listed(world)] == ["Picnic"] and listing_of(world, eid)
    assert requests_to(world, "POST", "/scheduled-events") == 2, "the 429, then the retry"
    assert warnings_about(world, "Discord") == [] and "Picnic" in card_text(world, card)


async def test_an_edit_to_a_long_place_and_title_keeps_the_listing_in_step(harness: Harness,
                                                                           world: World) -> None:
    fake, u = world.fake, world.users
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    clock = ManualClock()
    bot, adapter = await harness.start(ALL, clock=clock)
    first, moved = at(clock, 2, 18), at(clock, 3, 20)
    card, eid = await new_event(world, bot, "Board games", typed(first), where="Blue Cafe")
    before = listing_of(world, eid)
    place = ("Community Hall, 123 Long Street Name, Riverside Neighbourhood, Springfield, "
             "entrance at the back door")
    title = "Board games and a long evening of " + "cooperative strategy " * 4
    assert 100 < len(place) <= 200 and 100 < len(title) <= 200
    edited = await fake.send_interaction("event edit", {"id": eid, "title": title, "when": typed(moved),
                                                        "where": place}, user=u["alice"], channel=world.channel)
    assert "Updated" in edited.text, edited.text
    await delivered(fake, bot, adapter)
    await native_done(bot, eid)
    after = listing_of(world, eid)
    assert after["id"] == before["id"] and after["status"] == 1, "the same listing, still scheduled"
    assert datetime.fromisoformat(after["scheduled_start_time"]) == moved
    assert after["entity_metadata"]["location"] == place[:99] + "…"
    assert after["name"] == title[:99] + "…"
    assert warnings_about(world, "not mirrored") == []
    assert place in card_text(world, card), "the card has the place whole"
