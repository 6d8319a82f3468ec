"""A PostgreSQL connection shaped like the sqlite3 one the stores' units are written for.

`execute(sql, params)` returns a cursor with `fetchone`, `fetchall`, `rowcount` and
iteration; rows are asyncpg Records, read by index or by name as sqlite3.Row is. SQLite
takes any value in any column and PostgreSQL does not, so a value of another Python type
than the column's (an int for a text column, say) is converted as SQLite would have
stored it; asyncpg refuses it before sending anything, so the retry is safe.

PostgreSQL's text cannot hold U+0000, which a platform may send in a display name; the
server would refuse the statement and with it the whole unit (an RSVP lost). Every text
parameter has it replaced by U+FFFD, in writes and reads alike, so a value is found by
the same text it was stored with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import asyncpg

from .greenbridge import await_only
from .sqldialect import Statement, to_postgres

Coerce = Callable[[Any], Any]


def _to_text(v: Any) -> Any:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, bytes):
        return v.decode()
    return str(v)


def _to_int(v: Any) -> Any:
    if v is None or isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str) and v.lstrip("-").isdigit():
        return int(v)
    return v  # left for PostgreSQL to refuse: a fraction in an integer column is a bug


def _to_float(v: Any) -> Any:
    return float(v) if isinstance(v, int | str) and not isinstance(v, bool) else v


def _to_bytes(v: Any) -> Any:
    return v.encode() if isinstance(v, str) else v


_COERCE: dict[str, Coerce] = {
    "text": _to_text, "varchar": _to_text, "int8": _to_int, "int4": _to_int, "int2": _to_int,
    "float8": _to_float, "float4": _to_float, "numeric": _to_float, "bytea": _to_bytes,
}


class PgCursor:
    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[asyncpg.Record], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def fetchone(self) -> asyncpg.Record | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[asyncpg.Record]:
        return self._rows

    def __iter__(self) -> Iterator[asyncpg.Record]:
        return iter(self._rows)


def _count(status: str) -> int:
    """Rows touched, from a command tag such as "UPDATE 3" or "INSERT 0 1"."""
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else -1


class PgConnection:
    """Used only from inside a unit (bot.greenbridge.run_unit)."""

    def __init__(self, conn: asyncpg.Connection, coercers: dict[str, tuple[Coerce, ...]]) -> None:
        self.raw = conn
        self._coercers = coercers  # per statement text, shared by the database's connections

    @property
    def in_transaction(self) -> bool:
        return bool(self.raw.is_in_transaction())

    def execute(self, sql: str, params: Sequence[Any] = ()) -> PgCursor:
        st = to_postgres(sql)
        params = _without_nul(params)
        args = self._coerced(st, params) if st.text in self._coercers else tuple(params)
        try:
            return self._run(st, args)
        except asyncpg.DataError as e:
            if "invalid input for query argument" not in str(e):
                raise
            return self._run(st, self._learn(st, params))

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> PgCursor:
        st = to_postgres(sql)
        rows = [_without_nul(p) for p in seq]
        if not rows:
            return PgCursor([], 0)
        if st.text in self._coercers:
            rows = [self._coerced(st, p) for p in rows]
        try:
            await_only(self.raw.executemany(st.text, rows))
        except asyncpg.DataError as e:
            if "invalid input for query argument" not in str(e):
                raise
            self._learn(st, rows[0])
            await_only(self.raw.executemany(st.text, [self._coerced(st, p) for p in rows]))
        return PgCursor([], len(rows))

    def run_bulk(self, sql: str, columns: Sequence[list[Any]]) -> list[asyncpg.Record]:
        """A bulk form's statement (bot.bulk): each parameter an array, one round trip."""
        columns = [[_no_nul(v) for v in column] if any(_has_nul(v) for v in column) else column
                   for column in columns]
        rows: list[asyncpg.Record] = await_only(self.raw.fetch(sql, *columns))
        return rows

    def _run(self, st: Statement, args: Sequence[Any]) -> PgCursor:
        if st.returns_rows:
            rows = await_only(self.raw.fetch(st.text, *args))
            return PgCursor(rows, len(rows))
        status = await_only(self.raw.execute(st.text, *args))
        return PgCursor([], _count(status))

    def _learn(self, st: Statement, params: Sequence[Any]) -> tuple[Any, ...]:
        prepared = await_only(self.raw.prepare(st.text))
        self._coercers[st.text] = tuple(_COERCE.get(t.name, _same) for t in prepared.get_parameters())
        return self._coerced(st, params)

    def _coerced(self, st: Statement, params: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(f(v) for f, v in zip(self._coercers[st.text], params, strict=False))


def _same(v: Any) -> Any:
    return v


def _has_nul(v: Any) -> bool:
    return type(v) is str and "\x00" in v


def _no_nul(v: Any) -> Any:
    return v.replace("\x00", "\ufffd") if _has_nul(v) else v


def _without_nul(params: Sequence[Any]) -> tuple[Any, ...]:
    if any(_has_nul(v) for v in params):
        return tuple(_no_nul(v) for v in params)
    return tuple(params)
