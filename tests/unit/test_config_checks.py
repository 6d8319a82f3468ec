"""What `check-config` and `run` say about a config file that reads but would not work as
written (PRODUCT.md "Running it", "Running at scale"): each is refused or explained before
anything starts, with exit code 2, and no secret is printed."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.config import ConfigError, parse
from tests.unit.test_cli import logoff

pytestmark = pytest.mark.subprocess  # starts processes of its own

TOKEN = {"LOGOFF_TEST_TOKEN": "sekrit-value"}
DISCORD = '[discord]\ntoken_env = "LOGOFF_TEST_TOKEN"\n'


def check(tmp_path: Path, toml: str, env: dict[str, str] | None = None, *, raw: bytes | None = None):
    path = tmp_path / "config.toml"
    path.write_bytes(raw if raw is not None else toml.encode())
    return logoff("check-config", "--config", str(path), env=env or TOKEN)


@pytest.mark.parametrize("metrics, web, said", [
    ("127.0.0.1:9108", "127.0.0.1:9108", "[web] listen and [metrics] listen are both 127.0.0.1:9108"),
    # All addresses take the port on loopback too; the message names each as written.
    ("0.0.0.0:9108", "127.0.0.1:9108", "[web] listen 127.0.0.1:9108 and [metrics] listen 0.0.0.0:9108 "
     "take the same port (0.0.0.0:9108 is every address)"),
    ("[::]:8080", "[::1]:8080", "[web] listen [::1]:8080 and [metrics] listen [::]:8080 take the same port "
     "([::]:8080 is every address, IPv4 and IPv6)"),
    ("[::]:8080", "127.0.0.1:8080", "[web] listen 127.0.0.1:8080 and [metrics] listen [::]:8080"),  # dual-stack
    # A name and the address it is: the second bind would fail in `run`.
    ("localhost:8080", "127.0.0.1:8080", "[web] listen 127.0.0.1:8080 and [metrics] listen localhost:8080 "
     "take the same port (localhost is 127.0.0.1 on this machine)"),
    ("127.0.0.1:9108", "LocalHost:9108", "[web] listen LocalHost:9108 and [metrics] listen 127.0.0.1:9108 "
     "take the same port (LocalHost is 127.0.0.1 on this machine)"),
])
def test_web_and_metrics_on_one_address_are_refused_before_start(tmp_path: Path, metrics: str,
                                                                 web: str, said: str) -> None:
    r = check(tmp_path, f'{DISCORD}[metrics]\nlisten = "{metrics}"\n[web]\nlisten = "{web}"\n')
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stdout + r.stderr
    assert said in r.stderr and "different ports" in r.stderr, r.stderr
    assert "is valid" not in r.stdout
    # Different ports, or different addresses of one port, are fine.
    parse(tomllib.loads('[metrics]\nlisten = "127.0.0.1:9108"\n[web]\nlisten = "127.0.0.1:8080"\n'))
    parse(tomllib.loads('[metrics]\nlisten = "127.0.0.1:9108"\n[web]\nlisten = "127.0.0.2:9108"\n'))
    parse(tomllib.loads('[metrics]\nlisten = "localhost:9108"\n[web]\nlisten = "127.0.0.1:8080"\n'))


def test_a_keyword_connection_string_is_refused_and_its_password_not_printed(tmp_path: Path) -> None:
    """libpq's `host=… password=…` is no file name: it would have become a SQLite file named
    with the password, which check-config then printed."""
    r = check(tmp_path, '[bot]\ndatabase = "host=db.example.org user=logoff password=HUNTER2 dbname=x"\n'
              + DISCORD)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "[bot] database looks like a list of connection keywords" in r.stderr
    assert "postgresql://" in r.stderr and "HUNTER2" not in r.stdout + r.stderr
    # A file path with an equals sign in a folder name is still a file.
    assert parse({"bot": {"database": "/srv/a=b/logoff.db"}}).bot.database == "/srv/a=b/logoff.db"


def test_a_city_as_the_default_timezone_is_kept_as_its_zone_name(tmp_path: Path) -> None:
    """`config set timezone new york` keeps America/New_York; the default of a new space, from
    the config or from `try --timezone`, is kept the same way, not as the words typed."""
    r = check(tmp_path, f'[bot]\ntimezone = "new york"\n{DISCORD}')
    assert r.returncode == 0 and "timezone: America/New_York;" in r.stdout, r.stdout + r.stderr
    r = logoff("try", "--timezone", "new york", stdin=":as mo mod\n!config show\n")
    assert r.returncode == 0, r.stderr
    assert "timezone = America/New_York (default)" in r.stdout, r.stdout


def test_check_config_says_on_stderr_why_run_would_stop(tmp_path: Path) -> None:
    r = check(tmp_path, DISCORD, env={"LOGOFF_TEST_TOKEN": ""})
    assert r.returncode == 2
    assert "`logoff run` would stop here: no platform can start: discord: $LOGOFF_TEST_TOKEN is " \
           "not set" in r.stderr, r.stderr
    path = tmp_path / "config.toml"
    r = logoff("run", "--config", str(path), env={"LOGOFF_TEST_TOKEN": ""})
    # The section is there: the fix is the variable, not "add a [discord] section".
    assert r.returncode == 2 and "no platform can start: discord: $LOGOFF_TEST_TOKEN is not set" \
        in r.stderr and "add a" not in r.stderr, r.stderr
    r = check(tmp_path, '[bot]\ntimezone = "UTC"\n')
    assert r.returncode == 2 and "add a [discord] or [matrix] section" in r.stderr, r.stderr


def test_a_file_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    r = check(tmp_path, "", raw=b"\xef\xbb\xbf" + DISCORD.encode())
    assert r.returncode == 0 and "discord: would start" in r.stdout, r.stdout + r.stderr


def test_a_key_before_the_first_section_is_named_as_a_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"database = … is outside any section; put it under"):
        parse(tomllib.loads('database = "x.db"\n[bot]\n'))
    with pytest.raises(ConfigError, match=r"unknown section \[discrod\]"):
        parse(tomllib.loads('[discrod]\ntoken_env = "X"\n'))


@pytest.mark.parametrize("toml, said", [
    ('[discrod]\ntoken_env = "X"\n', "unknown section [discrod] (did you mean [discord]?); sections are"),
    ('[metric]\nlisten = "127.0.0.1:9108"\n', "unknown section [metric] (did you mean [metrics]?)"),
    ('[discord]\ntokn_env = "X"\n', "unknown key [discord] tokn_env (did you mean token_env?); allowed:"),
    ('[bot]\ntimezon = "UTC"\n', "unknown key [bot] timezon (did you mean timezone?); allowed:"),
    ('[slack]\n', "unknown section [slack]; sections are"),  # nothing close: no guess
])
def test_a_typo_in_a_section_or_key_name_gets_the_name_meant(toml: str, said: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse(tomllib.loads(toml))
    assert said in str(e.value)


def test_an_ipv6_listen_address_is_printed_as_it_is_written(tmp_path: Path) -> None:
    r = check(tmp_path, f'{DISCORD}[metrics]\nlisten = "[::1]:9108"\n[web]\nlisten = "[::1]:8080"\n')
    assert r.returncode == 0, r.stdout + r.stderr
    assert "metrics and /healthz: would listen on [::1]:9108" in r.stdout
    # With no public_url, the cards link the listen address: a URL, brackets and all.
    assert "web pages and calendar feed: would listen on [::1]:8080, linked as http://[::1]:8080" \
        in r.stdout, r.stdout


def test_a_secret_written_where_its_variables_name_goes_is_never_printed(tmp_path: Path) -> None:
    """A Matrix access token reads as an identifier; check-config used to print it back as the
    name of a variable that is not set. A value not in capitals is named by its key."""
    token = "syt_bG9nb2Zm_XsPdQwErTyUiOpAsDfGh_2b7Kq9"
    r = check(tmp_path, '[matrix]\nhomeserver = "https://m.example.org"\nuser_id = "@logoff:example.org"\n'
              f'access_token_env = "{token}"\n')
    assert r.returncode == 2 and token not in r.stdout + r.stderr, r.stdout + r.stderr
    assert "matrix: would NOT start (the variable named by access_token_env is not set)" in r.stdout
    r = logoff("run", "--config", str(tmp_path / "config.toml"))
    assert r.returncode == 2 and token not in r.stdout + r.stderr, r.stderr
    # A name in other than capitals is taken when it is set: then it is a name.
    r = check(tmp_path, f'{DISCORD.replace("LOGOFF_TEST_TOKEN", "logoff_test_token")}',
              env={"logoff_test_token": "sekrit-value"})
    assert r.returncode == 0 and "discord: would start" in r.stdout, r.stdout + r.stderr


def test_an_unset_lowercase_variable_name_stops_only_its_own_platform(tmp_path: Path) -> None:
    """`run` starts the platforms whose credentials are there: Discord's token is set, so an
    unset (or mistyped) name for Matrix's must not refuse the whole config."""
    r = check(tmp_path, '[discord]\ntoken_env = "discord_token"\n[matrix]\nhomeserver = "https://m.example.org"\n'
              'user_id = "@logoff:example.org"\naccess_token_env = "matrix_token"\n',
              env={"discord_token": "x"})
    assert r.returncode == 0, r.stdout + r.stderr
    assert "discord: would start (token found)" in r.stdout
    assert "matrix: would NOT start (the variable named by access_token_env is not set)" in r.stdout
    assert "matrix_token" not in r.stdout + r.stderr


