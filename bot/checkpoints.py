"""The SQLite store's WAL checkpoints, off the writer and off the loop.

The writer never checkpoints (its automatic checkpoint is off: it would run inside a COMMIT).
After enough commits, or once the WAL file is larger than it should be, a PASSIVE checkpoint
runs on a connection and a thread of its own, so neither the loop nor reads queue behind its
fsync. (After SQLite starts the WAL over it cuts the file back to CHECKPOINT_WAL_BYTES, so a
larger file means frames are piling up.)

SQLite starts the WAL over only at a write that finds every frame copied, which under a steady
stream of batches never happens: new frames land while the checkpoint copies (in a storm the
WAL grew past 1 GB for a 10 MB database). So if anything was committed meanwhile, the writer
has that short tail copied before its next batch (`copy_tail`), and that batch starts the WAL
over. (The counts PASSIVE returns are of the WAL as it was when it started, so they cannot tell.)
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3

log = logging.getLogger(__name__)

# A checkpoint is started in the background once the WAL file is larger than this (SQLite's
# own automatic checkpoint would run at 1,000 pages, inside a writer's COMMIT); when SQLite
# starts the WAL over, it cuts the file back to this size.
CHECKPOINT_WAL_BYTES = 4 * 1024 * 1024
CHECKPOINT_COMMITS = 500


class Checkpointer:
    def __init__(self, db_file: str) -> None:
        self.db_file = db_file
        self._wal = db_file + "-wal"
        self._conn: sqlite3.Connection | None = None  # opened at the first checkpoint
        self.task: asyncio.Task[None] | None = None  # the one running in the background
        self._since = 0  # commits since the last one began
        self.tail_due = False  # a batch began while the last checkpoint ran: copy its tail
        self._begun = 0  # write transactions begun (a checkpoint compares it)
        self.done = 0  # checkpoints run (tests, benchmarks)

    def batch_begun(self) -> None:
        self._begun += 1

    def committed(self) -> None:
        """After each commit: start a checkpoint when it is time and none is running."""
        self._since += 1
        if self.task is not None or self.tail_due:
            return
        try:
            size = os.stat(self._wal).st_size
        except OSError:
            return
        if self._since < CHECKPOINT_COMMITS and size <= CHECKPOINT_WAL_BYTES:
            return
        self._since = 0
        self.task = asyncio.create_task(self.run(), name="logoff-db-checkpoint")

    async def run(self) -> None:
        """PASSIVE: copies what it can without blocking the writer."""
        begun = self._begun
        try:
            await asyncio.to_thread(self._checkpoint_now)
            self.tail_due = self._begun != begun
            self.done += 1
        except Exception as e:
            log.warning("background checkpoint of %s failed: %s", self.db_file, e)
        finally:
            self.task = None

    async def copy_tail(self) -> None:
        """Between two batches, with no write transaction open: copy the frames committed
        while the background checkpoint ran. Writes arriving meanwhile wait (a ms or two)
        and go in the next batch; the loop is free."""
        self.tail_due = False
        try:
            await asyncio.to_thread(self._checkpoint_now)
        except Exception as e:
            log.warning("checkpoint of %s failed: %s", self.db_file, e)

    def _checkpoint_now(self) -> None:
        if self._conn is None:
            self._conn = sqlite3.connect(self.db_file, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()

    async def close(self) -> None:
        if self.task is not None:
            await asyncio.gather(self.task, return_exceptions=True)
            self.task = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
