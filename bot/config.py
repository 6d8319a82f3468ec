"""TOML config: the core's own [bot] section, and each platform's section handed to the
platform that declares it (`bot.plugins.platforms`). Secrets are named here (the env var)
and read from the environment only when an adapter starts; never stored or logged."""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .listen import address, clash, same_socket
from .plugins import platforms
from .timeparse import TimeParseError, zone
from .web import WebConfig


class ConfigError(ValueError):
    """A sentence naming the key and the fix."""


@dataclass(frozen=True, slots=True)
class BotConfig:
    database: str = "logoff.db"
    timezone: str = "UTC"
    command_prefix: str = "!"
    database_password_env: str | None = None  # PostgreSQL only: the variable, not the secret

    def database_password(self) -> str | None:
        """Read when the database is opened; a named variable that is unset is a config error."""
        if self.database_password_env is None:
            return None
        value = os.environ.get(self.database_password_env)
        if not value:
            shown = shown_env(self.database_password_env, "database_password_env")
            said = f"database_password_env names {shown[1:]}, which" if shown.startswith("$") else shown
            raise ConfigError(f"[bot] {said} is not set; export it with the database password")
        return value


@dataclass(frozen=True, slots=True)
class Config:
    bot: BotConfig = field(default_factory=BotConfig)
    platforms: Mapping[str, Any] = field(default_factory=dict)  # section -> its parsed config
    path: str = ""
    metrics: tuple[str, int] | None = None  # [metrics] listen: host and port
    web: WebConfig | None = None  # [web]: listen and public_url

    def startable(self) -> list[tuple[str, bool, str]]:
        """(platform, will start, why) for each configured platform."""
        known = platforms()
        return [(name, *known[name].readiness(cfg)) for name, cfg in self.platforms.items()]


_BOT_KEYS = {"database", "database_password_env", "timezone", "command_prefix"}


def string(section: Mapping[str, Any], name: str, key: str, default: str | None = None) -> str | None:
    """A string value of `[name] key`, or `default`; refuses other types with a sentence."""
    value = section.get(key, default)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"[{name}] {key} must be a string in quotes, e.g. {key} = \"...\"")
    if key in section and value is not None and not value.strip():
        # An empty value quietly becoming the default would run something nobody wrote.
        raise ConfigError(f"[{name}] {key} is empty; give it a value, or leave the key out "
                          "for its default")
    return value


def url(section: Mapping[str, Any], name: str, key: str, schemes: tuple[str, ...],
        example: str) -> str | None:
    """An absolute address of one of `schemes`, with a host and no query or fragment."""
    value = string(section, name, key)
    if value is None:
        return None
    try:  # an unclosed [ or a port that is no number
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018 -- read for its ValueError
        port_ok = True
    except ValueError:
        parts, port_ok = urlsplit(""), False
    if (parts.scheme not in schemes or not parts.hostname or not port_ok or parts.query
            or parts.fragment or any(c.isspace() for c in value.strip())):
        raise ConfigError(f"[{name}] {key} must be a {' or '.join(s + '://' for s in schemes)} "
                          f"address of a host, without ? or #, e.g. \"{example}\"; got {clip(value)!r}")
    return value.strip()


def clip(value: str, limit: int = 80) -> str:
    """A value as an error quotes it: a very long one cut, so the sentence stays readable."""
    return value if len(value) <= limit else value[:limit] + "…"


def only_keys(section: Mapping[str, Any], name: str, allowed: set[str]) -> None:
    for key in section:
        if key not in allowed:
            raise ConfigError(f"unknown key [{name}] {key}{_guess(key, allowed, '{}')}; "
                              f"allowed: {', '.join(sorted(allowed))}")


def _guess(word: str, names: Iterable[str], form: str) -> str:
    """"; did you mean …?" for a typo of one of `names`, else nothing."""
    found = difflib.get_close_matches(word.lower()[:40], sorted(names), n=1, cutoff=0.6)
    return f" (did you mean {form.format(found[0])}?)" if found else ""


_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")


def env_name(value: str | None, name: str, key: str, example: str) -> str | None:
    """An environment variable's NAME. Any name is taken, set or not: `run` starts the
    platforms whose credentials are there, so one unset name must not stop the others. Only
    a value no variable can be named (holding a NUL) is refused, without echoing it."""
    if value is not None and "\0" in value:
        raise ConfigError(f"[{name}] {key} must name an environment variable, e.g. \"{example}\", "
                          "not hold the secret: put the secret in that variable")
    return value


