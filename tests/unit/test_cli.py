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


def test_console_usage_mistakes_say_what_was_wrong_and_change_nothing() -> None:
    r = logoff("try", stdin=":as\n:react m1\n:react m1 ✅ extra\n:wait\n!event list\n")
    assert r.returncode == 0, r.stderr
    notes = [x for x in r.stdout.splitlines() if x.startswith("* ⚠️")]
    assert len(notes) == 4, r.stdout
    assert ":as bob" in notes[0]
    assert "a message and an emoji" in notes[1] and "got 1 word (m1)" in notes[1]
    assert "got 3 words" in notes[2]
    assert ":wait 2h" in notes[3]
    assert "No upcoming events" in r.stdout


@pytest.mark.parametrize("db, needle", [
    ("mysql://x/y", "--db must be a file path or a PostgreSQL URL"),
    ("postgresql://u:HUNTER2-SECRET@127.0.0.1:5/x", "must not hold the password"),
    ("postgresql://u@127.0.0.1:5/x?password=HUNTER2-SECRET", "must not hold the password"),
    ("postgresql://u@127.0.0.1:5/x?sslmode=require&sslpassword=HUNTER2", "must not hold the password"),
])
def test_try_refuses_a_database_url_run_would_refuse(db: str, needle: str) -> None:
    r = logoff("try", "--db", db, stdin="!help\n")
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert needle in r.stderr and "HUNTER2" not in r.stdout + r.stderr


def test_try_web_on_a_taken_port_is_one_line_and_exit_2() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = logoff("try", "--web", f"127.0.0.1:{port}", stdin="!help\n")
    assert r.returncode == 2, r.stderr
    assert f"--web: cannot listen on 127.0.0.1:{port}" in r.stderr
    assert "Traceback" not in r.stderr


def test_try_web_that_is_no_address_names_the_option_typed() -> None:
    r = logoff("try", "--web", "nonsense", stdin="!help\n")
    assert r.returncode == 2, r.stderr
    assert "--web must be host:port, e.g. --web 127.0.0.1:8080; got 'nonsense'" in r.stderr, r.stderr
    assert "[web]" not in r.stderr and "Traceback" not in r.stderr


