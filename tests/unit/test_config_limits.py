"""What `check-config` and `logoff try` say about a database URL holding a password that is
no plain word, a homeserver with no host, and a number too long to be one (PRODUCT.md
"Running it", "Running at scale"): a config error (exit 2) in a sentence, never a traceback,
and never the password."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.config import ConfigError, check_database, parse
from tests.unit.test_cli import logoff
from tests.unit.test_config_checks import DISCORD, check

pytestmark = pytest.mark.subprocess  # starts processes of its own

LONG = "9" * 5000  # longer than int() reads


@pytest.mark.parametrize("password, part", [
    ("hunter2/x", "hunter2"),  # urlsplit read the password as the port, and quoted it
    ("4242/zz", "4242/zz"),  # a port it could read: accepted, and printed whole
    ("s3cr#t", "s3cr"),
    ("zq9x?ret", "zq9x"),
])
def test_a_database_password_with_a_slash_hash_or_question_mark_is_refused_unprinted(
        tmp_path: Path, password: str, part: str) -> None:
    url = f"postgresql://logoff:{password}@db.example.org:5432/logoff"
    r = check(tmp_path, f'[bot]\ndatabase = "{url}"\n{DISCORD}')
    assert r.returncode == 2, r.stdout + r.stderr
    assert "[bot] database must not hold the password" in r.stderr, r.stderr
    assert part not in r.stdout + r.stderr
    r = logoff("try", "--db", url)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "--db must not hold the password" in r.stderr and "set PGPASSWORD" in r.stderr, r.stderr
    assert part not in r.stdout + r.stderr


def test_check_config_shows_a_database_url_as_a_log_line_does(tmp_path: Path) -> None:
    """Printed as the store names it in its errors, not as written: a URL's query may carry
    a setting nobody wants in a pasted output, and the password never gets this far."""
    r = check(tmp_path, '[bot]\ndatabase = "postgresql://logoff@db.example.org:5432/logoff?sslmode=require"\n'
              + DISCORD)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "database: postgresql://logoff@db.example.org:5432/logoff; timezone: UTC" in r.stdout


def test_a_port_that_is_no_number_is_refused_without_quoting_the_url(tmp_path: Path) -> None:
    r = check(tmp_path, '[bot]\ndatabase = "postgresql://logoff@db.example.org:pg5/logoff"\n' + DISCORD)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "[bot] database is not a valid PostgreSQL URL" in r.stderr and "pg5" not in r.stderr


@pytest.mark.parametrize("homeserver", ["https://", "https:// ", "https://matrix example.org",
                                        "https://:8448", "https://matrix.example.org:port"])
def test_a_homeserver_without_a_host_is_a_config_error(tmp_path: Path, homeserver: str) -> None:
    """Else check-config passed it and `run` stopped with a connection error (exit 4)."""
    r = check(tmp_path, f'[matrix]\nhomeserver = "{homeserver}"\nuser_id = "@logoff:example.org"\n'
              'access_token_env = "LOGOFF_TEST_TOKEN"\n')
    assert r.returncode == 2, r.stdout + r.stderr
    assert "[matrix] homeserver must be a https:// or http:// address of a host" in r.stderr, r.stderr
    assert "is valid" not in r.stdout


@pytest.mark.parametrize("toml, said", [
    (f'{DISCORD}shard_count = 4\nshards = "{LONG}"\n', "[discord] shards = '9999"),
    (f'{DISCORD}shard_count = 4\nshards = "0-{LONG}"\n', "does not fit shard_count = 4"),
    (f'{DISCORD}[metrics]\nlisten = "127.0.0.1:{LONG}"\n', "[metrics] listen must be host:port"),
    (f'{DISCORD}[web]\nlisten = "127.0.0.1:{LONG}"\n', "[web] listen must be host:port"),
], ids=["shards", "shards-range", "metrics-listen", "web-listen"])
def test_a_very_long_number_is_a_config_error_not_a_traceback(tmp_path: Path, toml: str, said: str) -> None:
    r = check(tmp_path, toml)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr[-300:]
    assert said in r.stderr and len(r.stderr) < 400, r.stderr[:400]  # the value is cut, not echoed whole


def test_try_web_with_a_very_long_port_is_a_config_error(tmp_path: Path) -> None:
    r = logoff("try", "--web", f"127.0.0.1:{LONG}")
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr[-300:]
    assert "--web must be host:port, e.g. --web 127.0.0.1:8080" in r.stderr


@pytest.mark.parametrize("url", [
    "postgresql://logoff@db.example.org:5432/logoff?application_name=logoff@prod",
    "postgresql://db.example.org:5432/app?user=logoff@tenant",
])
def test_an_at_in_the_query_is_no_password(url: str) -> None:
    """Only a user part holds a password: an @ in a query value, with a port, is not one."""
    check_database(url, None)  # raises ConfigError if refused


@pytest.mark.parametrize("homeserver", ["https://[matrix.example.org", "http://[::1:8008"])
def test_a_homeserver_with_an_unclosed_bracket_is_a_config_error(homeserver: str) -> None:
    toml = f"[matrix]\nhomeserver = '{homeserver}'\nuser_id = '@a:b'\naccess_token_env = 'T'\n"
    with pytest.raises(ConfigError, match="homeserver"):
        parse(tomllib.loads(toml))
