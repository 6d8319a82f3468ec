"""Metrics and health (PRODUCT.md "Running at scale"): what the bot counts, served as
Prometheus text and /healthz over real HTTP on loopback."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import jobs
from bot.app import build_bot
from bot.clock import ManualClock
from bot.config import ConfigError, parse
from bot.health import HealthServer
from bot.model import MessageRef
from bot.render import Out
from bot.testing import FakeAdapter
from tests.reliability.test_job_leases import process
from tests.reliability.test_job_takeover_backlog import dead_process_with_reminders, sweep_at

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WHEN = '"2026-11-26 18:00"'


def value(bot, name: str, **labels: str) -> float:  # type: ignore[no-untyped-def]
    return bot.metrics.registry.get_sample_value(name, labels) or 0.0


async def test_commands_are_counted_by_name_and_outcome(fake: FakeAdapter, bot) -> None:
    await fake.invoke("!help")
    await fake.invoke("!config set offline.auto on")  # not a moderator
    await fake.invoke("!event create Picnic when=someday")  # a time it cannot read
    await fake.invoke("!poll create")  # missing arguments
    await fake.invoke("!frobnicate-1")  # no such command
    await fake.invoke("!frobnicate-2")
    assert value(bot, "logoff_commands_total", command="help", outcome="ok") == 1
    assert value(bot, "logoff_commands_total", command="config set", outcome="denied") == 1
    assert value(bot, "logoff_commands_total", command="event create", outcome="refused") == 1
    assert value(bot, "logoff_commands_total", command="poll create", outcome="usage") == 1
    # Whatever people type, the series stay the declared commands (and one for the rest).
    assert value(bot, "logoff_commands_total", command="(unknown)", outcome="usage") == 2


async def test_rsvps_reminders_and_commits_are_counted(fake: FakeAdapter, bot) -> None:
    [card] = await fake.invoke(f"!event create Board games when={WHEN}")
    await fake.react(card, "✅", "bob")
    await fake.react(card, "🤔", "carol")
    await fake.react(card, "🤔", "carol")  # the same again changes nothing
    assert value(bot, "logoff_rsvps_total", status="going") == 1
    assert value(bot, "logoff_rsvps_total", status="maybe") == 1
    await bot.scheduler.advance(timedelta(days=5))
    assert value(bot, "logoff_jobs_total", kind="event.reminder", outcome="sent") == 2
    assert value(bot, "logoff_jobs_total", kind="event.reminder", outcome="skipped") == 0
    assert value(bot, "logoff_db_commit_seconds_count") >= 3
    assert value(bot, "logoff_db_units_total") >= value(bot, "logoff_db_commit_seconds_count")


async def test_a_reminder_past_its_grace_is_counted_as_skipped(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "m.db")
    bot = await build_bot(path, clock=ManualClock(START))
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    await fake.invoke("!config set reminders 24h", "mod", mod=True)
    await fake.invoke(f"!event create Late when={WHEN}")
    await bot.stop()
    # Back three hours after the reminder was due: past the 1h grace.
    again = await build_bot(path, clock=ManualClock(datetime(2026, 11, 25, 21, 0, tzinfo=UTC)))
    again.add_adapter(fake)
    await again.start()
    await again.stop()
    assert value(again, "logoff_jobs_total", kind="event.reminder", outcome="skipped") == 1
    assert value(again, "logoff_jobs_total", kind="event.reminder", outcome="sent") == 0


async def test_metrics_and_healthz_over_http(fake: FakeAdapter, bot) -> None:
    await fake.invoke("!help")
    server = HealthServer(bot, "127.0.0.1", 0)
    await server.start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/metrics") as r:
                assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain")
                body = await r.text()
            assert 'logoff_commands_total{command="help",outcome="ok"} 1.0' in body
            assert 'logoff_platform_connected{platform="fake"} 1.0' in body
            assert "logoff_db_write_queue 0.0" in body
            async with http.get(f"{base}/healthz") as r:
                assert r.status == 200
                assert await r.json() == {"ok": True, "database": True, "platforms": {"fake": True}}
            async with http.head(f"{base}/healthz") as r:
                assert r.status == 200
            async with http.post(f"{base}/healthz") as r:
                assert r.status == 405
            fake.connected = lambda: False  # type: ignore[method-assign]
            async with http.get(f"{base}/healthz") as r:
                assert r.status == 503
                assert (await r.json())["platforms"] == {"fake": False}
            fake.connected = lambda: True  # type: ignore[method-assign]
            await bot.db.close()
            async with http.get(f"{base}/healthz") as r:
                assert r.status == 503
                assert (await r.json())["database"] is False
    finally:
        await server.stop()


def test_metrics_section_is_parsed_and_checked() -> None:
    assert parse({"metrics": {"listen": "127.0.0.1:9108"}}).metrics == ("127.0.0.1", 9108)
    assert parse({"metrics": {"listen": "[::1]:9108"}}).metrics == ("::1", 9108)
    assert parse({}).metrics is None
    for bad in ({"listen": "9108"}, {"listen": "host:99999"}, {}, {"listen": "h:1", "port": 2}):
        with pytest.raises(ConfigError, match=r"\[metrics\]"):
            parse({"metrics": bad})


def sample(body: str, series: str) -> float:
    [line] = [line for line in body.splitlines() if line.startswith(series + " ")]
    return float(line.split()[-1])


async def scrape(bot) -> str:  # type: ignore[no-untyped-def]
    """/metrics as Prometheus reads it, over HTTP."""
    server = HealthServer(bot, "127.0.0.1", 0)
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{server.port}/metrics") as r:
                assert r.status == 200
                return await r.text()
    finally:
        await server.stop()


async def test_commands_refused_by_flood_control_are_counted(fake: FakeAdapter, bot) -> None:
    for _ in range(60):  # a burst of 50 is let through, then two a second
        await fake.invoke("!help")
    body = await scrape(bot)
    ok = sample(body, 'logoff_commands_total{command="help",outcome="ok"}')
    throttled = sample(body, 'logoff_commands_throttled_total{platform="fake"}')
    assert ok + throttled == 60 and throttled >= 5, body


class SlowEdits(FakeAdapter):
    """A platform whose edits wait until `release` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.editing = asyncio.Event()

    async def edit(self, message: MessageRef, out: Out) -> None:
        self.editing.set()
        await self.release.wait()
        await super().edit(message, out)


