"""The Discord platform (discord.py).

Declaring the platform imports only its config and settings: every process lists every
installed platform (config sections, settings known in every space), and discord.py is
imported by a process that starts a Discord adapter, not by one that runs Matrix alone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.adapter import Platform

from . import config
from .caps import CAPABILITIES
from .config import DiscordConfig
from .settings import SETTING_SPEC

if TYPE_CHECKING:
    from .adapter import DiscordAdapter, DiscordPermissionError


def create(cfg: DiscordConfig) -> DiscordAdapter:
    from .adapter import DiscordAdapter

    return DiscordAdapter(cfg)


PLATFORM = Platform(config.SECTION, config.parse, config.readiness, create, settings=(SETTING_SPEC,),
                    capabilities=CAPABILITIES)


def __getattr__(name: str) -> Any:
    if name in ("DiscordAdapter", "DiscordPermissionError"):
        from . import adapter

        return getattr(adapter, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["PLATFORM", "DiscordAdapter", "DiscordConfig", "DiscordPermissionError"]
