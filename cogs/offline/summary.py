"""What `config show` tells moderators of take-it-offline prompts: how many, how they were
received (per sensitivity and per wording), and why the last automatic one spoke up, in the
scorer's reasons, never message text."""

from __future__ import annotations

from bot.model import SpaceRef
from bot.storage import Database

from .signals import describe
from .wording import VARIANTS


async def lines(db: Database, space: SpaceRef) -> list[str]:
    row = await db.fetchone(
        "SELECT COUNT(*), COALESCE(SUM(auto), 0), COALESCE(SUM(dismissed), 0), COALESCE(SUM(proposed), 0) "
        "FROM offline_prompts WHERE space=?", (space.key,))
    total, auto, dismissed, proposed = row if row else (0, 0, 0, 0)
    if not total:
        return ["Take-it-offline prompts: none yet"]
    by_level = await db.fetchall(
        "SELECT sensitivity, COUNT(*), SUM(dismissed) FROM offline_prompts WHERE space=? AND auto=1 "
        "GROUP BY sensitivity", (space.key,))
    levels = ", ".join(f"{s}: {n} ({d} dismissed)" for s, n, d in by_level)
    out = [f"Take-it-offline prompts: {total} ({auto} automatic, {total - auto} by command); "
             f"{dismissed} dismissed, {proposed} led to a meetup poll"
             + (f"; automatic by sensitivity: {levels}" if levels else "")]
    last = await db.fetchone(
        "SELECT signals FROM offline_prompts WHERE space=? AND auto=1 ORDER BY at DESC, id DESC "
        "LIMIT 1", (space.key,))
    if last is not None:
        why = describe(filter(None, last[0].split(",")))
        out.append("Last automatic prompt, why: " + ("; ".join(why) if why else
                                                      "among the channel's hottest exchanges"))
    arms = await db.fetchall(
        "SELECT variant, COUNT(*), SUM(dismissed), SUM(proposed) FROM offline_prompts "
        "WHERE space=? AND variant != '' GROUP BY variant", (space.key,))
    if arms:
        known = [w.name for w in VARIANTS]
        arms = sorted(arms, key=lambda r: known.index(r[0]) if r[0] in known else len(known))
        out.append("Prompt wording: " + ", ".join(
            f"{v} {n} ({d} dismissed, {p} meetup)" for v, n, d, p in arms))
    return out