def shown_env(value: str, key: str) -> str:
    """The variable as a message names it: `$NAME` when it reads as a name (in capitals);
    otherwise by its key, because such a value may be the secret itself (an access token
    reads as an identifier) and a secret is never printed."""
    return f"${value}" if _ENV_NAME.fullmatch(value) else f"the variable named by {key}"


def load(path: str | Path) -> Config:
    p = Path(path)
    if not p.exists():
        raise ConfigError(
            f"no config file at {p}; copy config.example.toml to {p} and edit it, "
            "or pass --config PATH (or use `logoff try`, which needs none)"
        )
    try:
        # utf-8-sig: an editor that starts the file with a byte order mark (Notepad) wrote it.
        data = tomllib.loads(p.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{p} is not valid TOML: {e}") from e
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read {p}: {e}") from e
    return parse(data, str(p))


CORE_SECTIONS = ("bot", "metrics", "web")


_ANY_HOST = ("", "0.0.0.0", "::", "*")  # listen on every address


def web_config(section: Mapping[str, Any], *, local: bool = False) -> WebConfig:
    """`local`: for this machine's own browser (`logoff try --web`)."""
    only_keys(section, "web", {"listen", "public_url"})
    host, port = listen_address({"listen": section.get("listen")}, "web")
    public = url(section, "web", "public_url", ("https", "http"), "https://meetups.example.org")
    if public is None and host in _ANY_HOST:
        # Every card links its page at this address, and "every address" opens nothing.
        if not local:
            raise ConfigError(f"[web] listen = {address(host, port)!r} is every address of this "
                              "machine, so the cards cannot link the pages at it: add public_url, "
                              "how people reach it, e.g. public_url = \"https://meetups.example.org\"")
        public = f"http://{address('::1' if ':' in host else '127.0.0.1', port)}"
    return WebConfig(host, port, (public or f"http://{address(host, port)}").rstrip("/"))


# A name or IPv4 address, or an IPv6 address in brackets (or bare): no scheme, no spaces.
_HOST = re.compile(r"[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]+")


def listen_address(section: Mapping[str, Any], name: str) -> tuple[str, int]:
    """`listen = "host:port"` of a section that serves HTTP."""
    only_keys(section, name, {"listen"})
    value = string(section, name, "listen")
    example = f'[{name}] listen = "127.0.0.1:{9108 if name == "metrics" else 8080}"'
    if not value:
        raise ConfigError(f"[{name}] needs listen, e.g. {example}")
    host, sep, port = value.rpartition(":")
    # A port has at most 5 digits; int() refuses a very long digit string with a ValueError.
    if (not sep or not _HOST.fullmatch(host) or not port.isascii() or not port.isdigit()
            or len(port) > 5 or not 0 <= int(port) < 65536):
        raise ConfigError(f"[{name}] listen must be host:port, e.g. {example}; got {clip(value)!r}")
    return host.strip("[]"), int(port)


_SECRET_PARAMS = {"password", "sslpassword"}
# libpq's other spelling of a connection ("host=db user=logoff password=…").
_KEYWORD_DSN = re.compile(r"(?:^|\s)(?:host|hostaddr|dbname|user|password|port)\s*=", re.IGNORECASE)


def check_database(database: str, password_env: str | None, key: str = "[bot] database") -> None:
    """A PostgreSQL URL must be one asyncpg can use, and carry no password."""
    scheme = database.split("://", 1)[0].lower() if "://" in database else ""
    example = '"postgresql://logoff@db.example.org:5432/logoff"'
    if not database.strip():  # else a file with no name, which SQLite opens as a throwaway one
        raise ConfigError(f"{key} is empty; name a database file, e.g. logoff.db, or a PostgreSQL URL, "
                          f"e.g. {example}" + (", or leave --db out for a database that lasts this run only" if key == "--db" else ""))
    if database != database.strip():
        # A file named " logoff.db", or a database "logoff " that the server does not have.
        raise ConfigError(f"{key} starts or ends with a space; remove it (a {'URL' if scheme else 'file name'} "
                          "has none there)")
    if not scheme and _KEYWORD_DSN.search(database):
        # Else a file by that name, and check-config would print the password in it.
        raise ConfigError(f"{key} looks like a list of connection keywords (host=… dbname=…); "
                          f"write a PostgreSQL URL without the password instead, e.g. {example}")
    if not scheme:
        if password_env is not None:
            raise ConfigError("[bot] database_password_env is for a PostgreSQL database; "
                              f"{database!r} is a SQLite file")
        return
    if scheme not in ("postgresql", "postgres"):
        raise ConfigError(f"{key} must be a file path or a PostgreSQL URL, e.g. {example}; "
                          f"got a {scheme}:// URL")
    where = ("name that variable in database_password_env" if key.startswith("[")
             else "set PGPASSWORD")
    refused = ConfigError(f"{key} must not hold the password: put it in an environment variable "
                          f"({where})")
    # A password holding / ? or # ends urlsplit's host part early: it reads the password as the
    # port (and quotes it in its error) or its end as the path, which then holds the @.
    rest = database.split("://", 1)[1]
    try:
        parts = urlsplit(database)
        port = parts.port
    except ValueError:
        if ":" in rest.rpartition("@")[0]:
            raise refused from None
        # Its text quotes the part it could not read, which may be a secret.
        raise ConfigError(f"{key} is not a valid PostgreSQL URL: after the user@ comes host:port, "
                          "the port a number from 1 to 65535 (an IPv6 address in [brackets]), "
                          f"e.g. {example}") from None
    # asyncpg also reads a password (and a TLS key's) from the query string.
    secrets = {k for k, _ in parse_qsl(parts.query, keep_blank_values=True)} & _SECRET_PARAMS
    if parts.password or secrets or "@" in parts.path:
        raise refused
    if not parts.hostname or not parts.path.strip("/") or (port is not None and port <= 0):
        raise ConfigError(f"{key} needs a host and a database name, e.g. {example}")


def sqlite_problem(database: str) -> str | None:
    """What would stop a SQLite file from opening that can be seen without opening it."""
    if "://" in database or database == ":memory:":
        return None
    p = Path(database)  # as the store opens it: no ~ expansion
    if p.is_dir():
        return f"the database {database} is a folder; name a file in it, e.g. {p / 'logoff.db'}"
    if not p.parent.is_dir():
        return f"the folder of the database {database} does not exist; create it or choose another path"
    return None


def parse(data: Mapping[str, Any], path: str = "") -> Config:
    known = platforms()
    for section, value in data.items():
        if not isinstance(value, dict) and section not in CORE_SECTIONS and section not in known:
            raise ConfigError(f"{section} = … is outside any section; put it under the section it "
                              f"belongs to, e.g. [bot] (a key before the first [section] line is in none)")
        if section not in CORE_SECTIONS and section not in known:
            sections = ", ".join(f"[{s}]" for s in (*CORE_SECTIONS, *known))
            raise ConfigError(f"unknown section [{section}]{_guess(section, (*CORE_SECTIONS, *known), '[{}]')}; "
                              f"sections are {sections}")
        if not isinstance(value, dict):
            raise ConfigError(f"[{section}] must be a table")
    b = data.get("bot", {})
    only_keys(b, "bot", _BOT_KEYS)
    tz = string(b, "bot", "timezone", "UTC") or "UTC"
    try:
        tz = zone(tz).key  # a city ("new york") is kept as its zone's name, as `config set` keeps it
    except TimeParseError as e:
        raise ConfigError(f"[bot] timezone: {e}") from e
    prefix = string(b, "bot", "command_prefix", "!") or ""
    if not prefix or len(prefix) > 3 or any(c.isspace() for c in prefix):
        raise ConfigError("[bot] command_prefix must be 1 to 3 non-space characters, e.g. \"!\"")
    database = string(b, "bot", "database", "logoff.db") or "logoff.db"
    password_env = env_name(string(b, "bot", "database_password_env"), "bot", "database_password_env",
                            "LOGOFF_DB_PASSWORD")
    check_database(database, password_env)
    bot = BotConfig(database=database, timezone=tz, command_prefix=prefix, database_password_env=password_env)
    parsed = {name: known[name].parse(section) for name, section in data.items()
              if name not in CORE_SECTIONS}
    metrics = listen_address(data["metrics"], "metrics") if "metrics" in data else None
    web = web_config(data["web"]) if "web" in data else None
    if metrics is not None and web is not None and same_socket(metrics, (web.host, web.port)):
        raise ConfigError(f"{clash((web.host, web.port), metrics)}: one server cannot take both; "
                          "give them different ports, e.g. 8080 and 9108")
    return Config(bot=bot, platforms=parsed, path=path, metrics=metrics, web=web)
