"""The Discord adapter (discord.py): `logoff run` calls `create(config)`."""

from bot.config import DiscordConfig

from .adapter import DiscordAdapter, DiscordPermissionError


def create(config: DiscordConfig) -> DiscordAdapter:
    return DiscordAdapter(config)


__all__ = ["DiscordAdapter", "DiscordPermissionError", "create"]
