"""TOML config -> dataclasses. Secrets are named here (the env var) and read from the
environment only when an adapter starts; they are never stored or logged."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .timeparse import TimeParseError, zone


class ConfigError(ValueError):
    """A sentence naming the key and the fix."""


@dataclass(frozen=True, slots=True)
class BotConfig:
    database: str = "logoff.db"
    timezone: str = "UTC"
    command_prefix: str = "!"


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    token_env: str = "DISCORD_TOKEN"
    api_base: str | None = None
    gateway_url: str | None = None

    def token(self) -> str | None:
        return os.environ.get(self.token_env) or None


@dataclass(frozen=True, slots=True)
class MatrixConfig:
    homeserver: str
    user_id: str
    access_token_env: str | None = None
    password_env: str | None = None
    device_id: str = "LOGOFF"

    def access_token(self) -> str | None:
        return os.environ.get(self.access_token_env) if self.access_token_env else None

    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None


@dataclass(frozen=True, slots=True)
class Config:
    bot: BotConfig = field(default_factory=BotConfig)
    discord: DiscordConfig | None = None
    matrix: MatrixConfig | None = None
    path: str = ""

    def startable(self) -> list[tuple[str, bool, str]]:
        """(platform, will start, why) for each configured platform."""
        out = []
        if self.discord:
            ok = self.discord.token() is not None
            out.append(("discord", ok, "token found" if ok else f"${self.discord.token_env} is not set"))
        if self.matrix:
            m = self.matrix
            if m.access_token():
                out.append(("matrix", True, "access token found"))
            elif m.password():
                out.append(("matrix", True, "password found"))
            else:
                names = " or ".join(f"${n}" for n in (m.access_token_env, m.password_env) if n)
                out.append(("matrix", False, f"{names} is not set"))
        return out


_KNOWN = {
    "bot": {"database", "timezone", "command_prefix"},
    "discord": {"token_env", "api_base", "gateway_url"},
    "matrix": {"homeserver", "user_id", "access_token_env", "password_env", "device_id"},
}


def _str(section: dict[str, Any], name: str, key: str, default: str | None = None) -> str | None:
    value = section.get(key, default)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"[{name}] {key} must be a string in quotes, e.g. {key} = \"...\"")
    return value


def load(path: str | Path) -> Config:
    p = Path(path)
    if not p.exists():
        raise ConfigError(
            f"no config file at {p}; copy config.example.toml to {p} and edit it, "
            "or pass --config PATH (or use `logoff try`, which needs none)"
        )
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{p} is not valid TOML: {e}") from e
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read {p}: {e}") from e
    return parse(data, str(p))


def parse(data: dict[str, Any], path: str = "") -> Config:
    for section, value in data.items():
        if section not in _KNOWN:
            raise ConfigError(f"unknown section [{section}]; sections are [bot], [discord], [matrix]")
        if not isinstance(value, dict):
            raise ConfigError(f"[{section}] must be a table")
        for key in value:
            if key not in _KNOWN[section]:
                raise ConfigError(
                    f"unknown key [{section}] {key}; allowed: {', '.join(sorted(_KNOWN[section]))}")

    b = data.get("bot", {})
    tz = _str(b, "bot", "timezone", "UTC") or "UTC"
    try:
        zone(tz)
    except TimeParseError as e:
        raise ConfigError(f"[bot] timezone: {e}") from e
    prefix = _str(b, "bot", "command_prefix", "!") or ""
    if not prefix or len(prefix) > 3 or any(c.isspace() for c in prefix):
        raise ConfigError("[bot] command_prefix must be 1 to 3 non-space characters, e.g. \"!\"")
    bot = BotConfig(database=_str(b, "bot", "database", "logoff.db") or "logoff.db",
                    timezone=tz, command_prefix=prefix)

    discord = None
    if "discord" in data:
        d = data["discord"]
        token_env = _str(d, "discord", "token_env", "DISCORD_TOKEN") or ""
        if not token_env.isidentifier():
            raise ConfigError("[discord] token_env must name an environment variable, e.g. \"DISCORD_TOKEN\"")
        discord = DiscordConfig(token_env=token_env, api_base=_str(d, "discord", "api_base"),
                                gateway_url=_str(d, "discord", "gateway_url"))

    matrix = None
    if "matrix" in data:
        m = data["matrix"]
        hs = _str(m, "matrix", "homeserver")
        if not hs or not hs.startswith(("http://", "https://")):
            raise ConfigError("[matrix] homeserver must be a URL, e.g. \"https://matrix.example.org\"")
        uid = _str(m, "matrix", "user_id")
        if not uid or not uid.startswith("@") or ":" not in uid:
            raise ConfigError("[matrix] user_id must be a full Matrix id, e.g. \"@logoff:example.org\"")
        at_env = _str(m, "matrix", "access_token_env")
        pw_env = _str(m, "matrix", "password_env")
        if not at_env and not pw_env:
            raise ConfigError("[matrix] needs access_token_env (or password_env): the NAME of the "
                              "environment variable holding the secret, e.g. \"MATRIX_ACCESS_TOKEN\"")
        for key, env in (("access_token_env", at_env), ("password_env", pw_env)):
            if env and not env.isidentifier():
                raise ConfigError(f"[matrix] {key} must name an environment variable, not hold the secret")
        matrix = MatrixConfig(homeserver=hs.rstrip("/"), user_id=uid, access_token_env=at_env,
                              password_env=pw_env,
                              device_id=_str(m, "matrix", "device_id", "LOGOFF") or "LOGOFF")
    return Config(bot=bot, discord=discord, matrix=matrix, path=path)
