"""A throwaway PostgreSQL server for the benchmarks (tests/pg_harness.py), and what it costs.

    with PgServer() as pg:          # initdb + start on loopback; stopped and removed on exit
        url = pg.fresh_url()        # a new, empty database (one per storm: no shared rows)
        cpu0 = pg.cpu_s()           # CPU seconds of the server's processes so far
        ...

The bot's own CPU time (`time.process_time()`) leaves out the server, which on PostgreSQL
does part of the work the SQLite store does in-process; `cpu_s()` sums user+system time of
the postmaster and its children (the backends serving our connections, the WAL writer,
the checkpointer) from /proc, so a storm can report both.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

import _common  # noqa: F401  (puts the repository on sys.path)

from tests.pg_harness import Postgres

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class PgServer:
    def __init__(self) -> None:
        self.pg = Postgres()

    def __enter__(self) -> PgServer:
        reason = Postgres.unavailable_reason()
        if reason is not None:
            raise SystemExit(f"--postgres: {reason}")
        try:
            self.pg.start()
        except BaseException:
            self.pg.cleanup()
            raise
        return self

    def __exit__(self, typ: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.pg.cleanup()

    def fresh_url(self) -> str:
        return self.pg.fresh_url()

    def version(self) -> str:
        try:
            return (self.pg.data_dir / "PG_VERSION").read_text().strip()
        except OSError:
            return "?"

    def _postmaster(self) -> int | None:
        try:
            return int((self.pg.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def cpu_s(self) -> float:
        """User + system CPU seconds of the server: the postmaster and all its live children."""
        root = self._postmaster()
        if root is None:
            return float("nan")
        ticks = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ... utime(14) stime(15): split after the command's ')'
            fields = stat[stat.rfind(")") + 2:].split()
            pid, ppid = int(entry.name), int(fields[1])
            if pid == root or ppid == root:
                ticks += int(fields[11]) + int(fields[12])
        return ticks / _TICK