def test_bytes_that_are_not_utf8_are_text_not_an_internal_error() -> None:
    r = subprocess.run([sys.executable, "-m", "bot.cli", "try"], capture_output=True, timeout=60, cwd=ROOT,
                       input=b'!event create \xc3 Picnic when="tomorrow 7pm"\n:as \xff\n!rsvp 1 going\n',
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    out = r.stdout.decode("utf-8")
    assert r.returncode == 0, r.stderr
    assert "\ufffd Picnic #1" in out and "You're going to \ufffd Picnic #1" in out, out
    assert "went wrong" not in out


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
    assert "would listen" not in r.stdout
    cfg.write_text(cfg.read_text() + '[web]\nlisten = "127.0.0.1:8080"\npublic_url = "https://ex.org/logoff"\n'
                   '[metrics]\nlisten = "127.0.0.1:9108"\n')
    r = logoff("check-config", "--config", str(cfg), env={"LOGOFF_TEST_TOKEN": "sekrit-value"})
    assert r.returncode == 0, r.stdout + r.stderr
    assert "web pages and calendar feed: would listen on 127.0.0.1:8080, linked as https://ex.org/logoff" in r.stdout
    assert "metrics and /healthz: would listen on 127.0.0.1:9108" in r.stdout


def test_check_config_says_when_the_database_password_is_missing(tmp_path: Path) -> None:
    """`run` stops at a database_password_env that is not set (exit 2): so does the check."""
    cfg = tmp_path / "config.toml"
    cfg.write_text('[bot]\ndatabase = "postgresql://logoff@db.example.org:5432/logoff"\n'
                   'database_password_env = "LOGOFF_TEST_DB_PW"\n'
                   '[discord]\ntoken_env = "LOGOFF_TEST_TOKEN"\n')
    env = {"LOGOFF_TEST_TOKEN": "sekrit-value", "LOGOFF_TEST_DB_PW": ""}
    r = logoff("check-config", "--config", str(cfg), env=env)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "database password: NOT found in $LOGOFF_TEST_DB_PW" in r.stdout
    r = logoff("check-config", "--config", str(cfg), env={**env, "LOGOFF_TEST_DB_PW": "PGSECRET-x"})
    assert r.returncode == 0, r.stdout + r.stderr
    assert "database password: found in $LOGOFF_TEST_DB_PW" in r.stdout
    assert "PGSECRET" not in r.stdout + r.stderr


def test_try_db_postgresql_urls_a_server_refuses_are_one_line(postgres) -> None:  # type: ignore[no-untyped-def]
    """An option in the URL the server does not know, or a user that may not create the
    tables, stop the start with one line (exit 3); a scheme in capitals is still PostgreSQL."""
    url = postgres.fresh_url()
    r = logoff("try", "--db", url + "?no_such_setting=1", stdin="!event list\n")
    assert r.returncode == 3, r.stderr
    assert "refused the connection" in r.stderr and "Traceback" not in r.stderr
    r = logoff("try", "--db", url + "?sslmode=bogus", stdin="!event list\n")
    assert r.returncode == 3 and "the URL's options are wrong" in r.stderr, r.stderr
    assert "is it running" not in r.stderr
    postgres.execute("CREATE ROLE cli_not_owner LOGIN")
    try:
        r = logoff("try", "--db", url.replace("//postgres@", "//cli_not_owner@"), stdin="!event list\n")
        assert r.returncode == 3, r.stderr
        assert "must be able to create its tables" in r.stderr and "Traceback" not in r.stderr
    finally:
        postgres.execute("DROP OWNED BY cli_not_owner; DROP ROLE cli_not_owner", url.rsplit("/", 1)[1])
    r = logoff("try", "--db", url.replace("postgresql://", "PostgreSQL://"), stdin="!event list\n")
    assert r.returncode == 0 and "No upcoming events" in r.stdout, r.stderr


def test_example_config_is_valid() -> None:
    cfg = load(ROOT / "config.example.toml")
    assert set(cfg.platforms) == {"discord", "matrix"}


@pytest.mark.parametrize("toml, needle", [
    ("[bot]\ntimezone = 'Mars/Base'\n", "[bot] timezone"),
    ("[bot]\ndatabse = 'x'\n", "unknown key [bot] databse"),
    ("[slack]\n", "unknown section [slack]"),
    ("[matrix]\nhomeserver = 'matrix.org'\nuser_id = '@a:b'\naccess_token_env = 'T'\n", "[matrix] homeserver must be a https://"),
    ("[matrix]\nhomeserver = 'https://m.org'\nuser_id = '@a:b'\n", "access_token_env"),
    ("[discord]\ntoken_env = \"a\\u0000b\"\n", "must name an environment variable"),  # no variable can be so named
    ("[bot]\ntimezone = ''\n", "[bot] timezone is empty"),
    ("[bot]\ndatabase = '  '\n", "[bot] database is empty"),
    ("[matrix]\nhomeserver = 'https://m.org'\nuser_id = '@a:b'\naccess_token_env = 'T'\ndevice_id = ''\n",
     "[matrix] device_id is empty"),
    ("[discord]\ntoken_env = 'T'\napi_base = 'not a url'\n", "[discord] api_base must be a http:// or https://"),
    ("[discord]\ntoken_env = 'T'\ngateway_url = 'http://x/gateway'\n", "[discord] gateway_url must be a ws://"),
    ("[web]\nlisten = '127.0.0.1:8080'\npublic_url = 'https://ex.org/p?x=1#f'\n", "without ? or #"),
    ("[web]\nlisten = '127.0.0.1:8080'\npublic_url = ''\n", "[web] public_url is empty"),
    ("[bot]\ndatabase = 'postgresql://u@h/db?password=HUNTER2'\n", "[bot] database must not hold the password"),
    ("[metrics]\nlisten = 'http://127.0.0.1:9108'\n", "[metrics] listen must be host:port"),
    ("[metrics]\nlisten = ' 127.0.0.1:9108'\n", "[metrics] listen must be host:port"),
    ("[web]\nlisten = 'my host:8080'\n", "[web] listen must be host:port"),
    ("[discord]\nshard_count = 4\nshards = '0-\u00b2'\n", "[discord] shards must be a range"),
    ("[discord]\nshard_count = 4\nshards = '\u00b2'\n", "[discord] shards must be a range"),
    ("[discord]\nmessage_content = 'true'\n", "[discord] message_content must be true or false, without "
     "quotes, e.g. message_content = true; got 'true'"),
    ("[discord]\nmessage_content = 1\n", "[discord] message_content must be true or false"),
    ("[discord]\nmessage_contents = true\n", "unknown key [discord] message_contents (did you mean "
     "message_content?); allowed: api_base, gateway_url, message_content,"),
])
def test_config_errors_name_the_key_and_fix(toml: str, needle: str) -> None:
    import tomllib

    with pytest.raises(ConfigError) as e:
        parse(tomllib.loads(toml))
    assert needle in str(e.value)


def test_discord_message_content_is_off_unless_set_and_check_config_says_so(tmp_path: Path) -> None:
    import tomllib

    assert not parse(tomllib.loads("[discord]\n")).platforms["discord"].message_content
    cfg = parse(tomllib.loads("[discord]\nmessage_content = true\n")).platforms["discord"]
    assert cfg.message_content
    path = tmp_path / "config.toml"
    path.write_text('[discord]\ntoken_env = "LOGOFF_TEST_TOKEN"\nmessage_content = true\n')
    r = logoff("check-config", "--config", str(path), env={"LOGOFF_TEST_TOKEN": "sekrit-value"})
    assert r.returncode == 0 and "discord: would start (token found; asks for the Message Content intent)" \
        in r.stdout, r.stdout + r.stderr
    path.write_text('[discord]\nmessage_content = "yes"\n')
    r = logoff("check-config", "--config", str(path))
    assert r.returncode == 2 and "[discord] message_content must be true or false" in r.stderr


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
