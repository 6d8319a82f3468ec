"""A job re-run later than Discord holds its nonces posts once also where its first marks are not
enough: a card edited after it went out, a re-run that renders other words and dies too, a
reminder with many DMs; what a skipped re-run says; and when the marks go."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from adapters.discord import DiscordAdapter
from bot import scheduler as scheduler_module
from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.jobs import Job
from bot.model import ChannelRef
from bot.render import Attachment, Card
from bot.stores import StorageUnavailable
from tests.adapters.discord.test_discord_features import ALL, only_public_card
from tests.adapters.discord.test_discord_job_once import (
    Killed,
    board_games,
    dms,
    kill_before_sent,
    reminders,
    restart_later,
)
from tests.conftest import ENGINES
from tests.discord_fake import message_text
from tests.discord_fake.harness import Harness, World

Handler = Callable[[Bot, Job], Awaitable[None]]


async def with_job(harness: Harness, world: World, clock: ManualClock, kind: str, handler: Handler) -> Bot:
    """A bot with the features and a job kind of the test's own."""
    bot = await build_bot(harness.db, clock=clock, extensions=ALL)
    bot.add_adapter(DiscordAdapter(world.config(), guild_ready_timeout=0.05, defer_after=2.0, ready_timeout=10,
                                   identify_interval=0.0))

    async def run(job: Job) -> None:
        await handler(bot, job)

    bot.scheduler.register(kind, run)
    harness.running.append(bot)
    await bot.start()
    return bot


def discord_of(bot: Bot) -> DiscordAdapter:
    adapter = bot.adapters["discord"]
    assert isinstance(adapter, DiscordAdapter)
    return adapter


async def one(bot: Bot, sql: str) -> Any:
    row = await bot.db.fetchone(sql)
    assert row is not None
    return row[0]


async def died(harness: Harness, world: World, bot: Bot) -> None:
    harness.running.remove(bot)
    await bot.stop()
    world.fake.nonce_window = 0.0  # the restart comes after Discord forgot the first try's nonces


async def test_a_card_edited_after_its_post_is_not_posted_again_by_the_re_run(
        harness: Harness, world: World) -> None:
    """A job's live card (a turnout poll, a series' next occurrence) is voted on before the
    process dies: its content no longer has the marked hash, but the message it made is kept."""
    fake, ch = world.fake, world.channel
    here = ChannelRef("discord", str(ch), str(world.guild))
    runs: list[int] = []

    async def post_card(bot: Bot, job: Job) -> None:
        runs.append(job.id)
        ref = await bot.send(here, Card(title="Next meetup? #7", ref="#7", body=(("votes: 0",),)),
                             idempotency_key=job.idempotency_key)
        if len(runs) == 1:
            await bot.edit(ref, Card(title="Next meetup? #7", ref="#7", body=(("votes: 1",),)))
            raise Killed

    clock = ManualClock()
    bot = await with_job(harness, world, clock, "test.card", post_card)
    await bot.db.write(lambda c: bot.scheduler.put(c, "test.card", "test:1", clock.now() + timedelta(minutes=1),
                                                   {}, f"discord:{world.guild}"))
    with pytest.raises(Killed):
        await bot.scheduler.advance(timedelta(minutes=2))
    await died(harness, world, bot)
    again = await with_job(harness, world, ManualClock(clock.now() + timedelta(minutes=10)), "test.card", post_card)
    cards = [m for m in fake.channel_messages(ch) if m["embeds"] and "Next meetup" in m["embeds"][0]["title"]]
    assert len(runs) == 2
    assert len(cards) == 1 and "votes: 1" in message_text(cards[0]), "the edited card, once"
    assert await one(again, "SELECT state FROM jobs WHERE key='test:1'") == "sent"


async def test_a_reminder_whose_re_run_dies_too_is_posted_once_by_the_third_run(
        harness: Harness, world: World) -> None:
    """First try: marked, died before its post. The re-run, 10 minutes on, posts words of its
    own time ("starts in 50 minutes") and dies before `sent`; the third run finds that post."""
    fake, ch = world.fake, world.channel
    bot, clock = await board_games(harness, world)
    adapter = discord_of(bot)

    async def die(*args: Any, **kwargs: Any) -> Any:
        raise Killed

    adapter.post = die  # type: ignore[method-assign]
    with pytest.raises(Killed):
        await bot.scheduler.advance(timedelta(hours=2, minutes=1))
    assert reminders(fake, ch) == []
    await died(harness, world, bot)
    at = clock.now()
    real_mark = scheduler_module.Scheduler._mark

    async def mark(self: Any, job_id: int, state: str, *, forget: bool) -> None:
        if state == "sent":
            raise Killed
        await real_mark(self, job_id, state, forget=forget)

    scheduler_module.Scheduler._mark = mark  # type: ignore[method-assign]
    try:
        with pytest.raises(Killed):  # the second process dies in its recovery, after its sends
            await harness.start(ALL, clock=ManualClock(at + timedelta(minutes=10)))
    finally:
        scheduler_module.Scheduler._mark = real_mark  # type: ignore[method-assign]
    [second] = reminders(fake, ch)
    assert "starts in 50 minutes" in message_text(second)
    [dm] = dms(fake)
    third, _ = await harness.start(ALL, clock=ManualClock(at + timedelta(minutes=20)))
    assert reminders(fake, ch) == [second] and dms(fake) == [dm], "each once"
    assert await one(third, "SELECT state FROM jobs WHERE kind='event.reminder'") == "sent"


