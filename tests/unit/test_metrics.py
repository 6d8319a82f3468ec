"""Metrics and health (PRODUCT.md "Running at scale"): what the bot counts, served as
Prometheus text and /healthz over real HTTP on loopback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from bot.app import build_bot
from bot.clock import ManualClock
from bot.config import ConfigError, parse
from bot.health import HealthServer
from bot.testing import FakeAdapter

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
