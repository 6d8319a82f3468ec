"""Crash safety: SIGKILL in the middle of an RSVP storm and of reminder firing, repeatedly.

The bot runs in a subprocess (`crash_worker.py`: the real Bot, every cog, a real SQLite
file) on a platform that lives in fsynced files (`file_platform.py`). After each kill,
before the restart, the database must hold every RSVP the bot acknowledged; the restart
reconciles the rest from the platform's reactions. Reminders must each appear exactly once,
counted the way a platform counts them: distinct messages after de-duplication by the
idempotency key (Discord nonce, Matrix txn_id).
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter
from pathlib import Path

import pytest

from tests.reliability.file_platform import RSVP_EMOJI, _heal, read_jsonl
from tests.reliability.reliability_kit import (
    STATUS,
    connect_ro,
    count_lines,
    kill_at_progress,
    rsvp_verdict,
    run_worker,
    spawn,
    wait_for_line,
)

pytestmark = pytest.mark.subprocess  # starts processes of its own

def seed(default: int) -> int:
    """RELIABILITY_SEED=n moves the kills and the storms elsewhere, to shake out flakiness
    (the workers read it too); without it every run kills at the same points."""
    return int(os.environ.get("RELIABILITY_SEED", default))


# --- the RSVP storm -----------------------------------------------------------------------


def add_offline_reactions(root: Path, rnd: random.Random, n: int) -> int:
    """The platform records reactions while the bot is down: new users react, and some
    existing reactions are taken back. Returns how many records were added."""
    path = root / "reactions.jsonl"
    _heal(path)
    truth: dict[tuple[str, str, str], bool] = {}
    for r in read_jsonl(path):
        if not r["bot"]:
            truth[(r["msg"], r["user"], r["emoji"])] = bool(r["added"])
    cards = sorted({m for m, _, e in truth if e in STATUS} or {"m1"})
    present = sorted(k for k, added in truth.items() if added and k[2] in STATUS)
    records = []
    for i in range(n):
        records.append({"op": f"offline-{i}", "msg": rnd.choice(cards), "user": f"off{i:03d}",
                        "name": f"Offline {i}", "bot": False, "emoji": rnd.choice(RSVP_EMOJI),
                        "added": True})
    for msg, user, emoji in rnd.sample(present, min(len(present), n // 2)):
        records.append({"op": f"offline-rm-{user}-{msg}", "msg": msg, "user": user, "name": "",
                        "bot": False, "emoji": emoji, "added": False})
    with open(path, "a", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return len(records)


def storm_with_kills(tmp_path: Path, kills: int, events: int, seed: int) -> dict[str, int]:
    root, db, log = tmp_path / "platform", tmp_path / "bot.db", tmp_path / "worker.log"
    rnd = random.Random(seed)
    run_worker("setup-rsvp", str(root), str(db), str(events), log=log)
    landed = behind = 0
    for k in range(kills):
        proc = spawn("storm", str(root), str(db), f"run{k}", log=log)
        wait_for_line(proc, "ready")
        landed += kill_at_progress(proc, root / "acks.jsonl", rnd.randint(5, 150), rnd)
        verdict = rsvp_verdict(root, db)
        assert not verdict.lost, f"after kill {k + 1}, acknowledged RSVPs are missing:\n" + \
            "\n".join(verdict.lost[:20])
        assert not verdict.inconsistent, "\n".join(verdict.inconsistent[:20])
        behind += verdict.behind_truth
    offline = add_offline_reactions(root, rnd, 40)
    run_worker("settle", str(root), str(db), "settle", log=log)
    final = rsvp_verdict(root, db)
    assert not final.lost and not final.inconsistent, final
    assert final.behind_truth == 0, f"{final.behind_truth} reactions were not reconciled at start"
    assert landed >= kills - 1, f"only {landed} of {kills} kills landed while the storm ran"
    errors = [ln for ln in log.read_text().splitlines() if "ERROR" in ln or "Traceback" in ln]
    assert not errors, "\n".join(errors[:20])
    return {"kills": landed, "acked_rsvps": final.acked, "reactions_recorded": count_lines(root / "reactions.jsonl"),
            "reconciled_after_kills": behind, "offline_reactions": offline}


@pytest.mark.parametrize("kills, events", [(12, 4), pytest.param(60, 8, marks=pytest.mark.soak)])
def test_rsvp_storm_survives_kill_9(tmp_path: Path, figures: dict[str, object], kills: int,
                                    events: int) -> None:
    figures.update(storm_with_kills(tmp_path, kills, events, seed=seed(kills)))


# --- reminders ----------------------------------------------------------------------------------


def reminders_sent(root: Path) -> list[dict[str, object]]:
    return [r for r in read_jsonl(root / "messages.jsonl") if str(r["text"]).startswith("⏰ Reminder")]


def fire_with_kills(tmp_path: Path, n: int, kills: int, seed: int) -> dict[str, int]:
    root, db, log = tmp_path / "platform", tmp_path / "bot.db", tmp_path / "worker.log"
    rnd = random.Random(seed)
    run_worker("setup-remind", str(root), str(db), str(n), log=log, timeout=300)
    landed = mid_firing = left_sending = 0
    for k in range(kills):
        before = len({r["key"] for r in reminders_sent(root) if r["created"]})
        if before >= n:
            break
        proc = spawn("fire", str(root), str(db), f"run{k}", log=log)
        wait_for_line(proc, "ready")
        if kill_at_progress(proc, root / "messages.jsonl", rnd.randint(1, max(2, n // kills)), rnd):
            landed += 1
            now = len({r["key"] for r in reminders_sent(root) if r["created"]})
            mid_firing += before < now < n
            conn = connect_ro(db)
            left_sending += conn.execute("SELECT COUNT(*) FROM jobs WHERE state='sending'").fetchone()[0]
            conn.close()
    run_worker("fire", str(root), str(db), "final", log=log)

    sent = reminders_sent(root)
    created = Counter(str(r["key"]) for r in sent if r["created"])
    assert all(c == 1 for c in created.values()), "the platform created a reminder twice for one key"
    titles = Counter(str(r["text"]).split(" #")[0] for r in sent if r["created"])
    assert len(titles) == n, f"{n - len(titles)} reminders lost"
    assert set(titles.values()) == {1}, f"posted twice: {[t for t, c in titles.items() if c > 1]}"
    conn = connect_ro(db)
    states = dict(conn.execute("SELECT state, COUNT(*) FROM jobs WHERE kind='event.reminder' GROUP BY state"))
    conn.close()
    assert states == {"sent": n}, states
    assert landed >= kills // 2 and mid_firing >= 3, (landed, mid_firing)
    assert left_sending >= 1, "no kill landed between claim and send; the key path was not exercised"
    errors = [ln for ln in log.read_text().splitlines() if "ERROR" in ln or "Traceback" in ln]
    assert not errors, "\n".join(errors[:20])
    return {"reminders": n, "kills": landed, "mid_firing_kills": mid_firing,
            "left_in_sending": left_sending,
            "resends_absorbed_by_key": sum(1 for r in sent if not r["created"]), "lost": 0, "duplicated": 0}


@pytest.mark.parametrize("n, kills", [(240, 12), pytest.param(1200, 45, marks=pytest.mark.soak)])
def test_reminders_exactly_once_across_kill_9(tmp_path: Path, figures: dict[str, object], n: int,
                                              kills: int) -> None:
    figures.update(fire_with_kills(tmp_path, n, kills, seed=seed(n)))
