"""The command line: `logoff try` from a pipe, `check-config`, and config errors (exit 2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import PIPED_BANNER
from bot.config import ConfigError, load, parse

pytestmark = pytest.mark.subprocess  # starts processes of its own

ROOT = Path(__file__).resolve().parents[2]


def logoff(*args: str, stdin: str = "", env: dict[str, str] | None = None, cwd: Path | None = None):
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True,
                          text=True, timeout=60, cwd=cwd or ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def test_help_from_a_pipe_prints_commands_and_exits_0() -> None:
    r = logoff("try", stdin="!help\n")
    assert r.returncode == 0, r.stderr
    for cmd in ("!poll create", "!event create", "!rsvp", "!offline", "!config set", "!help"):
        assert cmd in r.stdout
    assert r.stderr == PIPED_BANNER + "\n"


def test_try_keeps_the_database_with_db(tmp_path: Path) -> None:
    db = str(tmp_path / "keep.db")
    logoff("try", "--db", db, stdin='!event create Picnic when="in 72 hours"\n')
    r = logoff("try", "--db", db, stdin="!event list\n")
    assert "#1 Picnic" in r.stdout


def test_check_config(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[bot]\ntimezone = "Europe/Berlin"\n[discord]\ntoken_env = "LOGOFF_TEST_TOKEN"\n')
    r = logoff("check-config", "--config", str(cfg), env={"LOGOFF_TEST_TOKEN": "sekrit-value"})
    assert r.returncode == 0 and "discord: would start" in r.stdout
    assert "sekrit-value" not in r.stdout + r.stderr
    r = logoff("check-config", "--config", str(cfg), env={"LOGOFF_TEST_TOKEN": ""})
    assert r.returncode == 2 and "$LOGOFF_TEST_TOKEN is not set" in r.stdout


def test_example_config_is_valid() -> None:
    cfg = load(ROOT / "config.example.toml")
    assert set(cfg.platforms) == {"discord", "matrix"}


@pytest.mark.parametrize("toml, needle", [
    ("[bot]\ntimezone = 'Mars/Base'\n", "[bot] timezone"),
    ("[bot]\ndatabse = 'x'\n", "unknown key [bot] databse"),
    ("[slack]\n", "unknown section [slack]"),
    ("[matrix]\nhomeserver = 'matrix.org'\nuser_id = '@a:b'\naccess_token_env = 'T'\n", "homeserver must be a URL"),
    ("[matrix]\nhomeserver = 'https://m.org'\nuser_id = '@a:b'\n", "access_token_env"),
    ("[discord]\ntoken_env = 'abc.def-secret'\n", "must name an environment variable"),
])
def test_config_errors_name_the_key_and_fix(toml: str, needle: str) -> None:
    import tomllib

    with pytest.raises(ConfigError) as e:
        parse(tomllib.loads(toml))
    assert needle in str(e.value)


def test_missing_and_invalid_config_exit_2(tmp_path: Path) -> None:
    r = logoff("run", "--config", str(tmp_path / "nope.toml"))
    assert r.returncode == 2 and "no config file" in r.stderr and "Traceback" not in r.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text("[bot\n")
    r = logoff("run", "--config", str(bad))
    assert r.returncode == 2 and "not valid TOML" in r.stderr
    r = logoff("check-config", "--config", str(bad))
    assert r.returncode == 2
    shards = tmp_path / "shards.toml"
    shards.write_text('[discord]\nshard_count = 2\nshards = "1-2"\n')
    r = logoff("run", "--config", str(shards))
    assert r.returncode == 2 and "does not fit shard_count = 2" in r.stderr and "Traceback" not in r.stderr
    metrics = tmp_path / "metrics.toml"
    metrics.write_text('[discord]\n[metrics]\nlisten = "nowhere"\n')
    r = logoff("check-config", "--config", str(metrics))
    assert r.returncode == 2 and "[metrics] listen must be host:port" in r.stderr
