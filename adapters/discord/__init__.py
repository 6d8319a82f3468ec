"""The Discord platform (discord.py)."""

from bot.adapter import Platform

from . import config
from .adapter import DiscordAdapter, DiscordPermissionError
from .config import DiscordConfig
from .listings import SETTING_SPEC

PLATFORM = Platform(config.SECTION, config.parse, config.readiness, DiscordAdapter,
                    settings=(SETTING_SPEC,))

__all__ = ["PLATFORM", "DiscordAdapter", "DiscordConfig", "DiscordPermissionError"]
