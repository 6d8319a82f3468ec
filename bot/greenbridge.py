"""Run a store's synchronous unit against an asyncio database driver.

Stores write their units as plain functions of a connection (`conn.execute(sql,
params).fetchone()`), which SQLite runs as they are. On PostgreSQL the driver is asyncpg,
so a unit runs in a greenlet: each statement hands its coroutine to the runner, which
awaits it on the event loop and switches back with the result. The unit stays one
function for both engines and the loop is free while PostgreSQL works (the approach
SQLAlchemy's asyncio layer takes, with the greenlet library).
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import greenlet

T = TypeVar("T")


class _Unit(greenlet.greenlet):
    """A greenlet running a unit: only it may hand statements to the runner."""


def await_only(awaitable: Awaitable[T]) -> T:
    """From inside a unit: wait for `awaitable` on the loop and return its result."""
    current = greenlet.getcurrent()
    if not isinstance(current, _Unit):
        close = getattr(awaitable, "close", None)
        if close is not None:
            close()
        raise RuntimeError("a database statement ran outside a unit's runner")
    result: T = current.parent.switch(awaitable)
    return result


async def run_unit(fn: Callable[..., T], *args: Any) -> T:
    """Run `fn(*args)` to its end, awaiting each statement it hands over."""
    unit = _Unit(fn, greenlet.getcurrent())
    step = unit.switch(*args)
    while not unit.dead:
        try:
            value = await step
        except BaseException:
            step = unit.throw(*sys.exc_info())
        else:
            step = unit.switch(value)
    result: T = step
    return result
