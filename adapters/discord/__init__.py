"""The Discord platform (discord.py)."""

from bot.adapter import Platform

from . import config
from .adapter import DiscordAdapter, DiscordPermissionError
from .config import DiscordConfig

PLATFORM = Platform(config.SECTION, config.parse, config.readiness, DiscordAdapter)

__all__ = ["PLATFORM", "DiscordAdapter", "DiscordConfig", "DiscordPermissionError"]