@pytest.mark.parametrize("engine", ENGINES)
async def test_a_posted_reminder_taken_over_past_its_grace_is_not_called_missed(
        harness: Harness, world: World) -> None:
    """Posted, then the process died before `sent`; the next comes after the grace. On a shared
    database another process takes the claim over: it may have been out, as on SQLite's restart,
    so it is dropped without a "missed while offline"."""
    fake, ch = world.fake, world.channel
    bot, clock = await board_games(harness, world)
    kill_before_sent(bot)
    with pytest.raises(Killed):
        await bot.scheduler.advance(timedelta(hours=2, minutes=1))
    [reminder] = reminders(fake, ch)
    await died(harness, world, bot)
    again, _ = await harness.start(ALL, clock=ManualClock(clock.now() + timedelta(minutes=90)))
    await again.scheduler.idle()
    said = [message_text(m) for m in fake.channel_messages(ch) if "Board games" in message_text(m)
            and not m["embeds"]]
    assert said == [message_text(reminder)], said
    assert await one(again, "SELECT state FROM jobs WHERE kind='event.reminder'") == "skipped"


async def test_the_marks_of_a_retried_job_go_when_it_is_cancelled(harness: Harness, world: World) -> None:
    fake, ch = world.fake, world.channel
    bot, _ = await board_games(harness, world)
    adapter = discord_of(bot)
    real = adapter.post

    async def unavailable(*args: Any, **kwargs: Any) -> Any:  # Discord's 5xx, after the mark
        raise RuntimeError("503 Service Unavailable")

    adapter.post = unavailable  # type: ignore[method-assign]
    await bot.scheduler.advance(timedelta(hours=2, minutes=1))
    adapter.post = real  # type: ignore[method-assign]
    assert await one(bot, "SELECT state FROM jobs WHERE kind='event.reminder'") == "pending"
    assert await one(bot, "SELECT count(*) FROM job_sends") >= 1
    r = await fake.send_interaction("event cancel", {"id": 1}, user=world.users["alice"], channel=ch)
    assert "cancel" in r.text.lower(), r.text
    assert await one(bot, "SELECT state FROM jobs WHERE kind='event.reminder'") == "cancelled"
    assert await one(bot, "SELECT count(*) FROM job_sends") == 0


async def test_marks_left_by_jobs_that_ended_are_swept_at_start(harness: Harness, world: World) -> None:
    """As an earlier version left them (a cancelled job's): gone at the next start; those of a
    job that may still run stay."""
    bot, _ = await board_games(harness, world)
    await bot.db.execute("INSERT INTO jobs(kind, key, due_at, state) VALUES('x', 'ended', 0, 'cancelled')")
    await bot.db.execute("INSERT INTO job_sends(job, key, mark) SELECT id, 'k', '1:ab' FROM jobs")
    kept = await one(bot, "SELECT count(*) FROM jobs WHERE state IN ('pending', 'sending')")
    await died(harness, world, bot)
    again, _ = await harness.start(ALL, clock=ManualClock(bot.clock.now()))
    assert await one(again, "SELECT count(*) FROM job_sends") == kept > 0


