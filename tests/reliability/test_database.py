"""The database at start: damaged, read-only or unusable files give a one-line error and exit
code 3 (no traceback, no hang); migrations are idempotent; a database written by an older
version opens with the current code, ends with the current schema, and keeps its data.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build_bot
from bot.cli import PIPED_BANNER
from bot.clock import ManualClock
from bot.jobs import MIGRATIONS as JOB_MIGRATIONS
from bot.settings import MIGRATIONS as SETTING_MIGRATIONS
from bot.storage import Database, Migration, StorageError
from bot.testing import FakeAdapter
from bot.tracking import MIGRATIONS as CORE_MIGRATIONS
from cogs.events.migrations import MIGRATIONS as EVENT_MIGRATIONS
from cogs.links.migrations import MIGRATIONS as LINK_MIGRATIONS
from cogs.offline.migrations import MIGRATIONS as OFFLINE_MIGRATIONS
from cogs.polls.migrations import MIGRATIONS as POLL_MIGRATIONS
from tests.reliability.reliability_kit import ROOT, MakeBot, snapshot

pytestmark = pytest.mark.subprocess  # starts processes of its own

DATA = Path(__file__).resolve().parent / "data"
COMPONENTS: dict[str, list[Migration]] = {
    "core": CORE_MIGRATIONS, "settings": SETTING_MIGRATIONS, "jobs": JOB_MIGRATIONS,
    "polls": POLL_MIGRATIONS, "events": EVENT_MIGRATIONS, "offline": OFFLINE_MIGRATIONS,
    "links": LINK_MIGRATIONS}


@pytest.fixture
def engine() -> str:
    """Files, permissions and damage: what these tests do is SQLite's alone."""
    return "sqlite"


