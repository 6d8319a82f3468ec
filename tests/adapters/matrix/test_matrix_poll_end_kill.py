"""A poll closed just before a kill -9, before its card's edit went out, on a real Synapse: at
the next start its native poll (MSC3381) gets its end, once, and its card shows it closed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.adapters.matrix.native_poll_events import END, bot_events, poll_card, respond
from tests.matrix_harness import BotRunner, HumanFactory, eventually, room_with, until_card
from tests.matrix_harness.faulty import FaultyProxy

REPO = Path(__file__).resolve().parents[3]
MESSAGES = r"/send/m\.room\.message/"


def _run_bot(runner: BotRunner, proxy: FaultyProxy, tmp_path: Path) -> subprocess.Popen[bytes]:
    """A real `logoff run` on the runner's database and account, through the proxy."""
    cfg = tmp_path / "logoff.toml"
    cfg.write_text(f'[bot]\ndatabase = "{runner.db_path}"\n\n[matrix]\nhomeserver = "{proxy.url}"\n'
                   f'user_id = "{runner.user_id}"\naccess_token_env = "LOGOFF_TEST_MATRIX_TOKEN"\n')
    env = {**os.environ, "LOGOFF_TEST_MATRIX_TOKEN": runner.account.access_token}
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--config", str(cfg)],
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=open(cfg.with_suffix(".log"), "ab"))  # noqa: SIM115


async def test_a_poll_closed_before_a_kill_ends_its_native_poll_once_at_the_next_start(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy, tmp_path: Path) -> None:
    proc = _run_bot(runner, proxy, tmp_path)
    try:
        alice, bob = humans("alice"), humans("bob")
        room = await room_with(runner, alice, bob)
        card, start = await poll_card(runner, alice, room, "!poll create Film? Alien | Brazil")
        await respond(bob, room, start, ["2"])
        await until_card(alice, room, runner, card, r"Brazil — 1\b")
        # The close is written; its card's edit (and the results) are on their way when it dies.
        proxy.hold("PUT", MESSAGES)
        await alice.say(room, "!poll close 1")

        async def on_the_way() -> bool:
            return bool(proxy.held)

        await eventually(on_the_way, what="the closing edit to be under way")
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
    proxy.fail("PUT", MESSAGES)  # what was held never lands: the process that sent it is gone
    proxy.release()
    proxy.heal()
    assert await bot_events(alice, room, runner, END) == []

    await runner.start()

    async def ends() -> list[dict[str, Any]]:
        return await bot_events(alice, room, runner, END)

    [the_end] = await eventually(ends, what="the native poll's end")
    assert the_end["content"]["m.relates_to"]["event_id"] == start
    await until_card(alice, room, runner, card, r"\(closed\)", r"Brazil — 1\b")
    await runner.restart()
    await runner.idle()
    assert len(await ends()) == 1
