"""The [matrix] section: homeserver, the bot's user id, and the env var holding its
access token (or its password, after which logoff keeps the device it logged in as)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.config import ConfigError, env_name, only_keys, shown_env, string, url

SECTION = "matrix"
KEYS = {"homeserver", "user_id", "access_token_env", "password_env", "device_id", "bridge_puppets",
        "key_store"}
# The users a Discord bridge makes for Discord people: matrix-appservice-discord's and
# mautrix-discord's default namespaces. Their copies of logoff's cards and their reactions on
# its cards are echoes of what happened on Discord, where logoff counts it already.
BRIDGE_PUPPETS = ("@_discord_*", "@discord_*")


@dataclass(frozen=True, slots=True)
class MatrixConfig:
    homeserver: str
    user_id: str
    access_token_env: str | None = None
    password_env: str | None = None
    device_id: str = "LOGOFF"
    bridge_puppets: tuple[str, ...] = BRIDGE_PUPPETS
    # The folder of the encryption keys; by default next to a SQLite database, or
    # ./logoff-postgresql-matrix-keys when the database is PostgreSQL.
    key_store: str | None = None

    def access_token(self) -> str | None:
        return os.environ.get(self.access_token_env) if self.access_token_env else None

    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None


def parse(section: Mapping[str, Any]) -> MatrixConfig:
    only_keys(section, SECTION, KEYS)
    hs = url(section, SECTION, "homeserver", ("https", "http"), "https://matrix.example.org")
    if not hs:
        raise ConfigError("[matrix] homeserver must be a URL, e.g. \"https://matrix.example.org\"")
    uid = string(section, SECTION, "user_id")
    if not uid or not uid.startswith("@") or ":" not in uid:
        raise ConfigError("[matrix] user_id must be a full Matrix id, e.g. \"@logoff:example.org\"")
    at_env = env_name(string(section, SECTION, "access_token_env"), SECTION, "access_token_env",
                      "MATRIX_ACCESS_TOKEN")
    pw_env = env_name(string(section, SECTION, "password_env"), SECTION, "password_env",
                      "MATRIX_PASSWORD")
    if not at_env and not pw_env:
        raise ConfigError("[matrix] needs access_token_env (or password_env): the NAME of the "
                          "environment variable holding the secret, e.g. \"MATRIX_ACCESS_TOKEN\"")
    puppets = section.get("bridge_puppets", list(BRIDGE_PUPPETS))
    if not isinstance(puppets, list) or not all(isinstance(p, str) and p.startswith("@") for p in puppets):
        raise ConfigError("[matrix] bridge_puppets must be a list of user id patterns, e.g. "
                          "[\"@_discord_*\", \"@discord_*\"] (or [] for none)")
    return MatrixConfig(homeserver=hs.rstrip("/"), user_id=uid, access_token_env=at_env,
                        password_env=pw_env,
                        device_id=string(section, SECTION, "device_id", "LOGOFF") or "LOGOFF",
                        bridge_puppets=tuple(puppets),
                        key_store=string(section, SECTION, "key_store"))


def readiness(config: MatrixConfig) -> tuple[bool, str]:
    if config.access_token():
        return True, "access token found"
    if config.password():
        return True, "password found"
    names = " or ".join(shown_env(n, key) for n, key in ((config.access_token_env, "access_token_env"),
                                                            (config.password_env, "password_env")) if n)
    return False, f"{names} is not set"
