"""The console adapter: a local chat in the terminal for `logoff try`."""

from .adapter import ConsoleAdapter, run_console

__all__ = ["ConsoleAdapter", "run_console"]
