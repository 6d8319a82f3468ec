"""A running job's lease, kept from running out while its handler runs (bot/jobs.py says what
a lease is and who may take a job over once it has run out)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from . import jobs

if TYPE_CHECKING:
    from .storage import Database

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def held(db: Database, job_id: int, process: str, now: Callable[[], datetime],
               every: timedelta) -> AsyncIterator[None]:
    """While a claimed job runs, keep its lease from running out: a send can outlast it (a
    platform's rate limits, many direct messages), and a lapsed claim of a live process would
    be taken over and run a second time. Only a shared database has others to keep off."""
    if not db.shared:
        yield
        return

    async def renew() -> None:
        while True:
            await asyncio.sleep(every.total_seconds())
            until = (now() + jobs.LEASE).timestamp()
            try:
                await db.write(lambda c, u=until: c.execute(  # type: ignore[misc]
                    "UPDATE jobs SET lease_until=? WHERE id=? AND state='sending' AND claimed_by=?",
                    (u, job_id, process)))
            except Exception as e:  # noqa: BLE001 - the next renewal tries again
                log.warning("could not renew the lease of job %s: %s", job_id, e)

    task = asyncio.create_task(renew(), name=f"logoff-lease-{job_id}")
    try:
        yield
    finally:
        task.cancel()
