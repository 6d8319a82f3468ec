"""The [discord] section: which env var holds the token, and (for Discord-compatible
servers and the tests' fake) where the API and gateway are."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.config import ConfigError, env_name, only_keys, string

SECTION = "discord"
KEYS = {"token_env", "api_base", "gateway_url"}


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    token_env: str = "DISCORD_TOKEN"
    api_base: str | None = None
    gateway_url: str | None = None

    def token(self) -> str | None:
        return os.environ.get(self.token_env) or None


def parse(section: Mapping[str, Any]) -> DiscordConfig:
    only_keys(section, SECTION, KEYS)
    token_env = env_name(string(section, SECTION, "token_env", "DISCORD_TOKEN"), SECTION,
                         "token_env", "DISCORD_TOKEN")
    if not token_env:
        raise ConfigError("[discord] token_env must name an environment variable, e.g. \"DISCORD_TOKEN\"")
    return DiscordConfig(token_env=token_env, api_base=string(section, SECTION, "api_base"),
                         gateway_url=string(section, SECTION, "gateway_url"))


def readiness(config: DiscordConfig) -> tuple[bool, str]:
    ok = config.token() is not None
    return ok, "token found" if ok else f"${config.token_env} is not set"
