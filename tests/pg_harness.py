"""A real, throwaway PostgreSQL server on loopback for tests and benchmarks.

PostgreSQL refuses to run as root and CI runs as root: then initdb and pg_ctl run as the
`postgres` user (`runuser -u postgres -- ...`) on a data folder that user owns, inside a
temp folder everyone can traverse. As any other user they run as that user.
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import os
import pwd
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

PG_ROOT = Path("/usr/lib/postgresql")
SUPERUSER = "postgres"
PASSWORD_ROLE = "logoff_pw"
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def bin_dir() -> Path | None:
    """The bin folder of the highest PostgreSQL version installed (Debian's layout)."""
    found: list[tuple[int, Path]] = []
    if PG_ROOT.is_dir():
        for d in PG_ROOT.iterdir():
            if d.name.isdigit() and (d / "bin" / "pg_ctl").is_file():
                found.append((int(d.name), d / "bin"))
    return max(found)[1] if found else None


def _as_root() -> bool:
    return os.geteuid() == 0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Postgres:
    """One server: `start()`, then `url` / `create_database()` / `fresh_url()`, then `cleanup()`."""

    def __init__(self) -> None:
        self.dir: Path | None = None  # the temp folder: data/ (with the log) and run/ (the socket)
        self.port = 0
        self.start_seconds = 0.0
        self._bin: Path | None = None
        self._running = False
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    # --- availability ------------------------------------------------------------------

    @staticmethod
    def unavailable_reason() -> str | None:
        """None when a server can be started here, else what is missing."""
        if bin_dir() is None:
            return (f"no PostgreSQL server binaries ({PG_ROOT}/<N>/bin/pg_ctl); "
                    "install Debian's `postgresql` package (.ci/run does)")
        if _as_root():
            if shutil.which("runuser") is None:
                return "running as root needs `runuser` to start PostgreSQL as another user"
            try:
                pwd.getpwnam(SUPERUSER)
            except KeyError:
                return f"running as root needs a `{SUPERUSER}` system user to run PostgreSQL"
        return None

    @staticmethod
    def available() -> bool:
        return Postgres.unavailable_reason() is None

    # --- addresses -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.url_for("postgres")

    def url_for(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    @property
    def data_dir(self) -> Path:
        assert self.dir is not None, "Postgres.start() first"
        return self.dir / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.dir is not None, "Postgres.start() first"
        return self.dir / "run"

    # --- lifecycle -----------------------------------------------------------------------

    def start(self, timeout: float = 60.0) -> None:
        """initdb (once) and start the server; a second call does nothing."""
        if self._running:
            return
        reason = self.unavailable_reason()
        if reason is not None:
            raise RuntimeError(reason)
        began = time.monotonic()
        if self.dir is None:
            self._initdb()
        for attempt in range(2):
            # A restart keeps its port, as a real server's clients expect.
            if attempt or not getattr(self, "port", None):
                self.port = _free_port()
            try:
                self._pg_ctl("start", "-l", str(self.data_dir / "log"), "-t", str(int(timeout)),
                             "-o", self._server_options())
                break
            except RuntimeError:
                # The port can be taken between probing it and the server binding it: retry once.
                if attempt == 1 or "could not bind" not in self.log_tail():
                    raise
        self._running = True
        atexit.register(self.cleanup)  # a run that skips the fixture teardown leaves no server
        self.start_seconds = time.monotonic() - began

    def stop(self) -> None:
        if self._running:
            self._running = False
            self._pg_ctl("stop", "-m", "fast", "-t", "60")

    def cleanup(self) -> None:
        """Stop the server and remove its folder."""
        try:
            self.stop()
        finally:
            if self.dir is not None:
                shutil.rmtree(self.dir, ignore_errors=True)
                self.dir = None
            atexit.unregister(self.cleanup)

    def log_tail(self, n: int = 40) -> str:
        log = self.data_dir / "log" if self.dir is not None else None
        if log is None or not log.exists():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-n:])

    # --- databases -----------------------------------------------------------------------

    def create_database(self, name: str) -> str:
        """CREATE DATABASE `name` (lower-case letters, digits, `_`); its URL."""
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a plain database name: {name!r}")
        self.execute(f'CREATE DATABASE "{name}"')
        return self.url_for(name)

    def fresh_url(self) -> str:
        """The URL of a new, empty, uniquely named database (one per test: no shared rows)."""
        with self._lock:
            n = next(self._counter)
        return self.create_database(f"t_{n}_{secrets.token_hex(4)}")

    def execute(self, sql: str, database: str = "postgres") -> None:
        """Run one statement (outside a transaction) as the superuser."""
        self.start()
        psql = self._psql()
        if psql is not None:
            done = subprocess.run(
                [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port),
                 "-U", SUPERUSER, "-d", database, "-c", sql],
                capture_output=True, text=True, timeout=60, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"psql failed ({done.returncode}) on {sql!r}: {done.stderr.strip()}")
            return
        self._execute_asyncpg(sql, database)

    # --- internals -----------------------------------------------------------------------

    def _psql(self) -> str | None:
        assert self._bin is not None
        for candidate in (self._bin / "psql", Path("/usr/bin/psql")):
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
        return None

    def _execute_asyncpg(self, sql: str, database: str) -> None:
        # On a thread of its own: asyncio.run cannot run inside a test's running loop.
        import asyncpg

        async def run() -> None:
            conn = await asyncpg.connect(self.url_for(database), timeout=30)
            try:
                await conn.execute(sql)
            finally:
                await conn.close()

        failure: list[BaseException] = []

        def target() -> None:
            try:
                asyncio.run(run())
            except BaseException as e:  # re-raised on the caller's thread
                failure.append(e)

        thread = threading.Thread(target=target, name="pg-harness-sql")
        thread.start()
        thread.join()
        if failure:
            raise failure[0]

    def _initdb(self) -> None:
        self._bin = bin_dir()
        assert self._bin is not None
        self.dir = Path(tempfile.mkdtemp(prefix="logoff-pg-"))
        self.dir.chmod(0o755)  # traversable by the postgres user when we are root
        self.data_dir.mkdir(mode=0o700)
        self.socket_dir.mkdir(mode=0o755)
        if _as_root():
            user = pwd.getpwnam(SUPERUSER)
            for d in (self.data_dir, self.socket_dir):
                os.chown(d, user.pw_uid, user.pw_gid)
        self._run([str(self._bin / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER,
                   "--auth=trust", "--no-locale", "--encoding=UTF8", "--no-sync"], "initdb")
        # Trust only on the private socket folder and on 127.0.0.1 (no ::1, no other host).
        (self.data_dir / "pg_hba.conf").write_text(
            "local all all trust\n"
            # One role must give its password, for the tests of a wrong one.
            f"host  all {PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256\n"
            "host  all all 127.0.0.1/32 trust\n")

    def _server_options(self) -> str:
        return " ".join([
            "-p", str(self.port),
            "-c", "listen_addresses=127.0.0.1",
            "-c", f"unix_socket_directories={shlex.quote(str(self.socket_dir))}",
            "-c", "max_connections=200",
            "-c", "shared_buffers=64MB",
        ])

    def _pg_ctl(self, *args: str) -> None:
        assert self._bin is not None
        self._run([str(self._bin / "pg_ctl"), "-D", str(self.data_dir), "-w", *args],
                  f"pg_ctl {args[0]}")

    def _run(self, argv: list[str], what: str) -> None:
        if _as_root():
            argv = ["runuser", "-u", SUPERUSER, "--", *argv]
        # cwd: a folder the postgres user can enter (the caller's may be closed to it).
        done = subprocess.run(argv, cwd=self.dir, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{what} failed ({done.returncode}):\n{done.stdout}{done.stderr}\n"
                               f"{self.log_tail()}")
