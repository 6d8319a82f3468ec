"""Batches that conflict with other processes' writes.

Batches run SERIALIZABLE (bot/postgres.py), and several processes write the same tables
(events, jobs) at once: PostgreSQL then aborts one side of a conflict, and says so with a
serialization failure or a deadlock. That is never the unit's fault, and its transaction
left nothing behind, so the writer runs the batch again. Under load the same batch can lose
many times in a row (its rivals' transactions take longer, and those of its units that arrived
meanwhile join it), so how long to keep trying is a time, not a count; only a batch still
losing after that fails, with `StorageBusy`, which says that nothing was changed.
"""

from __future__ import annotations

import asyncio
import random
import time

import asyncpg

from .stores import StorageUnavailable

# What PostgreSQL aborts a transaction with when it loses to a concurrent one.
CONFLICT = (asyncpg.SerializationError, asyncpg.DeadlockDetectedError)
CONFLICT_BUDGET_S = 15.0  # of running a batch again before its units are failed
FIRST_WAIT_S = 0.001  # the first wait before running a conflicting batch again, at most
LONGEST_WAIT_S = 0.25  # the writer serves nobody while it waits


class StorageBusy(StorageUnavailable):
    """The unit's batch kept conflicting with other processes' writes for longer than a
    command should wait: rolled back each time, so nothing of it was written."""

    said = ("my database was too busy with other work to save that just now, so nothing was "
            "changed; please try again in a minute")
    partly = ("my database was too busy with other work to save all of that just now: part of "
              "it was saved before, so please check what it changed before trying again")


class Conflicts:
    """One batch's runs: `again` after each conflict, until `budget_s` has passed."""

    def __init__(self, budget_s: float) -> None:
        self.deadline = time.monotonic() + budget_s
        self.runs = 1

    def check(self, conflict: Exception, where: str) -> None:
        """Raise `StorageBusy` if no time is left to run the batch again."""
        if time.monotonic() >= self.deadline:
            raise StorageBusy(f"PostgreSQL at {where}: a batch conflicted with other processes' writes "
                              f"{self.runs} times in a row ({conflict})") from conflict

    async def again(self) -> None:
        # Writers retrying at once collide again: a random, growing wait lets one finish.
        await asyncio.sleep(random.uniform(0, min(LONGEST_WAIT_S, FIRST_WAIT_S * 2 ** self.runs)))
        self.runs += 1
