"""What the cog keeps of a channel across restarts: the channel's own score distribution.

A sensitivity is a share of a channel's own exchanges, and the channel's scale takes hundreds
of exchanges to learn; a restart must not send it back to the global prior. Only the histogram
of scores is kept (cogs/offline/calibration.py), never text or who wrote it. It is written
every `SAVE_EVERY` exchanges of a channel and when the bot stops, so a crash loses at most
that many exchanges' worth of learning.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.model import ChannelRef
from bot.storage import Database

from .calibration import ScoreDistribution

SAVE_EVERY = 50

MIGRATION = """
CREATE TABLE offline_calibration (
    channel TEXT PRIMARY KEY,
    counts BLOB NOT NULL,
    saved_at REAL NOT NULL
);
"""
_UPSERT = ("INSERT INTO offline_calibration(channel, counts, saved_at) VALUES(?, ?, ?) "
           "ON CONFLICT(channel) DO UPDATE SET counts=excluded.counts, saved_at=excluded.saved_at")


async def load(db: Database, channel: ChannelRef) -> ScoreDistribution | None:
    row = await db.fetchone("SELECT counts FROM offline_calibration WHERE channel=?", (channel.key,))
    return ScoreDistribution.from_bytes(bytes(row[0])) if row is not None else None


async def save(db: Database, kept: Sequence[tuple[str, ScoreDistribution]], at: float) -> None:
    rows = [(key, dist.to_bytes(), at) for key, dist in kept]
    if rows:
        await db.write(lambda c: c.executemany(_UPSERT, rows).rowcount)