async def test_the_live_card_edit_queue_is_served(bot) -> None:  # type: ignore[no-untyped-def]
    fake = SlowEdits()
    bot.add_adapter(fake)
    await bot.start()
    [card] = await fake.invoke(f"!event create Board games when={WHEN}")
    assert "logoff_card_edit_queue 0.0" in await scrape(bot)
    reacting = asyncio.create_task(fake.react(card, "✅", "bob"))
    await asyncio.wait_for(fake.editing.wait(), 10)
    assert "logoff_card_edit_queue 1.0" in await scrape(bot)
    fake.release.set()
    await reacting
    assert "logoff_card_edit_queue 0.0" in await scrape(bot)


async def test_the_scheduler_queue_is_served(databases) -> None:  # type: ignore[no-untyped-def]
    """Jobs taken over from a process that went away: one being sent, one waiting for a slot."""
    url = databases("jobs.db")
    platform = await dead_process_with_reminders(url, ["Picnic 0", "Picnic 1"], [WHEN.strip('"')] * 2)
    other, _ = await process(url, START, platform)
    other.scheduler.taking.at_once = 1
    platform.expect = 1
    try:
        body = await scrape(other)
        assert 'logoff_scheduler_queue{stage="waiting"} 0.0' in body
        assert 'logoff_scheduler_queue{stage="running"} 0.0' in body
        assert await sweep_at(other, jobs.LEASE + timedelta(seconds=1)) == 2
        await asyncio.wait_for(platform.all_waiting.wait(), 10)
        body = await scrape(other)
        assert 'logoff_scheduler_queue{stage="waiting"} 1.0' in body
        assert 'logoff_scheduler_queue{stage="running"} 1.0' in body
        platform.release.set()
        await other.scheduler.idle()
        assert 'logoff_scheduler_queue{stage="running"} 0.0' in await scrape(other)
    finally:
        platform.release.set()
        await other.stop()


async def test_platform_error_codes_cannot_grow_the_series_without_bound(bot) -> None:  # type: ignore[no-untyped-def]
    """Codes come from the platform's servers, and other servers' codes can be passed on: past
    a bound, new codes share one series, and the codes already seen keep counting."""
    for i in range(500):
        bot.metrics.platform_error("chat", f"M_WHATEVER_{i}")
    bot.metrics.platform_error("chat", "M_WHATEVER_0")
    bot.metrics.platform_error("other-chat", 50007)
    families = {f.name: f for f in text_string_to_metric_families(await scrape(bot))}
    series = {(s.labels["platform"], s.labels["code"]): s.value
              for s in families["logoff_platform_errors"].samples if s.name.endswith("_total")}
    assert len(series) <= 52, len(series)
    assert series[("chat", "M_WHATEVER_0")] == 2
    assert series[("other-chat", "50007")] == 1
    assert sum(v for (p, _), v in series.items() if p == "chat") == 501


async def test_answers_made_while_the_bot_was_away_are_counted_as_rsvps(databases, clock) -> None:  # type: ignore[no-untyped-def]
    """Reactions made while the bot was down are stored at start: they are RSVPs like live ones,
    and what stayed the same is not counted again."""
    fake = FakeAdapter()
    first = await build_bot(databases("away.db"), clock=clock)
    first.add_adapter(fake)
    await first.start()
    [card] = await fake.invoke(f"!event create Board games when={WHEN}")
    await fake.react(card, "✅", "bob")
    await first.stop()
    await fake.react(card, "✅", "carol", dispatch=False)  # while the bot is down
    await fake.react(card, "🤔", "dave", dispatch=False)
    await fake.react(card, "✅", "bob", added=False, dispatch=False)
    again = await build_bot(databases("away.db"), clock=clock)
    again.add_adapter(fake)
    try:
        await again.start()
        await again.cards.idle()
        [attendees] = await fake.invoke("!event attendees 1")
        assert "carol" in attendees.text and "dave" in attendees.text and "bob" not in attendees.text
        body = await scrape(again)
        assert sample(body, 'logoff_rsvps_total{status="going"}') == 1, body
        assert sample(body, 'logoff_rsvps_total{status="maybe"}') == 1
        assert sample(body, 'logoff_rsvps_total{status="none"}') == 1
    finally:
        await again.stop()
