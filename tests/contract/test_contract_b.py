"""Acceptance checks, black-box, of PRODUCT.md "Running it", "Recurring meetups", "Direct
messages", "Turnout" and "Running at scale": `logoff run`, `check-config` and `logoff try`
as processes, against the fake Discord server, a real Synapse and a real PostgreSQL.
Each test is one scenario; what the rest of the suite already checks is not repeated here.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import aiohttp
import pytest

from tests.discord_fake import FakeDiscord
from tests.matrix_harness import Synapse

pytestmark = pytest.mark.subprocess  # starts processes of its own

ROOT = Path(__file__).resolve().parents[2]
RUNNING = "logoff is running on"


def logoff(*args: str, stdin: str = "", env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- Running it -----------------------------------------------------------------------------


def test_the_example_config_would_start_both_platforms_and_shows_no_token() -> None:
    env = {"DISCORD_TOKEN": "MTA-discord-SEKRIT", "MATRIX_ACCESS_TOKEN": "syt_matrix_SEKRIT"}
    r = logoff("check-config", "--config", str(ROOT / "config.example.toml"), env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "discord: would start" in r.stdout and "matrix: would start" in r.stdout, r.stdout
    assert "SEKRIT" not in r.stdout + r.stderr


class Run:
    """`logoff run -v --config PATH` as a process; everything it prints is kept."""

    def __init__(self, config: Path, env: Mapping[str, str]) -> None:
        self.config, self.env = config, env
        self.output: list[str] = []
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", "-v", "--config", str(self.config), cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **self.env},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        assert self.proc.stdout is not None
        async for raw in self.proc.stdout:  # until it says it runs, or ends
            self.output.append(raw.decode("utf-8", "replace"))
            if RUNNING in self.output[-1]:
                return
        raise AssertionError("logoff run ended before it ran:\n" + "".join(self.output[-40:]))

    async def stop(self) -> int:
        assert self.proc is not None and self.proc.stdout is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        self.output.append((await self.proc.stdout.read()).decode("utf-8", "replace"))
        return await self.proc.wait()

    @property
    def text(self) -> str:
        return "".join(self.output)


async def healthy(http: aiohttp.ClientSession, url: str, within: float = 30) -> object:
    """/healthz once it says 200 (the platforms connect after the start is logged)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        async with http.get(url) as r:
            if r.status == 200 or asyncio.get_running_loop().time() > deadline:
                assert r.status == 200, await r.text()
                return await r.json()
        await asyncio.sleep(0.1)


async def test_run_verbose_on_both_platforms_logs_no_secret_and_serves_metrics(
        synapse: Synapse, tmp_path: Path) -> None:
    """Secrets are never logged, not even with -v: the Discord token, the Matrix password, nor
    the access token the homeserver hands out for it. `[metrics] listen` serves the families
    PRODUCT.md lists and /healthz; both shards of `shard_count = 2` connect."""
    discord_token = "MTA-discord-token-SEKRIT"
    fake = FakeDiscord(token=discord_token)
    await fake.start()
    guild = fake.add_guild("Hikers")
    fake.add_channel(guild, "general")
    account = synapse.register(password="matrix-password-SEKRIT")
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[bot]\ndatabase = "{tmp_path / "run.db"}"\n'
        f'[discord]\ntoken_env = "LOGOFF_BB_DISCORD"\napi_base = "{fake.api_base}"\n'
        f'gateway_url = "{fake.gateway_url}"\nshard_count = 2\nshards = "0-1"\n'
        f'[matrix]\nhomeserver = "{synapse.url}"\nuser_id = "{account.user_id}"\n'
        f'password_env = "LOGOFF_BB_MATRIX_PW"\ndevice_id = "LOGOFFBB"\n'
        f'[metrics]\nlisten = "127.0.0.1:{port}"\n', encoding="utf-8")
    run = Run(config, {"LOGOFF_BB_DISCORD": discord_token, "LOGOFF_BB_MATRIX_PW": account.password})
    try:
        await asyncio.wait_for(run.start(), 120)
        assert sorted(tuple(d["shard"]) for d in fake.identifies) == [(0, 2), (1, 2)]
        async with aiohttp.ClientSession() as http:
            health = await healthy(http, f"http://127.0.0.1:{port}/healthz")
            assert health == {"ok": True, "database": True, "platforms": {"discord": True, "matrix": True}}
            async with http.get(f"http://127.0.0.1:{port}/metrics") as r:
                assert r.status == 200
                body = await r.text()
    finally:
        code = await asyncio.wait_for(run.stop(), 60)
        await fake.stop()
    assert code == 0, run.text[-3000:]
    families = set(re.findall(r"^# TYPE (\S+) ", body, re.M))
    # commands, RSVPs, reminders (sent/late/skipped are outcomes of scheduled posts), platform
    # errors, queue depths
    assert {"logoff_commands_total", "logoff_rsvps_total", "logoff_jobs_total", "logoff_platform_errors_total",
            "logoff_db_write_queue", "logoff_scheduler_queue", "logoff_card_edit_queue"} <= families, families
    assert "sent" in body and "late" in body and "skipped" in body
    assert 'logoff_platform_connected{platform="matrix"} 1.0' in body
    assert "DEBUG" in run.text  # -v was on
    for secret in (discord_token, account.password, "syt_"):  # Synapse's tokens start syt_
        assert secret not in run.text, [ln for ln in run.output if secret in ln][:3]
        assert secret not in body
