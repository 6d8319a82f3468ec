"""What a few lines typed into the console printed (the `console` fixture: tests/unit/conftest.py)."""

from __future__ import annotations

import io

from adapters.console import ConsoleAdapter


async def typed(adapter: ConsoleAdapter, *lines: str) -> str:
    out = adapter.out
    assert isinstance(out, io.StringIO)
    start = len(out.getvalue())
    for ln in lines:
        await adapter.handle_line(ln)
    return out.getvalue()[start:]
