"""What became of a COMMIT that the connection died in.

A connection can break after PostgreSQL received the COMMIT and before its answer came back.
The transaction may then have committed or not, and telling the people whose writes were in
it "nothing was changed" could be false. So the writer notes the transaction's id before
each COMMIT (none when the batch wrote nothing: then there is nothing to lose). If the COMMIT
is cut off, the writer asks the server on a fresh connection what became of that id. When the
old session still holds the transaction open (a cut with no close, which its server has not
noticed yet), the writer ends that session first, so the answer cannot change afterwards.

Anything short of a definite answer within the time allowed is reported as not known
(`CommitOutcomeUnknown`), never as "not saved". One case this cannot see: after a failover to
an asynchronous standby, a transaction the old primary committed may be missing on the new
one, and its id may have been reused there.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import asyncpg

from .stores import CommitOutcomeUnknown

# A session that still holds the transaction open is ended by the asker, so only the
# session whose pid and transaction are both still those of the cut COMMIT.
_END_SESSION = ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pid = $1 AND backend_xid = xid($2::text::xid8)")
_RETRY_S = 0.2


async def committed(connect: Callable[[], Awaitable[asyncpg.Connection]], xid: str, pid: int,
                    within_s: float, where: str) -> bool:
    """Whether transaction `xid` (of the session `pid`) committed, asked on new connections
    from `connect` until `within_s` has passed; `CommitOutcomeUnknown` after that."""
    deadline = time.monotonic() + within_s
    while True:
        left = deadline - time.monotonic()
        status: str | None = None
        if left > 0:
            try:
                status = await asyncio.wait_for(_ask(connect, xid, pid), left)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - any failure to ask leaves the answer unknown
                status = None
        if status == "committed":
            return True
        if status == "aborted":
            return False
        if time.monotonic() + _RETRY_S >= deadline:
            raise CommitOutcomeUnknown(
                f"the connection to PostgreSQL at {where} broke during a COMMIT and the server "
                "could not be asked whether it went through")
        await asyncio.sleep(_RETRY_S)


async def _ask(connect: Callable[[], Awaitable[asyncpg.Connection]], xid: str, pid: int) -> str | None:
    conn = await connect()
    try:
        status = await conn.fetchval("SELECT pg_xact_status($1::text::xid8)", xid)
        if status == "in progress":
            await conn.execute(_END_SESSION, pid, xid)
        return str(status) if status is not None else None
    finally:
        conn.terminate()