def logoff_try(db: Path | str, stdin: str = "!event list\n", *, drop_root: bool = False,
               timeout: float = 20) -> subprocess.CompletedProcess[str]:
    # As root, file permissions do not bind: run without capabilities so they do.
    prefix = ["setpriv", "--inh-caps=-all", "--bounding-set=-all"] if drop_root else []
    return subprocess.run([*prefix, sys.executable, "-m", "bot.cli", "try", "--db", str(db)], input=stdin,
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def assert_clean_exit_3(r: subprocess.CompletedProcess[str]) -> None:
    lines = [ln for ln in r.stderr.strip().splitlines() if ln != PIPED_BANNER]
    assert r.returncode == 3, f"exit {r.returncode}\n{r.stderr[-2000:]}"
    assert len(lines) == 1 and lines[0].startswith("logoff: database error: "), r.stderr[-2000:]
    assert "Traceback" not in r.stderr


@pytest.fixture(scope="module")
def good_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("good") / "good.db"
    r = logoff_try(db, '!event create Picnic when="in 72 hours"\n!poll create Q A | B\n')
    assert r.returncode == 0, r.stderr
    return db


def damaged(good: Path, tmp_path: Path, how: str) -> Path:
    db = tmp_path / f"{how}.db"
    if how == "garbage":
        db.write_bytes(os.urandom(64 * 1024))
        return db
    shutil.copy(good, db)
    size = db.stat().st_size
    with open(db, "r+b") as fh:
        if how == "truncated":
            fh.truncate(size // 2 + 100)
        elif how == "header":
            fh.write(b"SQLite format 2\x00")
        elif how == "page1":
            fh.seek(100)
            fh.write(os.urandom(3996))
        elif how == "middle-pages":
            fh.seek(2 * 4096)
            fh.write(os.urandom(size - 3 * 4096))
    return db


@pytest.mark.parametrize("how", ["garbage", "truncated", "header", "page1", "middle-pages"])
def test_damaged_database_exits_3_with_one_line(good_db: Path, tmp_path: Path, how: str) -> None:
    r = logoff_try(damaged(good_db, tmp_path, how))
    assert_clean_exit_3(r)
    assert "damaged" in r.stderr and "backup" in r.stderr


def test_missing_folder_exits_3(tmp_path: Path) -> None:
    assert_clean_exit_3(logoff_try(tmp_path / "nope" / "x.db"))


def test_a_directory_as_database_exits_3(tmp_path: Path) -> None:
    db = tmp_path / "a-directory.db"
    db.mkdir()
    r = logoff_try(db)
    assert r.returncode == 3 and r.stderr.startswith("logoff: database error: cannot open"), r.stderr
    # (that the rest of stderr stays empty is pinned, deterministically, by the next test)


def test_a_failed_open_leaves_no_thread_behind(tmp_path: Path) -> None:
    db = tmp_path / "a-directory.db"
    db.mkdir()
    seen: list[BaseException | None] = []
    hook = threading.excepthook
    threading.excepthook = lambda args: seen.append(args.exc_value)
    try:
        for _ in range(20):  # a race the bug loses about 9 times in 10; 20 tries make it certain
            before = set(threading.enumerate())

            async def open_it() -> None:
                with pytest.raises(StorageError):
                    await Database(db).open()

            asyncio.run(open_it())
            for t in set(threading.enumerate()) - before:
                t.join(2)
    finally:
        threading.excepthook = hook
    assert not seen, f"{len(seen)} exception(s) in a leftover database thread: {seen[0]!r}"


@pytest.mark.skipif(shutil.which("setpriv") is None and os.geteuid() == 0,
                    reason="as root, a read-only file needs setpriv to drop DAC override")
def test_read_only_folder_exits_3(good_db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    shutil.copy(good_db, folder / "x.db")
    folder.chmod(0o555)
    try:
        r = logoff_try(folder / "x.db", drop_root=os.geteuid() == 0)
    finally:
        folder.chmod(0o755)
    assert_clean_exit_3(r)
    assert "read-only" in r.stderr


@pytest.mark.skipif(shutil.which("setpriv") is None and os.geteuid() == 0,
                    reason="as root, a read-only file needs setpriv to drop DAC override")
def test_read_only_database_file_exits_3(good_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    shutil.copy(good_db, db)
    db.chmod(0o444)
    try:
        r = logoff_try(db, drop_root=os.geteuid() == 0, timeout=8)
    except subprocess.TimeoutExpired as e:
        raise AssertionError("logoff try hung on a read-only database") from e
    finally:
        db.chmod(0o644)
    assert_clean_exit_3(r)
    assert "read-only" in r.stderr


# --- migrations ---------------------------------------------------------------------------------


def schema(db: Path) -> list[tuple[str, str]]:
    """Tables and indexes, normalised, as a fresh database would have them."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                            "AND name NOT LIKE 'sqlite_%' ORDER BY name").fetchall()
    finally:
        conn.close()
    return [(n, " ".join(s.replace("IF NOT EXISTS ", "").split())) for n, s in rows]


async def versions(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT component, version FROM _migrations"))
    finally:
        conn.close()


async def test_migrations_are_idempotent(tmp_path: Path, make_bot: MakeBot) -> None:
    db = tmp_path / "t.db"
    bot, fake = await make_bot(db)
    await fake.invoke('!event create Picnic when="in 72 hours"', "alice")
    await fake.invoke("!poll create Q A | B", "alice")
    before = await snapshot(bot)
    await bot.stop()
    first = await versions(db)
    for _ in range(2):  # set up twice more on the same file (not started: no reconciliation)
        bot, fake = await make_bot(db, start=False)
        assert await snapshot(bot) == before
        for name, migrations in COMPONENTS.items():  # and once more inside the same process
            await bot.db.migrate(name, migrations)
        assert await snapshot(bot) == before
        await bot.stop()
    assert await versions(db) == first == {k: len(v) for k, v in COMPONENTS.items()}


@pytest.mark.parametrize("component", sorted(COMPONENTS))
async def test_each_component_upgrades_from_every_older_version(tmp_path: Path, component: str) -> None:
    """A database with `component` at each older version (the others current) is brought up
    to the current version, ending with exactly the schema of a fresh database."""
    fresh = tmp_path / "fresh.db"
    bot = await build_bot(str(fresh))
    await bot.db.close()
    for k in range(len(COMPONENTS[component])):
        old = tmp_path / f"{component}-v{k}.db"
        db = await Database(old).open()
        for name, migrations in COMPONENTS.items():
            await db.migrate(name, migrations[:k] if name == component else migrations)
        await db.close()
        bot = await build_bot(str(old))
        await bot.db.close()
        assert (await versions(old))[component] == len(COMPONENTS[component])
        assert schema(old) == schema(fresh)


async def test_a_database_from_an_older_version_ends_with_the_current_schema(tmp_path: Path) -> None:
    old, fresh = tmp_path / "old.db", tmp_path / "fresh.db"
    load_dump(old)
    for path in (old, fresh):
        bot = await build_bot(str(path))
        await bot.db.close()
    assert schema(old) == schema(fresh)


def load_dump(db: Path) -> datetime:
    """The checked-in database written by commit c03e0ac; returns when it was written."""
    conn = sqlite3.connect(db)
    conn.executescript((DATA / "logoff-c03e0ac.sql").read_text(encoding="utf-8"))
    created = conn.execute("SELECT MAX(created_at) FROM events").fetchone()[0]
    conn.close()
    return datetime.fromtimestamp(created, UTC)


async def test_a_database_from_an_older_version_keeps_its_data(tmp_path: Path, make_bot: MakeBot) -> None:
    db = tmp_path / "old.db"
    written = load_dump(db)
    assert (await versions(db))["jobs"] == 1  # the old schema: no not_before column
    bot, fake = await make_bot(db, clock=ManualClock(written + timedelta(minutes=5)),
                               adapter=FakeAdapter("console", space="local"))  # as it was written
    assert (await versions(db)) == {k: len(v) for k, v in COMPONENTS.items()}

    mod = {"mod": True}
    shown = (await fake.invoke("!config show", "mod", **mod))[0].text
    assert "timezone = Europe/Berlin" in shown and "reminders = 24h,1h (default)" in shown
    card = (await fake.invoke("!event show 1", "ann"))[0].text
    assert "Board games night #1" in card and "Going (2/2)" in card and "Waitlist (2)" in card
    assert "Blue Cafe" in card and "Bring snacks" in card
    people = (await fake.invoke("!event attendees 1", "ann"))[0].text
    assert "mod, ann" in people and "ben, cat" in people
    results = (await fake.invoke("!poll results 1", "ann"))[0].text
    assert "Blue Cafe — 2" in results
    # The old database takes new writes (before the event, which then ends: RSVPs close).
    r = await fake.invoke("!rsvp 1 no", "ann")
    assert not r[0].text.startswith("⚠️")
    assert "ben" in (await fake.invoke("!event attendees 1", "ann"))[0].text.split("Waitlist")[0]
    # The jobs written by the old version still fire, once each, at their times.
    await bot.scheduler.advance(timedelta(days=11))
    reminders = [s.text for s in fake.log if s.text.startswith("⏰ Reminder")]
    assert len(reminders) == 4 and sum("Board games night" in t for t in reminders) == 2
    assert len(fake.containing("Results of poll #1")) == 2  # asked once, and at its deadline
