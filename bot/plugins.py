"""Where features and platforms come from: Python entry points, declared in each package's
pyproject (`logoff.features`, `logoff.platforms`). Features load in the order of
their names; none relies on another being loaded first, since services are looked up
when used. The core names none of them; adding one touches only its own package and
the pyproject that declares it.

A feature entry point names a module with `async def setup(bot)`. A platform entry
point names a module offering `PLATFORM` (a `bot.adapter.Platform`).
"""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .adapter import Platform

FEATURES = "logoff.features"
PLATFORMS = "logoff.platforms"


@cache
def features() -> tuple[str, ...]:
    """Module names of every installed feature, in load order."""
    found = sorted(entry_points(group=FEATURES), key=lambda ep: ep.name)
    if not found:
        raise RuntimeError("no logoff features are installed: install the package "
                           "(pip install -e .) so its entry points are registered")
    return tuple(ep.value for ep in found)


@cache
def platforms() -> dict[str, Platform]:
    """Every installed platform by its config section name."""
    out: dict[str, Platform] = {}
    for ep in sorted(entry_points(group=PLATFORMS), key=lambda ep: ep.name):
        platform: Platform = importlib.import_module(ep.value).PLATFORM
        if platform.section in out:
            raise ValueError(f"two platforms claim the config section [{platform.section}]")
        out[platform.section] = platform
    return out
