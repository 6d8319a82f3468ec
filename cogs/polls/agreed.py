"""Another feature taking what a poll agreed on (`when=poll:N`, `where=poll:N`): the leading
option, and the poll closed in that feature's own write unit, so a vote that arrives between
the reading and the close cannot leave the poll agreeing on something else than what was
taken. A part of the polls cog (a mixin)."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.context import Refusal
from bot.model import SpaceRef

from . import repo
from .closing import PollClosing, close_key
from .render import option_text


class AgreedPolls(PollClosing):
    async def tally(self, poll: repo.Poll) -> repo.Tally:
        raise NotImplementedError

    async def leading_option(self, space_key: str, poll_id: int) -> tuple[str, datetime | None]:
        """The option a poll agreed on; refuses (with a sentence) if there is none."""
        poll = await self.get(poll_id)
        give = "give the time or place itself instead of poll:"
        if poll is None or not (poll.space == space_key or any(  # or shared here from a linked space
                c.space.key == space_key for c in await self._elsewhere(poll))):
            raise Refusal(f"there is no poll #{poll_id} here; check the number on the poll's card, or {give}N")
        leaders = (await self.tally(poll)).leaders()
        if not leaders:
            raise Refusal(f"poll #{poll_id} closed without votes; {give}{poll_id}" if poll.closed else
                          f"poll #{poll_id} has no votes yet; vote on it first, or {give}{poll_id}")
        if len(leaders) > 1:
            tz = await self.bot.timezone(SpaceRef.from_key(space_key))
            tied = " and ".join(option_text(poll, i, tz) for i in leaders)
            raise Refusal(f"poll #{poll_id} closed tied between {tied}; {give}{poll_id}" if poll.closed else
                          f"poll #{poll_id} is tied between {tied}; a vote can break the tie, or {give}{poll_id}")
        return poll.options[leaders[0]], poll.time_of(leaders[0])

    def close_agreed(self, conn: sqlite3.Connection, poll_id: int, option: str, now: datetime) -> bool:
        """In the caller's unit: close the poll, refusing if it no longer agrees on `option`; True
        if its results are the caller's to say (after its commit)."""
        poll = repo.get(conn, poll_id)
        leaders = repo.tally(conn, poll).leaders() if poll is not None else []
        if poll is None or [poll.options[i] for i in leaders] != [option]:
            raise Refusal(f"votes on poll #{poll_id} came in meanwhile and changed what it agreed on; "
                          "see the poll's card, then try again")
        self.scheduler.cancel(conn, close_key(poll_id))
        # The results are owed in this same unit (a job `close_poll` runs after the commit, or the
        # next start after a crash); none when the poll's own close job is claimed, which says
        # them with its idempotency key (so a run of it again after a crash says them once).
        return repo.close(conn, poll_id, now) and self.owe_results(conn, poll, now) is not None
