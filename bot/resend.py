"""A job's sends, recognised when it runs again later than its platform holds their keys.

A job claimed again (a crash left it `sending`, a failed try is retried, another process
takes it over) sends with the same idempotency keys, which a platform may hold only a few
minutes (a message nonce) while a re-run can come up to the job's grace later. Where the
adapter can read back what the bot posted (`FindsOwnPosts`), each keyed send of a job first
keeps the adapter's mark of it (a hash of its content and the platform's time, never the
text), committed before the send; the send run again is handed that mark, and the adapter
posts nothing that is there already. The marks go when the job is done.

A job's direct messages of the same content (a reminder to everyone going) share one mark: the
first one's, kept also as the job's DM mark on that platform, in the same commit. A later DM that
would be marked the same is not marked again (one commit per fan-out, not one per person), and a
DM run again without a mark of its own is looked for from the job's DM mark: it was sent after
that mark was committed, with the content it names, if it was sent at all.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
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
    dm_marks: dict[str, Out] = field(default_factory=dict)  # DM mark's key -> what it was taken of

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
    dm = _DM + where.platform if isinstance(where, UserRef) else None
    if run.again:
        row = await db.fetchone("SELECT mark FROM job_sends WHERE job=? AND key=?", (run.job, key))
        if row is None and dm is not None:  # a DM marked with the job's DM mark, or not sent
            row = await db.fetchone("SELECT mark FROM job_sends WHERE job=? AND key=?", (run.job, dm))
        if row is not None:  # else the earlier run never came to this send
            return True, await adapter.send_again(where, out, key, str(row[0]))
    if dm is not None and run.dm_marks.get(dm) == out:
        return False, None  # the job's DM mark, committed before the first of them, is this one's
    mark = adapter.post_mark(out)  # of `out` alone, whoever it goes to
    if mark is None:
        return False, None
    shared = dm is not None and dm not in run.dm_marks

    def keep(c: sqlite3.Connection) -> bool:
        c.execute("INSERT INTO job_sends(job, key, mark) VALUES(?, ?, ?) "
                  "ON CONFLICT(job, key) DO UPDATE SET mark=excluded.mark", (run.job, key, mark))
        # The first to commit is the job's DM mark (DMs sent at once may race here to be it).
        return shared and c.execute("INSERT INTO job_sends(job, key, mark) VALUES(?, ?, ?) ON CONFLICT(job, key) "
                                    "DO NOTHING RETURNING key", (run.job, dm, mark)).fetchone() is not None

    if await db.write(keep) and dm is not None:
        run.dm_marks[dm] = out
    run.marked = True
    return False, None


_DM = "*dm:"  # the key of a job's DM mark on a platform: no send's key starts so
