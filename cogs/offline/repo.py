"""The prompts' rows (`offline_prompts`): that a prompt happened, how sure the bot was, how
it was received; never who was addressed nor anything said."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from bot.model import ChannelRef
from bot.storage import Database

from .wording import pick

STREAK_LOOKBACK = 8  # answered automatic prompts looked at for the dismissal streak


def insert(c: sqlite3.Connection, channel: ChannelRef, now: datetime, *, auto: bool, sensitivity: str,
           score: float | None, addressed: int, signals: list[str] | None) -> int:
    pid: int = c.execute(
        "INSERT INTO offline_prompts(space, channel, at, auto, sensitivity, score, addressed, "
        "signals) VALUES(?,?,?,?,?,?,?,?) RETURNING id",
        (channel.space.key, channel.key, now.timestamp(), int(auto), sensitivity, score,
         addressed, ",".join(signals or ()))).fetchone()[0]
    c.execute("UPDATE offline_prompts SET variant=? WHERE id=?", (pick(pid).name, pid))
    return pid


async def dismissals_in_a_row(db: Database, channel: ChannelRef) -> int:
    """Answered automatic prompts waved off since the last one that led to a meetup poll;
    prompts nobody answered say nothing either way."""
    rows = await db.fetchall(
        "SELECT dismissed FROM offline_prompts WHERE channel=? AND auto=1 "
        "AND (dismissed=1 OR proposed=1) ORDER BY at DESC, id DESC LIMIT ?",
        (channel.key, STREAK_LOOKBACK))
    n = 0
    for (dismissed,) in rows:
        if not dismissed:
            break
        n += 1
    return n


async def explain(db: Database, prompt_id: int) -> list[str] | None:
    """The signals of an automatic prompt the first time its reasons are asked for; None after
    that, and for a prompt someone asked for (it has no reasons but theirs)."""
    row = await db.write(lambda c: c.execute(
        "UPDATE offline_prompts SET explained=1 WHERE id=? AND auto=1 AND explained=0 "
        "RETURNING signals", (prompt_id,)).fetchone())
    return None if row is None else [s for s in row[0].split(",") if s]


async def last_prompt(db: Database, channel: ChannelRef) -> datetime | None:
    """The channel's latest prompt, automatic or asked for: either starts the cooldown."""
    row = await db.fetchone("SELECT MAX(at) FROM offline_prompts WHERE channel=?", (channel.key,))
    if row is None or row[0] is None:
        return None
    return datetime.fromtimestamp(row[0], UTC)


async def answered(db: Database, prompt_id: int, column: str, live_since: datetime) -> bool:
    """Marks the prompt's answer; False if it already had one (the first answer counts) or
    was made before `live_since` (it lapsed, whether or not its card says so yet)."""
    assert column in ("dismissed", "proposed")
    return await db.write(lambda c: c.execute(
        f"UPDATE offline_prompts SET {column}=1 WHERE id=? AND dismissed=0 AND proposed=0 AND at>?",
        (prompt_id, live_since.timestamp())).rowcount > 0)


async def unpropose(db: Database, prompt_id: int) -> None:
    """Takes back a proposal that made no poll (a stop or a failure came between the two):
    the prompt takes an answer again."""
    await db.write(lambda c: c.execute(
        "UPDATE offline_prompts SET proposed=0 WHERE id=? AND proposed=1", (prompt_id,)))


async def lapsed(db: Database, prompt_id: int, live_since: datetime) -> bool:
    row = await db.fetchone("SELECT at FROM offline_prompts WHERE id=?", (prompt_id,))
    return row is not None and row[0] <= live_since.timestamp()


async def answer(db: Database, prompt_id: int) -> str | None:
    """How the prompt was answered ("dismissed", "proposed"), None if it was not."""
    row = await db.fetchone("SELECT dismissed, proposed FROM offline_prompts WHERE id=?", (prompt_id,))
    if row is None or not (row[0] or row[1]):
        return None
    return "dismissed" if row[0] else "proposed"
