"""What a poll's number (and, once it is given, a vote's option) suggests while it is typed:
this channel's space's polls and those a linked channel shared into this channel (the
commands take them here too: `PollsCog._poll_here`), newest first, matched on the number or
the question, a shared one labelled with the platform it comes from; for voting and closing
only those still open. A part of the polls cog (a mixin)."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.cog import CogHost
from bot.context import Context
from bot.converters import row_id
from bot.model import ChannelRef
from bot.storage import Database
from bot.suggestions import MAX_SUGGESTIONS, READ_MAX, match_numbered, numbered_label
from cogs.links.service import LinkService

from . import repo
from .render import option_text
from .repo import Poll

SHARED = "polls/poll"  # how the links feature knows our polls (the cog's name for them too)
CHUNK = 500  # ids per statement: well under either engine's limit of bound values


def _open(poll: Poll, now: datetime) -> bool:
    return not poll.closed and (poll.closes_at is None or poll.closes_at > now)


def _shared_rows(conn: sqlite3.Connection, ids: list[int], space: str, open_only: bool) -> list[Poll]:
    out: list[Poll] = []
    for i in range(0, len(ids), CHUNK):
        part = ids[i:i + CHUNK]
        rows = conn.execute(
            f"SELECT {repo._COLS} FROM polls WHERE id IN ({','.join('?' * len(part))}) AND space != ?"
            f"{' AND closed_at IS NULL' if open_only else ''}", (*part, space)).fetchall()
        out.extend(p for p in map(repo._poll, rows) if p is not None)
    return out


class PollSuggestions:
    db: Database
    bot: CogHost

    async def _elsewhere(self, poll: Poll) -> list[ChannelRef]:
        """The linked channels the poll was shared into (the cog's)."""
        raise NotImplementedError

    async def _shared_here(self, ctx: Context, poll: Poll) -> bool:
        """A poll of another space, shared into this very channel from a linked one."""
        return any(c.key == ctx.channel.key for c in await self._elsewhere(poll))

    def _from(self, poll: Poll) -> str:
        caps = self.bot.capabilities(poll.platform)
        return f" (from {caps.label if caps and caps.label else poll.platform})"

    async def _polls(self, ctx: Context, typed: str, *, open_only: bool) -> list[tuple[str, str]]:
        sql = (f"SELECT {repo._COLS} FROM polls WHERE space=?{' AND closed_at IS NULL' if open_only else ''} "
               "ORDER BY id DESC LIMIT ?")
        links = self.bot.service(LinkService)
        shared = await links.shared_into(SHARED, ctx.space) if links is not None else []

        def unit(conn: sqlite3.Connection) -> list[Poll]:
            rows = conn.execute(sql, (ctx.space.key, READ_MAX)).fetchall()
            own = [p for p in map(repo._poll, rows) if p is not None]
            return own + _shared_rows(conn, shared, ctx.space.key, open_only)

        now = ctx.now
        polls = sorted((p for p in await self.db.read(unit) if not open_only or _open(p, now)),
                       key=lambda p: -p.id)[:READ_MAX]
        ranked = sorted((rank, i) for i, p in enumerate(polls)
                        if (rank := match_numbered(p.id, p.question, typed)) is not None)
        out: list[tuple[str, str]] = []
        for p in (polls[i] for _, i in ranked):
            # Shared into the space, but a command takes it only in the channel it was shared into.
            mine = p.space == ctx.space.key
            if not mine and not await self._shared_here(ctx, p):
                continue
            tail = ("" if _open(p, now) else " (closed)") + ("" if mine else self._from(p))
            out.append((numbered_label(p.id, p.question, tail), str(p.id)))
            if len(out) == MAX_SUGGESTIONS:
                break
        return out

    async def suggest_open_poll(self, ctx: Context, typed: str, given: dict[str, str]) -> list[tuple[str, str]]:
        return await self._polls(ctx, typed, open_only=True)

    async def suggest_poll(self, ctx: Context, typed: str, given: dict[str, str]) -> list[tuple[str, str]]:
        return await self._polls(ctx, typed, open_only=False)

    async def suggest_choice(self, ctx: Context, typed: str, given: dict[str, str]) -> list[tuple[str, str]]:
        """The options of the poll `id` names, once it is given and is an open poll here (of this
        space, or shared into this channel)."""
        poll_id = row_id(given.get("id", "").strip().lstrip("#"))
        if poll_id is None:
            return []
        poll = await self.db.read_small(lambda c: repo.get(c, poll_id))
        if poll is None or not _open(poll, ctx.now):
            return []
        if poll.space != ctx.space.key and not await self._shared_here(ctx, poll):
            return []
        tz = await ctx.timezone()
        typed = typed.strip()
        return [(f"{i + 1}. {option_text(poll, i, tz)}", str(i + 1)) for i in range(len(poll.options))
                if str(i + 1).startswith(typed) or typed.casefold() in poll.options[i].casefold()]
