"""Fill a database with background data through the cogs' own repo functions (the same
SQL the bot runs), in a few big write units so that 100,000 events take seconds.

Each filler event gets a tracked card message (so it is "live" like a real one), its
reminders as pending jobs, and `rsvps_per_event` reaction RSVPs.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import datetime, timedelta

from _common import ROOT  # noqa: F401  (puts the repo on sys.path)

from bot.app import Bot
from bot.scheduler import Scheduler
from bot.testing import FakeAdapter
from cogs.events import repo as events_repo

STATUSES = ("going", "going", "going", "maybe", "no")


async def populate(
    bot: Bot,
    *,
    events: int,
    spaces: int,
    rsvps: int,
    now: datetime,
    platform: str = "fake",
    chunk: int = 5000,
    seed: int = 7,
) -> None:
    """`events` events spread round-robin over `spaces` spaces, `rsvps` RSVPs spread
    evenly over them, reminders 24 h and 1 h before, starts spread over 90 days."""
    rng = random.Random(seed)
    per_event = rsvps // events if events else 0
    extra = rsvps - per_event * events
    done = 0
    while done < events:
        n = min(chunk, events - done)
        first = done

        def unit(conn: sqlite3.Connection, first: int = first, n: int = n) -> None:
            for i in range(first, first + n):
                s = i % spaces
                space = f"{platform}:fs{s}"
                starts = now + timedelta(days=1 + rng.random() * 89)
                ev = events_repo.insert(
                    conn,
                    space=space,
                    platform=platform,
                    channel_id=f"fc{s}",
                    creator=f"{platform}:u{i}",
                    title=f"filler {i}",
                    starts_at=starts,
                    location="somewhere",
                    details="",
                    capacity=None,
                    now=now,
                )
                conn.execute(
                    "INSERT OR REPLACE INTO messages(key, platform, channel_id, message_id,"
                    " space_id, cog, kind, object_id, live) VALUES(?,?,?,?,?,?,?,?,1)",
                    (
                        f"{platform}:fm{i}",
                        platform,
                        f"fc{s}",
                        f"fm{i}",
                        f"fs{s}",
                        "events",
                        "event",
                        ev.id,
                    ),
                )
                for offset in (timedelta(hours=24), timedelta(hours=1)):
                    Scheduler.put(
                        conn,
                        "event.reminder",
                        f"event:{ev.id}:reminder:{int(offset.total_seconds())}",
                        starts - offset,
                        {"event_id": ev.id},
                        space,
                    )
                k = per_event + (1 if i - 0 < extra else 0)
                for j in range(k):
                    user = f"{platform}:r{j}"
                    events_repo.apply_mark(
                        conn,
                        ev.id,
                        user,
                        f"r{j}",
                        STATUSES[(i + j) % len(STATUSES)],
                        added=True,
                        source="reaction",
                        now=now,
                    )

        await bot.db.write(unit)
        done += n


class NoReconcileFake(FakeAdapter):
    """FakeAdapter whose start() does not re-read reactions of every live card: the filler
    cards exist only in the database, and a real platform would be asked once per card
    (a start-up cost measured on its own, not part of the hot paths measured here)."""

    async def start(self) -> None:
        self.started = True
