"""Graceful shutdown: `logoff run` (bot.cli.run: its signal handlers, Bot.start, Bot.stop) with
the file platform as its adapter receives SIGTERM in the middle of an RSVP storm while poll
deadlines are falling due. It must drain what is in flight, stop the scheduler, close the
database and exit 0, losing nothing: every reaction the platform delivered is in
the database without any reconciliation, no job is left half-sent, and the deadlines that
passed while it was down are honoured at the next start.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from bot.app import build_bot
from bot.model import ChannelRef, MessageRef, ReactionChanged
from bot.render import Out
from bot.testing import FakeAdapter, Sent
from tests.reliability.file_platform import read_jsonl
from tests.reliability.reliability_kit import (
    MakeBot,
    connect_ro,
    count_lines,
    rsvp_verdict,
    run_worker,
    spawn,
    wait_for_line,
    worker_env,
)

pytestmark = pytest.mark.subprocess  # starts processes of its own

POLLS = 60  # closing 2-7 s after set-up, so SIGTERM lands while they fall due


def poll_state(root: Path, db: Path) -> tuple[dict[str, int], int, Counter[str]]:
    conn = connect_ro(db)
    try:
        jobs = dict(conn.execute("SELECT state, COUNT(*) FROM jobs WHERE kind='poll.close' GROUP BY state"))
        closed = conn.execute("SELECT COUNT(*) FROM polls WHERE closed_at IS NOT NULL").fetchone()[0]
    finally:
        conn.close()
    results = Counter(str(r["text"]).split(":")[0] for r in read_jsonl(root / "messages.jsonl")
                      if r["created"] and str(r["text"]).startswith("📊 Results of poll"))
    return jobs, closed, results


@pytest.mark.parametrize("paced", [False, True], ids=["unpaced", "discord-paced-edits"])
def test_sigterm_drains_stops_and_exits_0(tmp_path: Path, figures: dict[str, object],
                                                     paced: bool) -> None:
    root, db, log = tmp_path / "platform", tmp_path / "bot.db", tmp_path / "worker.log"
    run_worker("setup-serve", str(root), str(db), "4", str(POLLS), log=log)
    all_due = time.monotonic() + 8
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[bot]\ndatabase = "{db}"\n[discord]\ntoken_env = "LOGOFF_RELIABILITY_TOKEN"\n')
    env = worker_env(LOGOFF_RELIABILITY_TOKEN="not-a-real-token",
                     LOGOFF_RELIABILITY_PACED="1" if paced else "")
    proc = spawn("serve", str(root), str(cfg), log=log, env=env)
    wait_for_line(proc, "storming")
    acks = root / "acks.jsonl"
    start = count_lines(acks)
    deadline = time.monotonic() + 20
    # SIGTERM once the storm is on and poll deadlines are falling due (some closed, most not).
    while time.monotonic() < deadline and (count_lines(acks) < start + 200
                                           or len(poll_state(root, db)[2]) < POLLS // 5):
        time.sleep(0.01)

    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    # A stop that hangs fails here. The 5 s the product promises is a figure (`-s` prints it), not
    # an assertion: on a shared box preemption alone has pushed a 3 s stop past it.
    rc = proc.wait(timeout=30)
    elapsed = time.monotonic() - t0
    text = log.read_text()
    assert rc == 0, text[-3000:]
    assert "stopping" in text, text[-3000:]

    # Nothing lost, nothing to reconcile: the database has exactly what the platform delivered.
    verdict = rsvp_verdict(root, db)
    assert not verdict.lost and not verdict.inconsistent, verdict
    assert verdict.behind_truth == 0, f"{verdict.behind_truth} delivered reactions are not in the database"
    jobs, closed, results = poll_state(root, db)
    half_sent = jobs.get("sending", 0)  # BUG-2 (APScheduler's shutdown cancelled jobs mid-send)
    assert not half_sent, f"a graceful stop left {half_sent} claimed job(s) in 'sending'"
    assert closed == jobs.get("sent", 0) == len(results), (jobs, closed, len(results))
    assert set(results.values()) <= {1}, "a poll's results were posted twice"
    closed_at_stop = closed
    assert 0 < closed_at_stop < POLLS, "SIGTERM did not land while poll deadlines fell due"

    # Deadlines that passed while it was down are honoured at the next start, once each.
    time.sleep(max(0.0, all_due - time.monotonic()))
    run_worker("settle", str(root), str(db), "after", log=log)
    jobs, closed, results = poll_state(root, db)
    assert jobs == {"sent": POLLS} and closed == POLLS, (jobs, closed)
    assert len(results) == POLLS and set(results.values()) == {1}
    figures.update({"stop_seconds": round(elapsed, 2), "acked_rsvps": verdict.acked,
                    "polls_closed_before_stop": closed_at_stop, "polls_closed_at_next_start":
                    POLLS - closed_at_stop, "lost": 0})

    # A clean stop logs no error (BUG-1, fixed in 61a23a8: a card edit after the database closed).
    assert "Traceback" not in text and " ERROR " not in text, text[-3000:]


class SlowPlatform(FakeAdapter):
    """Sends take a while (a slow REST call); tells the test when one has started."""

    def __init__(self) -> None:
        super().__init__()
        self.sending = asyncio.Event()

    async def send(self, channel: ChannelRef, out: Out, *, idempotency_key: str | None = None) -> MessageRef:
        self.sending.set()
        await asyncio.sleep(0.5)
        return await super().send(channel, out, idempotency_key=idempotency_key)


async def test_stop_lets_a_job_that_is_sending_finish(tmp_path: Path) -> None:
    """Real clock, APScheduler armed: stop while a poll deadline is being posted. (BUG-2: the
    APScheduler task running the job was cancelled by its executor's shutdown, leaving the
    job in 'sending'; fixed in the working tree by firing jobs in tasks the bot owns.)"""
    bot = await build_bot(str(tmp_path / "t.db"))  # the real clock
    adapter = SlowPlatform()
    bot.add_adapter(adapter)
    try:
        await bot.start()
        card = (await adapter.invoke("!poll create Q A | B closes=1s", "alice"))[0]
        assert card.text.startswith("📊"), card.text
        await asyncio.wait_for(adapter.sending.wait(), timeout=10)
    finally:
        await bot.stop()
    conn = connect_ro(tmp_path / "t.db")
    states = [r[0] for r in conn.execute("SELECT state FROM jobs WHERE kind='poll.close'")]
    conn.close()
    assert states == ["sent"], f"the job in flight at stop ended as {states}"
    assert len(adapter.containing("Results of poll #1")) == 1


class LateDeliveryAdapter(FakeAdapter):
    """A platform whose last event is still being handled while the adapter stops, as a real
    adapter's in-flight gateway handler would be."""

    def __init__(self) -> None:
        super().__init__()
        self.card: Sent | None = None

    async def stop(self) -> None:
        assert self.bot is not None
        if self.card is not None:
            await self.bot.reaction_changed(ReactionChanged(self.card.ref, self.user("late"), "✅", True))
        await super().stop()


@pytest.mark.allow_errors  # asserted below, precisely (BUG-1, fixed in 61a23a8)
@pytest.mark.parametrize("engine", ["sqlite"])  # edits the file as a crash leaves it
async def test_reaction_handled_while_stopping_is_kept_and_logs_no_error(
        tmp_path: Path, make_bot: MakeBot, caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "t.db"
    bot, adapter = await make_bot(db, adapter=LateDeliveryAdapter())
    adapter.card = (await adapter.invoke('!event create Picnic when="in 72 hours"'))[0]
    await bot.stop()
    await asyncio.sleep(0.05)  # whatever was left running gets its chance to fail
    conn = connect_ro(db)
    going = conn.execute("SELECT user FROM rsvps WHERE status='going'").fetchall()
    conn.close()
    assert going == [("fake:late",)], "the RSVP handled during stop was lost"
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors
