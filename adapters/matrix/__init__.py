"""The Matrix platform (matrix-nio).

Declaring the platform imports only its config: every process lists every installed
platform, and matrix-nio is imported by a process that starts a Matrix adapter, not by one
that runs Discord alone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.adapter import Platform

from . import config
from .caps import CAPABILITIES
from .config import MatrixConfig

if TYPE_CHECKING:
    from .adapter import MatrixAdapter
    from .client import MatrixError


def create(cfg: MatrixConfig) -> MatrixAdapter:
    from .adapter import MatrixAdapter

    return MatrixAdapter(cfg)


PLATFORM = Platform(config.SECTION, config.parse, config.readiness, create, capabilities=CAPABILITIES)


def __getattr__(name: str) -> Any:
    if name == "MatrixAdapter":
        from .adapter import MatrixAdapter

        return MatrixAdapter
    if name == "MatrixError":
        from .client import MatrixError

        return MatrixError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["PLATFORM", "MatrixAdapter", "MatrixConfig", "MatrixError"]
