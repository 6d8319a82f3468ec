"""The Matrix adapter: `logoff run` calls `create(MatrixConfig)`."""

from .adapter import MatrixAdapter, MatrixError, create

__all__ = ["MatrixAdapter", "MatrixError", "create"]
