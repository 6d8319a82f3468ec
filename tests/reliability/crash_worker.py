"""The real Bot (all cogs, real SQLite file) on the file platform, in a process the tests
SIGKILL or SIGTERM. Usage: crash_worker.py MODE ROOT DB [args...]

  setup-rsvp ROOT DB EVENTS          create EVENTS event cards (one with capacity=5)
  setup-serve ROOT DB EVENTS POLLS   event cards, and POLLS polls closing 2-7 s from now
  storm ROOT DB RUN [OPS]            start (reconciling), then an RSVP storm until killed
                                     (or OPS reactions), then a clean stop
  settle ROOT DB RUN                 start (reconciling), stop; prints nothing on success
  setup-remind ROOT DB N             N events whose 1h reminders fall due one second apart
  fire ROOT DB RUN                   start at a time when all N reminders are due: the
                                     scheduler's recovery fires them; then a clean stop
  serve ROOT CONFIG                  `logoff run --config CONFIG` with this platform as its
                                     adapter (bot.cli.run: signals, start, stop)
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta

from bot.app import Bot, build_bot  # noqa: E402
from bot.clock import ManualClock  # noqa: E402
from bot.model import UserRef  # noqa: E402
from tests.reliability.file_platform import PLATFORM, FilePlatformAdapter, Storm  # noqa: E402

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
REMIND_FIRST = T0 + timedelta(hours=1)  # the 1h reminder of an event starting at T0 + 2h


def fire_time(n: int) -> datetime:
    """All N reminders due; the latest only a few seconds late, the first n seconds late."""
    return REMIND_FIRST + timedelta(seconds=n + 2)


async def _bot(db: str, root: str, run: str, clock: ManualClock | None = None,
               rate_limit: bool = True) -> tuple[Bot, FilePlatformAdapter]:
    bot = await build_bot(db, clock=clock, rate_limit=rate_limit)
    adapter = FilePlatformAdapter(root, run=run)
    bot.add_adapter(adapter)
    return bot, adapter


async def setup_rsvp(root: str, db: str, events: int) -> None:
    bot, adapter = await _bot(db, root, "setup", rate_limit=False)
    await bot.start()
    for i in range(events):
        cap = " capacity=5" if i == 0 else ""
        replies = await adapter.invoke(f'!event create Meetup {i} when="in {(3 + i) * 24} hours"{cap}', "alice")
        assert replies and replies[0].text.startswith("📅"), replies[0].text if replies else "no reply"
    await bot.stop()


async def setup_serve(root: str, db: str, events: int, polls: int) -> None:
    """Event cards for a storm, and polls whose deadlines fall due over the next seconds."""
    await setup_rsvp(root, db, events)
    bot, adapter = await _bot(db, root, "setup-polls", rate_limit=False)
    await bot.start()
    for i in range(polls):
        replies = await adapter.invoke(f"!poll create Q{i} A | B closes={2 + i % 6}s", "bob")
        assert replies and replies[0].text.startswith("📊"), replies[0].text if replies else "no reply"
    await bot.stop()


async def storm(root: str, db: str, run: str, ops: int) -> None:
    bot, adapter = await _bot(db, root, run)
    await bot.start()
    print("ready", flush=True)
    await adapter.storm(Storm(users=300, tasks=40, ops=ops, seed=int(os.environ.get("RELIABILITY_SEED", "1"))))
    await bot.stop()


async def settle(root: str, db: str, run: str) -> None:
    bot, adapter = await _bot(db, root, run)
    await bot.start()
    await bot.cards.idle()
    await bot.stop()


async def setup_remind(root: str, db: str, n: int) -> None:
    bot, adapter = await _bot(db, root, "setup", clock=ManualClock(T0), rate_limit=False)
    await bot.start()
    r = await adapter.invoke("!config set reminders 1h", "mod", mod=True)
    assert "✅" in r[0].text, r[0].text
    for i in range(n):
        replies = await adapter.invoke(f'!event create Talk {i} when="in {7200 + i}s"', f"host{i % 7}")
        assert replies and replies[0].text.startswith("📅"), replies[0].text if replies else "no reply"
        if i % 3 == 0:  # someone going, so reminders carry mentions
            guest = UserRef(PLATFORM, f"guest{i % 11}", f"Guest {i % 11}")
            await adapter.platform_react(f"setup-{i}", replies[0].id, guest, "✅", True)
    await bot.stop()


async def fire(root: str, db: str, run: str) -> None:
    n = (await _count_events(db))
    bot, adapter = await _bot(db, root, run, clock=ManualClock(fire_time(n)))
    print("ready", flush=True)
    await bot.start()  # Scheduler.recover: re-send 'sending' with the same key, fire the overdue
    await bot.stop()


async def _count_events(db: str) -> int:
    import aiosqlite

    async with aiosqlite.connect(db) as conn:
        row = await (await conn.execute("SELECT COUNT(*) FROM events")).fetchone()
        return int(row[0]) if row else 0


def serve(root: str, config: str) -> int:
    import file_platform

    import bot.cli
    import bot.config

    os.environ["LOGOFF_RELIABILITY_DIR"] = root
    # The file platform stands in for the [discord] section's platform.
    registry = {"discord": file_platform.AS_PLATFORM}
    bot.cli.platforms = bot.config.platforms = lambda: registry  # type: ignore[assignment]
    return bot.cli.main(["run", "--config", config])


def main(argv: list[str]) -> int:
    mode, root = argv[0], argv[1]
    if mode == "serve":
        return serve(root, argv[2])
    db = argv[2]
    if mode == "setup-rsvp":
        asyncio.run(setup_rsvp(root, db, int(argv[3])))
    elif mode == "setup-serve":
        asyncio.run(setup_serve(root, db, int(argv[3]), int(argv[4])))
    elif mode == "storm":
        asyncio.run(storm(root, db, argv[3], int(argv[4]) if len(argv) > 4 else 0))
    elif mode == "settle":
        asyncio.run(settle(root, db, argv[3]))
    elif mode == "setup-remind":
        asyncio.run(setup_remind(root, db, int(argv[3])))
    elif mode == "fire":
        asyncio.run(fire(root, db, argv[3]))
    else:
        raise SystemExit(f"unknown mode {mode}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
