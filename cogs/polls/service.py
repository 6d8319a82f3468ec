"""What the polls feature offers other features (`bot.service(PollService)`): the only
way another cog reaches polls, so it needs neither the polls cog nor its tables."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.model import ChannelRef, UserRef


class PollService:
    """The interface; the polls cog implements it (a nominal base, so the service
    registry can be keyed by it)."""

    async def post_poll(self, channel: ChannelRef, creator: UserRef, question: str,
                        options: list[str], *, multi: bool = False,
                        closes_at: datetime | None = None, idempotency_key: str | None = None) -> int:
        """Create a poll, post its card in `channel` and count its reactions; its id. With a
        key (a durable job's), asking again makes no second poll and posts no second card."""
        raise NotImplementedError

    async def made_for(self, key: str) -> int | None:
        """The poll `post_poll` made with this key, if it made one."""
        raise NotImplementedError

    async def discard(self, key: str) -> None:
        """The poll made with this key, if nobody got its card (its channel refused it): closed
        with no results said, its jobs cancelled; asking again with the key makes a new one."""
        raise NotImplementedError

    async def close_poll(self, poll_id: int, *, closed: bool = False) -> None:
        """Close it (if open) and post the results; with `closed`, one `close_agreed` closed
        just now (its results are said all the same)."""
        raise NotImplementedError

    def close_agreed(self, conn: sqlite3.Connection, poll_id: int, option: str, now: datetime) -> bool:
        """In the caller's write unit: close the poll, whose one leading option must still be
        `option` (what `leading_option` gave); else bot.context.Refusal, and nothing of the unit
        is written. Whether it was open; its results are then owed by a job written in the same
        unit, which `close_poll(poll_id, closed=True)` runs after the commit (or the next start,
        after a crash)."""
        raise NotImplementedError

    async def leading_option(self, space_key: str, poll_id: int) -> tuple[str, datetime | None]:
        """The option the poll agreed on, and the moment it names if it is a time (fixed
        when the poll was made); raises bot.context.Refusal if there is none."""
        raise NotImplementedError
