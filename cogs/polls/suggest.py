"""What a poll's number (and, once it is given, a vote's option) suggests while it is typed:
this space's polls, newest first, matched on the number or the question; for voting and
closing only those still open. A part of the polls cog (a mixin)."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.context import Context
from bot.render import defuse_mentions, truncate
from bot.storage import Database

from . import repo
from .render import option_text
from .repo import Poll

# Read at most this many (newest first) to match against: a bound on the work per keystroke.
READ_MAX = 300
SHOWN = 25
LABEL_MAX = 100


def _open(poll: Poll, now: datetime) -> bool:
    return not poll.closed and (poll.closes_at is None or poll.closes_at > now)


def _matches(poll: Poll, typed: str) -> int | None:
    """0: the number starts with what was typed; 1: the question holds it; None: neither."""
    number = typed.lstrip("#")
    if number.isdigit() and str(poll.id).startswith(number):
        return 0
    return 1 if typed.casefold() in " ".join(poll.question.split()).casefold() else None


def label(poll: Poll, now: datetime) -> str:
    head, tail = f"#{poll.id} ", "" if _open(poll, now) else " (closed)"
    question = defuse_mentions(" ".join(poll.question.split()))
    return head + truncate(question, LABEL_MAX - len(head) - len(tail)) + tail


class PollSuggestions:
    db: Database

    async def _polls(self, ctx: Context, typed: str, *, open_only: bool) -> list[tuple[str, str]]:
        sql = (f"SELECT {repo._COLS} FROM polls WHERE space=?{' AND closed_at IS NULL' if open_only else ''} "
               "ORDER BY id DESC LIMIT ?")

        def unit(conn: sqlite3.Connection) -> list[Poll]:
            rows = conn.execute(sql, (ctx.space.key, READ_MAX)).fetchall()
            return [p for p in map(repo._poll, rows) if p is not None]

        now, typed = ctx.now, typed.strip()
        polls = [p for p in await self.db.read(unit) if not open_only or _open(p, now)]
        ranked = sorted((rank, i) for i, p in enumerate(polls) if (rank := _matches(p, typed)) is not None)
        return [(label(polls[i], now), str(polls[i].id)) for _, i in ranked[:SHOWN]]

    async def suggest_open_poll(self, ctx: Context, typed: str, given: dict[str, str]) -> list[tuple[str, str]]:
        return await self._polls(ctx, typed, open_only=True)

    async def suggest_poll(self, ctx: Context, typed: str, given: dict[str, str]) -> list[tuple[str, str]]:
        return await self._polls(ctx, typed, open_only=False)

    async def suggest_choice(self, ctx: Context, typed: str, given: dict[str, str]) -> list[tuple[str, str]]:
        """The options of the poll `id` names, once it is given and is an open poll of this space."""
        poll_id = given.get("id", "").strip().lstrip("#")
        if not (poll_id.isascii() and poll_id.isdigit() and len(poll_id) <= 18):
            return []
        poll = await self.db.read_small(lambda c: repo.get(c, int(poll_id)))
        if poll is None or poll.space != ctx.space.key or not _open(poll, ctx.now):
            return []
        tz = await ctx.timezone()
        typed = typed.strip()
        return [(f"{i + 1}. {option_text(poll, i, tz)}", str(i + 1)) for i in range(len(poll.options))
                if str(i + 1).startswith(typed) or typed.casefold() in poll.options[i].casefold()]
