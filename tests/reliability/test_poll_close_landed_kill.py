"""`poll close` SIGKILLed after its results reached the platform and before the job owing them
was marked done: the next start's re-run of that job is the same delivery (its idempotency
key), so the results are there once, and the start after that adds nothing.

Run as a script, this file is the process killed (MODE `close` ROOT DB); the starts after the
kill are poll_kill_worker.py's."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

from bot.model import ChannelRef, UserRef
from bot.render import Out
from bot.testing import Sent
from tests.reliability.file_platform import PLATFORM, FilePlatformAdapter, read_jsonl
from tests.reliability.reliability_kit import ROOT, wait_for_line, worker_env

RESULTS = "Results of poll #1"
SETTLES = Path(__file__).with_name("poll_kill_worker.py")


class HangsAfterResults(FilePlatformAdapter):
    async def _record(self, channel: ChannelRef, out: Out, *, key: str | None = None, ephemeral: bool = False,
                      to_user: UserRef | None = None, reply_to: UserRef | None = None) -> Sent:
        sent = await super()._record(channel, out, key=key, ephemeral=ephemeral, to_user=to_user,
                                     reply_to=reply_to)
        if RESULTS in sent.text:
            print("landed", flush=True)
            await asyncio.Event().wait()  # the kill comes here: on the platform, the job not done
        return sent


async def close(root: str, db: str) -> None:
    from bot.app import build_bot

    bot = await build_bot(db, rate_limit=False)
    adapter = HangsAfterResults(root, run="close")
    bot.add_adapter(adapter)
    await bot.start()
    [card] = await adapter.invoke('!poll create "Where?" Park | Cafe', "alice")
    for who in ("bob", "carol"):
        await adapter.platform_react(f"close-{who}", card.id, UserRef(PLATFORM, who, who.title()), "2️⃣", True)
    await adapter.invoke("!poll close 1", "alice")
    raise SystemExit("the results were never posted: nothing to kill")


def spawn(script: Path, *args: str, log: Path) -> subprocess.Popen[str]:
    with open(log, "a", encoding="utf-8") as err:
        return subprocess.Popen([sys.executable, str(script), *args], cwd=ROOT, env=worker_env(),
                                stdout=subprocess.PIPE, stderr=err, text=True)


def results(root: Path) -> list[str]:
    return [r["text"] for r in read_jsonl(root / "messages.jsonl")
            if r["created"] and RESULTS in r["text"]]


def test_poll_close_killed_after_its_results_landed_says_them_once(tmp_path: Path) -> None:
    root, db, log = tmp_path / "platform", str(tmp_path / "logoff.db"), tmp_path / "worker.log"
    proc = spawn(Path(__file__), "close", str(root), db, log=log)
    try:
        wait_for_line(proc, "landed")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert len(results(root)) == 1
    for run in ("again", "once-more"):
        settled = spawn(SETTLES, run, str(root), db, log=log)
        settled.communicate(timeout=120)
        assert settled.returncode == 0, log.read_text()[-3000:]
        shown = results(root)
        assert len(shown) == 1, shown
        assert "Result: Cafe with 2 votes" in shown[0], shown[0]


if __name__ == "__main__":
    _, root_arg, db_arg = sys.argv[1:]
    asyncio.run(close(root_arg, db_arg))
