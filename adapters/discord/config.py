"""The [discord] section: which env var holds the token, whether to ask for message text
(the privileged Message Content intent), the shards, and (for Discord-compatible servers and
the tests' fake) where the API and gateway are."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.config import ConfigError, clip, env_name, only_keys, shown_env, string, url

SECTION = "discord"
KEYS = {"token_env", "api_base", "gateway_url", "shard_count", "shards", "message_content"}
MAX_SHARDS = 4096


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    token_env: str = "DISCORD_TOKEN"
    api_base: str | None = None
    gateway_url: str | None = None
    # With shard_count, discord.py's sharded client runs `shards` (all of them by default).
    shard_count: int | None = None
    shards: tuple[int, ...] | None = None
    # Ask for the Message Content intent and pass people's text to the core (read in memory by
    # the offline scorer, never stored). Off: metadata only, and no privileged intent needed.
    message_content: bool = False

    def token(self) -> str | None:
        return os.environ.get(self.token_env) or None

    def token_named(self) -> str:
        return shown_env(self.token_env, "token_env")


def parse(section: Mapping[str, Any]) -> DiscordConfig:
    only_keys(section, SECTION, KEYS)
    token_env = env_name(string(section, SECTION, "token_env", "DISCORD_TOKEN"), SECTION,
                         "token_env", "DISCORD_TOKEN")
    if not token_env:
        raise ConfigError("[discord] token_env must name an environment variable, e.g. \"DISCORD_TOKEN\"")
    count = section.get("shard_count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int)
                              or not 1 <= count <= MAX_SHARDS):
        quoted = " (a number in quotes is text: leave the quotes out)" if isinstance(count, str) else ""
        raise ConfigError(f"[discord] shard_count must be a whole number from 1 to {MAX_SHARDS}, "
                          f"e.g. shard_count = 4; got {count!r}{quoted}")
    shards = shard_range(string(section, SECTION, "shards"), count)
    content = section.get("message_content", False)
    if not isinstance(content, bool):
        raise ConfigError("[discord] message_content must be true or false, without quotes, "
                          f"e.g. message_content = true; got {content!r}")
    return DiscordConfig(token_env=token_env,
                         api_base=url(section, SECTION, "api_base", ("http", "https"),
                                      "http://127.0.0.1:8080/api/v10"),
                         gateway_url=url(section, SECTION, "gateway_url", ("ws", "wss"),
                                         "ws://127.0.0.1:8080/gateway"),
                         shard_count=count, shards=shards, message_content=content)


def shard_range(value: str | None, count: int | None) -> tuple[int, ...] | None:
    """`shards = "a-b"` (or "a"): the shards this process runs, inside 0..shard_count-1."""
    if value is None:
        return None
    if count is None:
        raise ConfigError("[discord] shards needs shard_count, e.g. shard_count = 4 and shards = \"0-1\"")
    first, sep, last = value.strip().partition("-")
    digits = (first, last) if sep else (first,)
    if not all(d.strip().isascii() and d.strip().isdigit() for d in digits):
        raise ConfigError(f"[discord] shards must be a range like \"0-3\" or one shard like \"2\"; "
                          f"got {clip(value)!r}")
    # Longer than any shard number: refused before int(), which fails on a very long one.
    if any(len(d.strip().lstrip("0")) > len(str(MAX_SHARDS)) for d in digits):
        raise ConfigError(f"[discord] shards = {clip(value)!r} does not fit shard_count = {count}: "
                          f"shards are numbered 0 to {count - 1}")
    a = int(first)
    b = int(last) if sep else a
    if max(a, b) >= count:  # before the backwards hint, which would suggest a range that does not fit either
        raise ConfigError(f"[discord] shards = {clip(value)!r} does not fit shard_count = {count}: "
                          f"shards are numbered 0 to {count - 1}")
    if a > b:
        raise ConfigError(f"[discord] shards = {clip(value)!r} runs backwards: write the lower shard first, "
                          f"e.g. \"{b}-{a}\"")
    return tuple(range(a, b + 1))


def readiness(config: DiscordConfig) -> tuple[bool, str]:
    ok = config.token() is not None
    content = "; asks for the Message Content intent" if config.message_content else ""
    shards = ""
    if config.shard_count is not None:
        mine = config.shards or tuple(range(config.shard_count))
        ran = f"shards {mine[0]}-{mine[-1]}" if len(mine) > 1 else f"shard {mine[0]}"
        shards = f"; {ran} of {config.shard_count}"
    return ok, ("token found" if ok else f"{config.token_named()} is not set") + shards + content
