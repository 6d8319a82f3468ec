"""A job's sends, recognised when it runs again later than its platform holds their keys.

A job claimed again (a crash left it `sending`, a failed try is retried, another process
takes it over) sends with the same idempotency keys, which a platform may hold only a few
minutes (a message nonce) while a re-run can come up to the job's grace later. Where the
adapter can read back what the bot posted (`FindsOwnPosts`), each keyed send of a job first
keeps the adapter's mark of it (a hash of its content and the platform's time, never the
text), committed before the send; the send run again is handed that mark, and the adapter
posts nothing that is there already. The marks go when the job is done.

A re-run renders anew, and what it renders may differ (a reminder's "starts in 50 minutes"):
its mark is added to the earlier ones before it sends, so a later re-run knows either. A card
can be edited once out (an RSVP, a vote), and then no hash finds it: the message a send made
is kept too (for a card at once, else with the job's next mark), and looked up first.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .adapter import Adapter, FindsOwnPosts, NotServedHere
from .model import ChannelRef, MessageRef, UserRef
from .render import Card, Out

if TYPE_CHECKING:
    import sqlite3

    from .storage import Database


@dataclass(slots=True)
class Run:
    """The job whose handler is running (in this task and those it starts)."""

    job: int
    again: bool  # claimed before: a send of it may be on the platform already
    marked: bool = False  # this run kept a mark
    # key -> (marks, message) of the job's sends as earlier runs left them; read once, on a re-run
    earlier: dict[str, tuple[list[str], str]] | None = None
    rows: set[str] = field(default_factory=set)  # keys this run has a mark of
    unsaved: dict[str, str] = field(default_factory=dict)  # key -> message this run made, not yet kept

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
    if not done or ref is None:
        ref = await adapter.send(channel, out, idempotency_key=key)
    await _made(db, key, ref, out)
    return ref


async def send_dm(db: Database, adapters: Mapping[str, Adapter], user: UserRef, out: Out,
                  key: str | None) -> MessageRef | None:
    if user.platform not in adapters:
        raise NotServedHere(f"the {user.platform} adapter is not in this process")
    adapter = _dm_adapter(adapters, user)
    if adapter is None:
        return None
    done, ref = await _again(db, adapter, user, out, key)
    if not done:
        ref = await adapter.send_dm(user, out, idempotency_key=key)
    if ref is not None:
        await _made(db, key, ref, out)
    return ref


async def mark_sends(db: Database, adapters: Mapping[str, Adapter],
                     sends: Sequence[tuple[ChannelRef | UserRef, Out, str]]) -> None:
    """Before sends of a job made as its keyed sends run again would make them: all their
    marks in one write (a job's direct messages, rather than one write awaited before each;
    a command's reply, which a re-run after a kill is to find, not make again)."""
    await _mark(db, [(a, out, key) for where, out, key in sends if (a := _adapter(adapters, where))])


def _adapter(adapters: Mapping[str, Adapter], where: ChannelRef | UserRef) -> Adapter | None:
    return _dm_adapter(adapters, where) if isinstance(where, UserRef) else adapters.get(where.platform)


def _dm_adapter(adapters: Mapping[str, Adapter], user: UserRef) -> Adapter | None:
    adapter = adapters.get(user.platform)
    return adapter if adapter is not None and adapter.capabilities.direct_messages else None


async def _again(db: Database, adapter: Adapter, where: ChannelRef | UserRef, out: Out,
                 key: str | None) -> tuple[bool, MessageRef | None]:
    """(True, what `send_again` gave) when this send was run before and the adapter sent it
    again; else (False, None), the send marked first where the adapter can mark it."""
    run = _RUN.get()
    if key is None or run is None or not isinstance(adapter, FindsOwnPosts):
        return False, None
    await _mark(db, [(adapter, out, key)])
    before = (run.earlier or {}).get(key)
    if before is None:  # the earlier runs never came to this send
        return False, None
    marks, message = before
    return True, await adapter.send_again(where, out, key, marks, _message(where, message))


async def _mark(db: Database, sends: Sequence[tuple[Adapter, Out, str]]) -> None:
    """Mark the sends of the running job that this run has not marked, in one write (with the
    messages it made that are not kept yet). On a re-run a send marked before gets this
    render's mark besides its earlier ones."""
    run = _RUN.get()
    todo = [(a, out, key) for a, out, key in sends if isinstance(a, FindsOwnPosts)]
    if run is None or not (todo := [s for s in todo if s[2] not in run.rows]):
        return
    if run.again and run.earlier is None:
        run.earlier = await db.read(lambda c: {str(k): (str(m).split("\n"), str(msg)) for k, m, msg in c.execute(
            "SELECT key, mark, message FROM job_sends WHERE job=?", (run.job,))})
    earlier = run.earlier or {}
    marks = {key: mark for a, out, key in todo if (mark := a.post_mark(out)) is not None}
    if not marks:
        return
    made = dict(run.unsaved)

    def write(c: sqlite3.Connection) -> None:
        c.executemany("INSERT INTO job_sends(job, key, mark) VALUES(?, ?, ?) ON CONFLICT(job, key) "
                      "DO UPDATE SET mark=job_sends.mark || ? || excluded.mark",
                      [(run.job, key, mark, "\n") for key, mark in marks.items()])
        _keep(c, run.job, made)

    await db.write(write)
    for key, mark in marks.items():
        if key in earlier:
            earlier[key][0].append(mark)
    run.rows.update(marks)
    run.marked = True
    for key in made:
        run.unsaved.pop(key, None)


async def _made(db: Database, key: str | None, ref: MessageRef, out: Out) -> None:
    """A marked send made `ref`: kept with the job's next mark, or now for a card, which an
    RSVP or a vote may edit before the job is done (and then its hash no longer finds it)."""
    run = _RUN.get()
    if run is None or key is None or key not in run.rows:
        return
    run.unsaved[key] = f"{ref.channel_id}/{ref.id}"
    if isinstance(out, Card):
        made = dict(run.unsaved)
        await db.write(lambda c: _keep(c, run.job, made))
        for k in made:
            run.unsaved.pop(k, None)


def _keep(c: sqlite3.Connection, job: int, made: Mapping[str, str]) -> None:
    if made:
        c.executemany("UPDATE job_sends SET message=? WHERE job=? AND key=?",
                      [(message, job, key) for key, message in made.items()])


def _message(where: ChannelRef | UserRef, message: str) -> MessageRef | None:
    channel, _, ident = message.partition("/")
    if not ident:
        return None
    return MessageRef(where.platform, channel, ident, where.space_id if isinstance(where, ChannelRef) else "")