async def test_a_reminders_dms_are_marked_in_one_write_however_many(harness: Harness, world: World) -> None:
    """Each keyed send is marked by a committed write before it goes; a reminder's DMs share one."""
    fake, u, ch = world.fake, world.users, world.channel
    bot, clock = await board_games(harness, world)  # Board games: Bob (DMs) going, reminded in 2h
    for who in ("carol", "mod"):
        await fake.send_interaction("notify", {"where": "dm"}, user=u[who], channel=ch)
    created = await fake.send_interaction("event create", {"title": "Quiz night", "when": "in 5 hours"},
                                          user=u["alice"], channel=ch)
    quiz = int(only_public_card(created)["id"])
    for who in ("bob", "carol", "mod"):
        fake.add_reaction(quiz, "✅", u[who])
    await fake.wait_for(lambda: "Going (3)" in message_text(fake.messages[quiz]), what="three going")
    real, remind = bot.db.write, bot.scheduler._handlers["event.reminder"]
    writes: list[int] = []  # of each reminder's run, while it sends
    sending = False

    async def counting(fn: Any, *a: Any, **k: Any) -> Any:
        if sending:
            writes[-1] += 1
        return await real(fn, *a, **k)

    async def counted(job: Job) -> None:
        nonlocal sending
        writes.append(0)
        sending = True
        try:
            await remind(job)
        finally:
            sending = False

    bot.db.write = counting  # type: ignore[method-assign, assignment]
    bot.scheduler._handlers["event.reminder"] = counted
    await bot.scheduler.advance(timedelta(hours=4, minutes=1))
    assert len(dms(fake)) == 1 + 3
    one_dm, three_dms = writes
    assert three_dms == one_dm == 2, f"{three_dms} writes with three DMs, {one_dm} with one"


async def test_a_database_outage_while_marking_dms_fails_the_try_and_the_dm_comes_with_the_retry(
        harness: Harness, world: World) -> None:
    """The mark write of the DMs fails (the database is briefly away): not a DM's trouble to be
    skipped while the job ends `sent`, but the try's; the retry sends the DM, and the post once."""
    fake, ch = world.fake, world.channel
    bot, _ = await board_games(harness, world)
    real = bot.db.write
    failed = 0

    async def away_once(fn: Any, *a: Any, **k: Any) -> Any:
        nonlocal failed
        if reminders(fake, ch) and not dms(fake) and not failed:
            failed += 1
            raise StorageUnavailable("the database server is not answering")
        return await real(fn, *a, **k)

    bot.db.write = away_once  # type: ignore[method-assign, assignment]
    await bot.scheduler.advance(timedelta(hours=2))  # the reminder's due time; its retry comes later
    assert failed == 1 and dms(fake) == []
    assert await one(bot, "SELECT state FROM jobs WHERE kind='event.reminder'") == "pending"
    await bot.scheduler.advance(timedelta(minutes=1))
    assert len(reminders(fake, ch)) == 1 and len(dms(fake)) == 1
    assert await one(bot, "SELECT state FROM jobs WHERE kind='event.reminder'") == "sent"


async def test_a_file_alone_is_not_taken_for_another_of_the_bots_files(harness: Harness, world: World) -> None:
    """A job's message with only a file, marked and not posted before the crash; the bot posts
    another file meanwhile. Both show no text: the re-run tells them apart by their files."""
    fake, ch = world.fake, world.channel
    here = ChannelRef("discord", str(ch), str(world.guild))
    chart = Attachment("chart.png", b"\x01" * 10, "image/png")

    async def post_file(bot: Bot, job: Job) -> None:
        await bot.send(here, chart, idempotency_key=job.idempotency_key)

    clock = ManualClock()
    bot = await with_job(harness, world, clock, "test.file", post_file)
    adapter = discord_of(bot)
    real = adapter.post

    async def die(*args: Any, **kwargs: Any) -> Any:
        raise Killed

    adapter.post = die  # type: ignore[method-assign]
    await bot.db.write(lambda c: bot.scheduler.put(c, "test.file", "test:2", clock.now() + timedelta(minutes=1),
                                                   {}, f"discord:{world.guild}"))
    with pytest.raises(Killed):
        await bot.scheduler.advance(timedelta(minutes=2))
    adapter.post = real  # type: ignore[method-assign]
    await bot.send(here, Attachment("other.txt", b"\x02" * 20, "text/plain"))
    await died(harness, world, bot)
    await with_job(harness, world, ManualClock(clock.now() + timedelta(minutes=10)), "test.file", post_file)
    sizes = sorted(a["size"] for m in fake.channel_messages(ch) for a in m["attachments"])
    assert sizes == [10, 20], sizes


async def test_restart_later_still_finds_a_plain_reminder(harness: Harness, world: World) -> None:
    """A reminder with no DMs keeps no message of its post (no later mark to carry it): found by its hash."""
    fake, u, ch = world.fake, world.users, world.channel
    bot, clock = await board_games(harness, world)
    await fake.send_interaction("notify", {"where": "channel"}, user=u["bob"], channel=ch)
    kill_before_sent(bot)
    with pytest.raises(Killed):
        await bot.scheduler.advance(timedelta(hours=2, minutes=1))
    [reminder] = reminders(fake, ch)
    await restart_later(harness, world, bot, clock.now())
    assert reminders(fake, ch) == [reminder] and dms(fake) == []
