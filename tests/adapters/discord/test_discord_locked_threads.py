"""A thread a moderator archived and locked is closed for now, not gone, end to end (the real
cogs, adapter and discord.py against the fake Discord): the event keeps it, so after the
moderator unlocks it the reminders go there again, a rename parked meanwhile lands, and logoff
archives it a day after the event; a rename still parked when the event closes the thread is
dropped; the log says it once per lock; a long answer to a command in it goes on as follow-ups."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from bot.clock import ManualClock
from tests.adapters.discord.test_discord_answer_once import LINES, PROBE, line_numbers
from tests.adapters.discord.test_discord_surface_repairs import reminders_in
from tests.adapters.discord.test_discord_surfaces import requests_to
from tests.adapters.discord.test_discord_surfaces_cog import (
    ALL,
    config_set,
    new_event,
    warnings_about,
)
from tests.discord_fake import EPHEMERAL, MANAGE_EVENTS
from tests.discord_fake.harness import Harness, World, delivered
from tests.discord_fake.wire import error


def unlock_by_hand(world: World, thread_id: int, *, reopen: bool = True) -> None:
    """A moderator unlocks the thread (and reopens it, or leaves it archived)."""
    thread = world.fake.channels[thread_id]
    thread["thread_metadata"].update(locked=False, **({"archived": False} if reopen else {}))
    world.fake.dispatch("THREAD_UPDATE", thread, 1)


def lock_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and "locked" in r.getMessage()]


async def locked_picnic(harness: Harness, world: World, monkeypatch: pytest.MonkeyPatch,
                        reminders: str) -> tuple[Any, Any, int, int]:
    """Picnic in 4 hours with a thread, which a moderator then locked, and a new title asked for
    meanwhile (its thread's rename parked): the bot, its adapter, the card (the thread's id), the event."""
    from adapters.discord import surfaces

    monkeypatch.setattr(surfaces, "RENAME_WAIT", 0.05)
    fake, u, ch = world.fake, world.users, world.channel
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    bot, adapter = await harness.start(ALL, clock=ManualClock())
    await config_set(world, "events.thread", "on")
    await config_set(world, "reminders", reminders)
    card, eid = await new_event(world, bot, "Picnic", "in 4 hours")
    fake.threads.lock_by_hand(card)
    edited = await fake.send_interaction("event edit", {"id": eid, "title": "Lunch"}, user=u["alice"], channel=ch)
    assert "Updated" in edited.text, edited.text
    await delivered(fake, bot, adapter)
    assert fake.channels[card]["name"] == f"Picnic #{eid}", "locked: the rename waits"
    return bot, adapter, card, eid


async def test_a_thread_locked_for_a_while_gets_reminders_its_new_name_and_the_archive_after_the_unlock(
        harness: Harness, world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    fake = world.fake
    bot, adapter, card, eid = await locked_picnic(harness, world, monkeypatch, "3h,1h")
    await bot.scheduler.advance(timedelta(hours=1, minutes=1))  # the 3h reminder: 50083 in the thread
    await delivered(fake, bot, adapter)
    assert reminders_in(world, card) == [] and len(reminders_in(world, world.channel)) == 1
    [(kept,)] = [tuple(r) for r in await bot.db.fetchall("SELECT thread_id FROM event_native WHERE event_id=?", (eid,))]
    assert kept == str(card), "closed for now, not forgotten"

    unlock_by_hand(world, card)
    await fake.wait_for(lambda: fake.channels[card]["name"] == f"Lunch #{eid}", what="the parked rename landed")
    await bot.scheduler.advance(timedelta(hours=2))  # the 1h reminder
    await delivered(fake, bot, adapter)
    assert len(reminders_in(world, card)) == 1, "the thread has the reminder after the unlock"
    assert len(reminders_in(world, world.channel)) == 2
    assert fake.channels[card]["thread_metadata"]["archived"] is False

    await bot.scheduler.advance(timedelta(days=2))  # a day after the end: logoff archives it
    await delivered(fake, bot, adapter)
    assert fake.channels[card]["thread_metadata"]["archived"] is True
    assert len(lock_warnings(caplog)) == 1, lock_warnings(caplog)
    assert not [r for r in caplog.records if "deleted by hand" in r.getMessage()]
    assert warnings_about(world, "") == []
    await harness.stop(bot)


async def test_a_rename_parked_on_a_locked_thread_is_dropped_when_the_event_closes_the_thread(
        harness: Harness, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = world.fake
    bot, adapter, card, eid = await locked_picnic(harness, world, monkeypatch, "3h")
    await bot.scheduler.advance(timedelta(hours=1, minutes=1))  # the 3h reminder: 50083 in the thread
    await delivered(fake, bot, adapter)
    assert [tuple(r) for r in await bot.db.fetchall("SELECT key FROM discord_renames")] == [(f"thread:{card}",)]
    await bot.scheduler.advance(timedelta(days=2))  # over, and closed a day after
    await delivered(fake, bot, adapter)
    assert await bot.db.fetchall("SELECT key FROM discord_renames") == []
    await harness.stop(bot)

    before = requests_to(world, None, f"/channels/{card}")
    bot, adapter = await harness.start(ALL, clock=ManualClock(bot.clock.now()))
    await delivered(fake, bot, adapter)
    unlock_by_hand(world, card)  # a moderator unlocks it later: the thread is no longer logoff's to rename
    await delivered(fake, bot, adapter)
    assert requests_to(world, None, f"/channels/{card}") == before, "not looked at or renamed at the start"
    assert fake.channels[card]["name"] == f"Picnic #{eid}"
    await harness.stop(bot)


async def test_a_thread_locked_again_after_an_unlock_is_said_again(
        harness: Harness, world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Said once per lock: the unlock seen (THREAD_UPDATE) ends it, even with no post in between."""
    fake = world.fake
    bot, adapter, card, eid = await locked_picnic(harness, world, monkeypatch, "3h,2h,1h")
    await bot.scheduler.advance(timedelta(hours=1, minutes=1))  # the 3h reminder: 50083
    await delivered(fake, bot, adapter)
    await bot.scheduler.advance(timedelta(hours=1))  # the 2h reminder: 50083 again, not said again
    await delivered(fake, bot, adapter)
    assert requests_to(world, "POST", f"/channels/{card}/messages") == 2, "tried at each reminder"
    assert len(lock_warnings(caplog)) == 1, lock_warnings(caplog)
    unlock_by_hand(world, card, reopen=False)
    await delivered(fake, bot, adapter)
    fake.threads.lock_by_hand(card)
    await delivered(fake, bot, adapter)
    await bot.scheduler.advance(timedelta(hours=1))  # the 1h reminder: a new lock, said
    await delivered(fake, bot, adapter)
    assert len(lock_warnings(caplog)) == 2, lock_warnings(caplog)
    assert len(reminders_in(world, world.channel)) == 3
    await harness.stop(bot)


async def test_a_long_public_answer_in_a_locked_thread_goes_on_as_follow_ups(harness: Harness, world: World) -> None:
    """A moderator may still use a command in a thread they locked; the bot's own messages there
    are refused (50083), so a long answer's parts after the first go as follow-ups."""
    fake, u, ch = world.fake, world.users, world.channel
    check = fake._check_send

    def locked(channel_id: int, body: Any) -> Any:  # what Discord answers the bot in a locked thread
        return error(400, 50083, "Thread is archived") if channel_id == ch else check(channel_id, body)

    fake._check_send = locked  # type: ignore[method-assign]
    await harness.start(PROBE)
    r = await fake.send_interaction("long", {"lines": LINES}, user=u["mod"], channel=ch)
    await fake.wait_for(lambda: set(line_numbers(r.messages)) == set(range(LINES)), what="every line")
    assert line_numbers(r.messages) == Counter(range(LINES))
    assert not [m for m in r.messages if int(str(m["flags"])) & EPHEMERAL]
