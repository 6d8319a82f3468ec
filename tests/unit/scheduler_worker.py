"""A process that fires reminders through a platform that lives in a file, so it can be
killed with SIGKILL at any point and restarted (used by test_scheduler_crash.py).

The "platform" de-duplicates by idempotency key the way Discord does with a nonce and
Synapse with a txn_id; every send attempt is logged, created or not.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime, timedelta

from bot.clock import Clock
from bot.jobs import MIGRATIONS, Job
from bot.model import ChannelRef
from bot.render import text
from bot.scheduler import Scheduler
from bot.storage import Database


class FilePlatform:
    def __init__(self, path: str) -> None:
        self.path = path
        self.seen: set[str] = set()
        if os.path.exists(path):
            with open(path) as fh:
                for ln in fh:
                    try:
                        rec = json.loads(ln)
                    except ValueError:
                        continue  # a line torn by the kill
                    if rec["created"]:
                        self.seen.add(rec["key"])
        self.fh = open(path, "a")

    async def send(self, channel: ChannelRef, body: str, key: str) -> None:
        created = key not in self.seen
        self.seen.add(key)
        self.fh.write(json.dumps({"key": key, "created": created, "body": body}) + "\n")
        self.fh.flush()
        os.fsync(self.fh.fileno())
        await asyncio.sleep(0.001)  # the platform's round trip


async def main(db_path: str, log_path: str, n: int) -> None:
    db = await Database(db_path).open()
    await db.migrate("jobs", MIGRATIONS)
    sched = Scheduler(db, Clock())
    platform = FilePlatform(log_path)

    async def remind(job: Job) -> None:
        await platform.send(ChannelRef("file", "c"), str(text(f"reminder {job.key}")), job.idempotency_key)

    sched.register("test.remind", remind)
    count = (await db.fetchone("SELECT COUNT(*) FROM jobs"))[0]
    if count == 0:
        start = datetime.now(UTC) + timedelta(milliseconds=200)

        def unit(conn):  # type: ignore[no-untyped-def]
            for i in range(n):
                Scheduler.put(conn, "test.remind", f"r{i}", start + timedelta(milliseconds=3 * i))

        await db.write(unit)
    await sched.start()
    # The table is the truth this test is about, so poll it rather than trust an event.
    while (await db.fetchone("SELECT COUNT(*) FROM jobs WHERE state != 'sent'"))[0]:  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    await sched.stop()
    await db.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
