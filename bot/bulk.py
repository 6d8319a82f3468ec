"""Write units that a networked store can run for many callers in one round trip.

A unit is a function of a connection: on SQLite each statement in it is a function call,
on a server each is a round trip, and a unit of a few statements that runs for every
reaction of a storm is then bound by the network, not the work. A hot unit can carry a
`Bulk` form: its arguments, one statement that does the unit's work for a whole group of
units at once (each of its parameters is the array of that argument's values across the
group, and it returns one row per unit, in order), and how to read a row as the unit's
value. A store that talks to a server runs the bulk forms of consecutive units together,
in one round trip and one statement; every other store, and any retry that must isolate a
failing unit, calls the unit as a function, so the function stays the reference the bulk
form must equal.

The statement usually calls a server-side function, created by a `ServerSide` migration:
a step the embedded store skips (it runs the unit's function instead).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, cast

T = TypeVar("T")


@dataclass(frozen=True)
class ServerSide:
    """A migration step only for stores with server-side code (the embedded store skips it,
    but still counts its version)."""

    sql: str


@dataclass(frozen=True)
class Bulk(Generic[T]):
    sql: str  # in the server's own dialect; takes one array per argument, returns a row per unit
    args: tuple[Any, ...]
    decode: Callable[[Any], T]


class BulkUnit(Generic[T]):
    """A unit (call it with a connection) that also carries its bulk form."""

    __slots__ = ("bulk", "fn")

    def __init__(self, fn: Callable[[Any], T], bulk: Bulk[T]) -> None:
        self.fn = fn
        self.bulk = bulk

    def __call__(self, conn: Any) -> T:
        return self.fn(conn)


class RunsBulk(Protocol):
    def run_bulk(self, sql: str, columns: Sequence[list[Any]]) -> list[Any]: ...


Item = tuple[Callable[[Any], Any], "asyncio.Future[Any]"]


def take_group(first: Item, pending: deque[Item], batch: list[Item], max_units: int) -> list[Item] | None:
    """If `first` has a bulk form: it and the units right behind it in `pending` with the same
    statement, moved into `batch` (order kept, up to `max_units` in the batch)."""
    bulk = getattr(first[0], "bulk", None)
    if bulk is None:
        return None
    group = [first]
    while pending and len(batch) < max_units:
        nxt = getattr(pending[0][0], "bulk", None)
        if nxt is None or nxt.sql != bulk.sql:
            break
        item = pending.popleft()
        batch.append(item)
        group.append(item)
    return group


def run_group(conn: RunsBulk, group: list[Item]) -> list[tuple[bool, Any]]:
    bulks = [cast(BulkUnit[Any], item[0]).bulk for item in group]
    rows = conn.run_bulk(bulks[0].sql, [list(column) for column in zip(*(b.args for b in bulks), strict=True)])
    if len(rows) != len(bulks):
        raise RuntimeError(f"a bulk statement returned {len(rows)} rows for {len(bulks)} units")
    return [(True, b.decode(row)) for b, row in zip(bulks, rows, strict=True)]