def test_check_config_finds_a_database_file_run_could_not_open(tmp_path: Path) -> None:
    """`run` stops (exit 3) at a database whose folder is missing or that is a folder: the
    check says so before, with exit 2."""
    missing = tmp_path / "no-such-folder" / "logoff.db"
    r = check(tmp_path, f'[bot]\ndatabase = "{missing}"\n{DISCORD}')
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"the folder of the database {missing} does not exist" in r.stdout + r.stderr
    run = logoff("run", "--config", str(tmp_path / "config.toml"), env=TOKEN)
    assert run.returncode == 3 and f"the folder of the database {missing} does not exist" in run.stderr
    r = check(tmp_path, f'[bot]\ndatabase = "{tmp_path}"\n{DISCORD}')
    assert r.returncode == 2 and "is a folder; name a file in it" in r.stderr, r.stdout + r.stderr
    r = check(tmp_path, f'[bot]\ndatabase = "{tmp_path / "new.db"}"\n{DISCORD}')
    assert r.returncode == 0 and "would NOT open" not in r.stdout, r.stdout + r.stderr


def test_web_on_every_address_needs_the_public_url_its_cards_link(tmp_path: Path) -> None:
    """`listen = "0.0.0.0:8080"` alone made every card link http://0.0.0.0:8080/e/…, which
    opens nothing on a phone."""
    r = check(tmp_path, f'{DISCORD}[web]\nlisten = "0.0.0.0:8080"\n')
    assert r.returncode == 2 and "[web] listen = '0.0.0.0:8080' is every address" in r.stderr, \
        r.stdout + r.stderr
    assert "add public_url" in r.stderr
    r = check(tmp_path, f'{DISCORD}[web]\nlisten = "0.0.0.0:8080"\npublic_url = "https://ex.org"\n')
    assert r.returncode == 0 and "linked as https://ex.org" in r.stdout, r.stdout + r.stderr
    # `try --web` is for this machine's browser: its cards link loopback.
    r = logoff("try", "--web", "0.0.0.0:0", stdin='!event create Picnic when="2030-06-01 12:00"\n')
    assert r.returncode == 0, r.stderr
    assert "🔗 http://127.0.0.1:" in r.stdout and "0.0.0.0" not in r.stdout, r.stdout


