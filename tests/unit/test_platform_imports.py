"""A process imports the library of the platforms it runs, not of every installed one: the
core lists all platforms (config sections, the settings known in every space), and a
Matrix-only bot carried discord.py (about 9 MiB resident), a Discord-only one matrix-nio."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess  # a fresh interpreter: sys.modules as `logoff run` has it

ROOT = Path(__file__).resolve().parents[2]

# `logoff run CONFIG` up to the start: the config is read and the bot built with its adapters.
BUILD = """
import asyncio, sys
from bot.cli import build_from_config
from bot.config import load

async def main() -> None:
    bot = await build_from_config(load(sys.argv[1]))
    print(",".join(sorted(bot.adapters)))
    print(",".join(lib for lib in ("discord", "nio") if lib in sys.modules))
    await bot.db.close()

asyncio.run(main())
"""

SECTIONS = {
    "matrix": '[matrix]\nhomeserver = "http://127.0.0.1:9"\nuser_id = "@logoff:localhost"\n'
              'access_token_env = "LOGOFF_TEST_MATRIX_TOKEN"\n',
    "discord": '[discord]\ntoken_env = "LOGOFF_TEST_DISCORD_TOKEN"\n',
}


@pytest.mark.parametrize("platform, library", [("matrix", "nio"), ("discord", "discord")])
def test_a_bot_on_one_platform_imports_only_that_platforms_library(
        tmp_path: Path, platform: str, library: str) -> None:
    config = tmp_path / "logoff.toml"
    config.write_text(f'[bot]\ndatabase = "{tmp_path / "logoff.db"}"\n\n{SECTIONS[platform]}')
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "LOGOFF_TEST_MATRIX_TOKEN": "t", "LOGOFF_TEST_DISCORD_TOKEN": "t"}
    r = subprocess.run([sys.executable, "-c", BUILD, str(config)], capture_output=True, text=True,
                       timeout=60, cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    adapters, libraries = r.stdout.splitlines()
    assert adapters == platform
    assert libraries == library
