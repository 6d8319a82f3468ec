"""The Matrix platform (matrix-nio)."""

from bot.adapter import Platform

from . import config
from .adapter import MatrixAdapter
from .client import MatrixError
from .config import MatrixConfig

PLATFORM = Platform(config.SECTION, config.parse, config.readiness, MatrixAdapter)

__all__ = ["PLATFORM", "MatrixAdapter", "MatrixConfig", "MatrixError"]
