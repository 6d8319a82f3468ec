"""What a poll's number (and, once it is given, a vote's option) suggests while it is typed:
this space's polls, newest first, matched on the number or the question; for voting and
closing only those still open. A part of the polls cog (a mixin)."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.context import Context
from bot.converters import row_id
from bot.storage import Database
from bot.suggestions import MAX_SUGGESTIONS, READ_MAX, match_numbered, numbered_label

from . import repo
from .render import option_text
from .repo import Poll


def _open(poll: Poll, now: datetime) -> bool:
    return not poll.closed and (poll.closes_at is None or poll.closes_at > now)


class PollSuggestions:
    db: Database

    async def _polls(self, ctx: Context, typed: str, *, open_only: bool) -> list[tuple[str, str]]:
        sql = (f"SELECT {repo._COLS} FROM polls WHERE space=?{' AND closed_at IS NULL' if open_only else ''} "
               "ORDER BY id DESC LIMIT ?")

        def unit(conn: sqlite3.Connection) -> list[Poll]:
            rows = conn.execute(sql, (ctx.space.key, READ_MAX)).fetchall()
            return [p for p in map(repo._poll, rows) if p is not None]

        now = ctx.now
        polls = [p for p in await self.db.read(unit) if not open_only or _open(p, now)]
        ranked = sorted((rank, i) for i, p in enumerate(polls)
                        if (rank := match_numbered(p.id, p.question, typed)) is not None)
        return [(numbered_label(p.id, p.question, "" if _open(p, now) else " (closed)"), str(p.id))
                for p in (polls[i] for _, i in ranked[:MAX_SUGGESTIONS])]

    async def suggest_open_poll(self, ctx: Context, typed: str, given: dict[str, str]) -> list[tuple[str, str]]:
        return await self._polls(ctx, typed, open_only=True)

    async def suggest_poll(self, ctx: Context, typed: str, given: dict[str, str]) -> list[tuple[str, str]]:
        return await self._polls(ctx, typed, open_only=False)

    async def suggest_choice(self, ctx: Context, typed: str, given: dict[str, str]) -> list[tuple[str, str]]:
        """The options of the poll `id` names, once it is given and is an open poll of this space."""
        poll_id = row_id(given.get("id", "").strip().lstrip("#"))
        if poll_id is None:
            return []
        poll = await self.db.read_small(lambda c: repo.get(c, poll_id))
        if poll is None or poll.space != ctx.space.key or not _open(poll, ctx.now):
            return []
        tz = await ctx.timezone()
        typed = typed.strip()
        return [(f"{i + 1}. {option_text(poll, i, tz)}", str(i + 1)) for i in range(len(poll.options))
                if str(i + 1).startswith(typed) or typed.casefold() in poll.options[i].casefold()]