@pytest.mark.parametrize("database", [" logoff.db", "logoff.db ", "postgresql://u@db.example.org/logoff "])
def test_a_database_with_a_space_at_either_end_is_refused(tmp_path: Path, database: str) -> None:
    """It made a file whose name starts or ends with a space, or asked the server for a database
    named with one."""
    r = check(tmp_path, f'[bot]\ndatabase = "{database}"\n{DISCORD}')
    assert r.returncode == 2 and "[bot] database starts or ends with a space; remove it" in r.stderr, \
        r.stdout + r.stderr
    r = logoff("try", "--db", database, stdin="!help\n")
    assert r.returncode == 2 and "--db starts or ends with a space" in r.stderr, r.stdout + r.stderr


@pytest.mark.parametrize("web, metrics", [("0.0.0.0:8080", "[::1]:8080"), ("127.0.0.1:8080", "[::1]:8080")])
def test_an_ipv4_and_an_ipv6_address_of_one_port_are_both_taken(web: str, metrics: str) -> None:
    """Linux binds 0.0.0.0 and [::1] on one port side by side: only `::` takes IPv4 as well."""
    cfg = parse(tomllib.loads(f'[metrics]\nlisten = "{metrics}"\n[web]\nlisten = "{web}"\n'
                              'public_url = "https://meetups.example.org"\n'))
    assert cfg.metrics == ("::1", 8080) and cfg.web is not None and cfg.web.port == 8080
