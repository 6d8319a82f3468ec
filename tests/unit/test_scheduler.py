"""The durable scheduler on a manual clock: order, retries with backoff during a
platform outage, and the grace rule."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.jobs import MIGRATIONS, Job
from bot.scheduler import Scheduler
from bot.storage import Database

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
async def sched(tmp_path):  # type: ignore[no-untyped-def]
    db = await Database(tmp_path / "s.db").open()
    await db.migrate("jobs", MIGRATIONS)
    s = Scheduler(db, ManualClock(T0))
    yield s
    await db.close()


async def put(s: Scheduler, key: str, due: datetime) -> None:
    await s.db.write(lambda c: Scheduler.put(c, "t", key, due, {"k": key}))


async def test_jobs_fire_in_order_at_their_own_time(sched: Scheduler) -> None:
    fired: list[tuple[str, datetime]] = []

    async def handler(job: Job) -> None:
        fired.append((job.key, sched.clock.now()))

    sched.register("t", handler)
    for key, minutes in (("b", 20), ("a", 10), ("c", 30)):
        await put(sched, key, T0 + timedelta(minutes=minutes))
    await sched.advance(timedelta(minutes=25))
    assert fired == [("a", T0 + timedelta(minutes=10)), ("b", T0 + timedelta(minutes=20))]
    await sched.advance(timedelta(hours=1))
    assert [k for k, _ in fired] == ["a", "b", "c"]


async def test_moving_a_job_changes_its_key_and_time(sched: Scheduler) -> None:
    keys: list[str] = []

    async def handler(job: Job) -> None:
        keys.append(job.idempotency_key)

    sched.register("t", handler)
    await put(sched, "x", T0 + timedelta(minutes=10))
    await put(sched, "x", T0 + timedelta(minutes=40))  # moved before it fired
    await sched.advance(timedelta(minutes=30))
    assert keys == []
    await sched.advance(timedelta(minutes=30))
    assert len(keys) == 1 and len(keys[0]) <= 25


@pytest.mark.allow_errors
@pytest.mark.parametrize("outage, grace, delivered", [(timedelta(minutes=20), timedelta(hours=1), True),
                                                       (timedelta(hours=3), timedelta(hours=1), False)])
async def test_outage_retries_with_backoff_then_grace_decides(sched: Scheduler, outage: timedelta,
                                                              grace: timedelta, delivered: bool,
                                                              caplog) -> None:
    attempts: list[datetime] = []
    sent: list[datetime] = []
    due = T0 + timedelta(minutes=5)

    async def handler(job: Job) -> None:
        now = sched.clock.now()
        attempts.append(now)
        if now < due + outage:
            raise ConnectionError("platform unreachable")
        sent.append(now)

    async def grace_of(job: Job) -> timedelta:
        return grace

    sched.register("t", handler, grace=grace_of)
    await put(sched, "r", due)
    with caplog.at_level(logging.WARNING):
        await sched.advance(timedelta(hours=5))
    gaps = [b - a for a, b in zip(attempts, attempts[1:], strict=False)]
    assert gaps == sorted(gaps), "backoff grows"
    assert len(sent) == (1 if delivered else 0)
    state = (await sched.db.fetchone("SELECT state FROM jobs WHERE key='r'"))[0]
    assert state == ("sent" if delivered else "skipped")
    if not delivered:
        assert any("skipped job" in r.getMessage() for r in caplog.records)


async def test_cancel_by_prefix(sched: Scheduler) -> None:
    fired: list[str] = []

    async def handler(job: Job) -> None:
        fired.append(job.key)

    sched.register("t", handler)
    for key in ("event:1:reminder:60", "event:1:reminder:3600", "event:10:reminder:60"):
        await put(sched, key, T0 + timedelta(hours=2))
    assert await sched.db.write(lambda c: Scheduler.cancel(c, "event:1:")) == 2
    await sched.advance(timedelta(hours=3))
    assert fired == ["event:10:reminder:60"]


async def test_exists_names_the_keys_with_a_job_in_any_state(sched: Scheduler) -> None:
    """What a feature asks instead of reading the core's table: a job that ran or was cancelled
    still counts (putting it again would run it again)."""
    async def handler(job: Job) -> None:
        pass

    sched.register("t", handler)
    for key in ("ran", "cancelled", "pending"):
        await put(sched, key, T0 + timedelta(minutes=10 if key == "ran" else 60))
    await sched.db.write(lambda c: Scheduler.cancel(c, "cancelled"))
    await sched.advance(timedelta(minutes=30))
    asked = ["ran", "cancelled", "pending", "never"]
    assert await sched.db.read(lambda c: sched.exists(c, asked)) == {"ran", "cancelled", "pending"}
    assert await sched.db.read(lambda c: sched.exists(c, [])) == set()


async def test_real_timer_fires_a_burst_once_each(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The real clock path: APScheduler's one alarm over the heap, with jobs due in the same
    second, some armed after start while a wake-up is in progress."""
    import asyncio
    import time

    from bot.clock import Clock

    db = await Database(tmp_path / "r.db").open()
    await db.migrate("jobs", MIGRATIONS)
    sched = Scheduler(db, Clock())
    fired: list[str] = []

    async def handler(job: Job) -> None:
        fired.append(job.key)
        time.sleep(0.002)  # noqa: ASYNC251 -- a busy loop makes each wake-up late, as under load

    sched.register("t", handler)
    start = datetime.now(UTC) + timedelta(milliseconds=300)
    await db.write(lambda c: [Scheduler.put(c, "t", f"a{i}", start + timedelta(milliseconds=i)) for i in range(200)])
    async with asyncio.timeout(60):  # a lost alarm must fail the test, not hang it
        await _burst(db, sched, start, fired)
    assert sorted(fired) == sorted([f"a{i}" for i in range(200)] + [f"b{i}" for i in range(100)])
    assert (await db.fetchone("SELECT COUNT(*) FROM jobs WHERE state='sent'"))[0] == 300
    await db.close()


async def _burst(db: Database, sched: Scheduler, start: datetime, fired: list[str]) -> None:
    import asyncio

    await sched.start()
    for i in range(100):  # armed while the burst is firing
        handle = await db.write(lambda c, i=i: Scheduler.put(c, "t", f"b{i}", start + timedelta(milliseconds=5 * i)))
        sched.arm(handle)
        await asyncio.sleep(0.003)
    for _ in range(200):
        if len(fired) >= 300:
            break
        await asyncio.sleep(0.05)
    await sched.stop()
