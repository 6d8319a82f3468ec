"""A job's sends, recognised when it runs again later than its platform holds their keys.

A job claimed again (a crash left it `sending`, a failed try is retried, another process
takes it over) sends with the same idempotency keys, which a platform may hold only a few
minutes (a message nonce) while a re-run can come up to the job's grace later. Where the
adapter can read back what the bot posted (`FindsOwnPosts`), each keyed send of a job first
keeps the adapter's mark of it (a hash of its content and the platform's time, never the
text), committed before the send; the send run again is handed that mark, and the adapter
posts nothing that is there already. The marks go when the job is done.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .adapter import Adapter, FindsOwnPosts
from .model import ChannelRef, MessageRef, UserRef
from .render import Out

if TYPE_CHECKING:
    from .storage import Database

@dataclass(slots=True)
class Run:
    """The job whose handler is running (in this task and those it starts)."""

    job: int
    again: bool  # claimed before: a send of it may be on the platform already
    marked: bool = False  # this run kept a mark

    @property
    def has_marks(self) -> bool:
        return self.again or self.marked


_RUN: ContextVar[Run | None] = ContextVar("logoff_job_run", default=None)


@contextlib.contextmanager
def running(job_id: int, again: bool) -> Iterator[Run]:
    run = Run(job_id, again)
    token = _RUN.set(run)
    try:
        yield run
    finally:
        _RUN.reset(token)


async def send(db: Database, adapter: Adapter, channel: ChannelRef, out: Out,
               key: str | None) -> MessageRef:
    done, ref = await _again(db, adapter, channel, out, key)
    if done and ref is not None:
        return ref
    return await adapter.send(channel, out, idempotency_key=key)


async def send_dm(db: Database, adapter: Adapter, user: UserRef, out: Out,
                  key: str | None) -> MessageRef | None:
    done, ref = await _again(db, adapter, user, out, key)
    if done:
        return ref
    return await adapter.send_dm(user, out, idempotency_key=key)


async def _again(db: Database, adapter: Adapter, where: ChannelRef | UserRef, out: Out,
                 key: str | None) -> tuple[bool, MessageRef | None]:
    """(True, what `send_again` gave) when this send was run before and the adapter sent it
    again; else (False, None), the send marked first where the adapter can mark it."""
    run = _RUN.get()
    if key is None or run is None or not isinstance(adapter, FindsOwnPosts):
        return False, None
    if run.again:
        row = await db.fetchone("SELECT mark FROM job_sends WHERE job=? AND key=?", (run.job, key))
        if row is not None:  # else the earlier run never came to this send
            return True, await adapter.send_again(where, out, key, str(row[0]))
    mark = adapter.post_mark(out)
    if mark is not None:
        await db.write(lambda c: c.execute(
            "INSERT INTO job_sends(job, key, mark) VALUES(?, ?, ?) "
            "ON CONFLICT(job, key) DO UPDATE SET mark=excluded.mark", (run.job, key, mark)))
        run.marked = True
    return False, None
