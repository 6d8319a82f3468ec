"""The embedded store: group commit, per-unit rollback, migrations, clear errors."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bot.storage import Database, StorageError

MIGS = ["CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE);", "ALTER TABLE t ADD COLUMN n INT;"]


async def test_group_commit_batches_concurrent_writes(tmp_path) -> None:
    db = await Database(tmp_path / "a.db").open()
    await db.migrate("t", MIGS)
    await asyncio.gather(*(db.write(lambda c, i=i: c.execute("INSERT INTO t(v) VALUES(?)", (str(i),)))
                           for i in range(2000)))
    assert (await db.fetchone("SELECT COUNT(*) FROM t"))[0] == 2000
    assert db.units == 2000 + 0 and db.commits < 200  # far fewer commits than writes
    await db.close()


async def test_one_failing_unit_rolls_back_alone(tmp_path) -> None:
    db = await Database(tmp_path / "b.db").open()
    await db.migrate("t", MIGS)

    def bad(c: sqlite3.Connection) -> None:
        c.execute("INSERT INTO t(v) VALUES('half')")
        c.execute("INSERT INTO t(v) VALUES('x')")  # duplicate of the unit below -> whole unit undone

    results = await asyncio.gather(db.execute("INSERT INTO t(v) VALUES('x')"), db.write(bad),
                                   db.execute("INSERT INTO t(v) VALUES('y')"), return_exceptions=True)
    assert isinstance(results[1], sqlite3.IntegrityError)
    assert [r[0] for r in await db.fetchall("SELECT v FROM t ORDER BY v")] == ["x", "y"]
    await db.close()


async def test_acknowledged_writes_survive_reopen_and_migrations_are_idempotent(tmp_path) -> None:
    path = tmp_path / "c.db"
    db = await Database(path).open()
    await db.migrate("t", MIGS[:1])  # an older version of the component
    await db.execute("INSERT INTO t(v) VALUES('kept')")
    await db.close()
    db = await Database(path).open()
    assert await db.migrate("t", MIGS) == 2
    assert await db.migrate("t", MIGS) == 2
    row = await db.fetchone("SELECT v, n FROM t")
    assert tuple(row) == ("kept", None)
    assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
    await db.close()


async def test_corrupt_database_is_a_clear_error(tmp_path) -> None:
    path = tmp_path / "bad.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError) as e:
        await Database(path).open()
    assert "damaged" in str(e.value)


async def test_missing_folder_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(StorageError) as e:
        await Database(tmp_path / "nope" / "x.db").open()
    assert "does not exist" in str(e.value)


async def test_wal_is_checkpointed_in_the_background_and_reused(tmp_path) -> None:
    """The writer never checkpoints (its automatic checkpoint is off); once the WAL has
    grown past the threshold a background checkpoint copies it back, and later writes
    start the WAL over instead of growing it without end."""
    import os

    from bot import checkpoints

    db = await Database(tmp_path / "w.db").open()
    await db.migrate("t", MIGS)
    blob = "x" * 2000
    for round_ in range(6):
        await asyncio.gather(*(db.write(lambda c, i=i, r=round_: c.execute(
            "INSERT INTO t(v) VALUES(?)", (f"{r}-{i}-{blob}",))) for i in range(1000)))
        if db.checkpointer.task is not None:
            await db.checkpointer.task
    assert db.checkpointer.done >= 1
    written = 6000 * len(blob)  # more than the WAL may keep: it must have been reused
    # a quiet moment: a checkpoint catches up, and the next write starts the WAL over
    await db.checkpointer.run()
    await db.execute("INSERT INTO t(v) VALUES('after')")
    assert os.stat(str(tmp_path / "w.db") + "-wal").st_size <= 2 * checkpoints.CHECKPOINT_WAL_BYTES < written
    assert (await db.fetchone("SELECT COUNT(*) FROM t"))[0] == 6001
    await db.close()
    db = await Database(tmp_path / "w.db").open()
    assert (await db.fetchone("SELECT COUNT(*) FROM t"))[0] == 6001
    await db.close()


async def test_a_write_batch_stops_at_its_time_budget(tmp_path) -> None:
    """Batches run on the loop's thread, so one may not hold it for long: slow units are
    split over several commits, each stopping at the budget."""
    import time

    db = await Database(tmp_path / "slow.db", batch_budget_s=0.004).open()
    await db.migrate("t", MIGS)

    def slow(c: sqlite3.Connection, i: int) -> None:
        time.sleep(0.001)
        c.execute("INSERT INTO t(v) VALUES(?)", (str(i),))

    before = db.commits
    await asyncio.gather(*(db.write(lambda c, i=i: slow(c, i)) for i in range(40)))
    assert db.commits - before >= 8  # about 4 units per 4 ms batch, never all 40 in one
    assert (await db.fetchone("SELECT COUNT(*) FROM t"))[0] == 40
    await db.close()


async def test_commits_are_full_sync_and_wait_for_the_disk_off_the_loop(tmp_path) -> None:
    """An acknowledged write survives a power cut (synchronous=FULL), and the COMMIT that
    waits for the disk runs on a thread of its own, not the loop's."""
    import threading

    db = await Database(tmp_path / "full.db").open()
    await db.migrate("t", MIGS)
    assert db.writer.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    commit_threads: list[int] = []
    db.writer.set_trace_callback(
        lambda sql: commit_threads.append(threading.get_ident()) if sql == "COMMIT" else None)
    await asyncio.gather(*(db.execute("INSERT INTO t(v) VALUES(?)", (str(i),)) for i in range(50)))
    assert commit_threads and threading.get_ident() not in commit_threads
    assert await db.read_small(lambda c: c.execute("SELECT COUNT(*) FROM t").fetchone()[0]) == 50
    await db.close()

    normal = await Database(tmp_path / "normal.db", synchronous="NORMAL").open()
    assert normal.writer.execute("PRAGMA synchronous").fetchone()[0] == 1
    await normal.close()
    with pytest.raises(ValueError):
        Database(tmp_path / "x.db", synchronous="OFF")


async def test_the_wal_stays_bounded_under_a_steady_stream_of_writes(tmp_path) -> None:
    """With batches committing back to back, a background checkpoint never finds the WAL
    idle; unless the writer lets the tail be copied, SQLite never starts the WAL over and
    the file grows with every write (past 1 GB in a storm)."""
    import os

    from bot import checkpoints

    db = await Database(tmp_path / "s.db").open()
    await db.migrate("t", MIGS)
    blob = "y" * 2000
    written = 0

    async def writer(k: int) -> None:
        nonlocal written
        for i in range(300):
            await db.write(lambda c, i=i: c.execute("INSERT INTO t(v) VALUES(?)", (f"{k}-{i}-{blob}",)))
            written += len(blob)

    await asyncio.gather(*(writer(k) for k in range(40)))  # 12,000 writes, no quiet moment
    wal = os.stat(str(tmp_path / "s.db") + "-wal").st_size
    assert written > 4 * checkpoints.CHECKPOINT_WAL_BYTES
    assert wal <= 2 * checkpoints.CHECKPOINT_WAL_BYTES, f"WAL {wal / 1e6:.1f} MB after {written / 1e6:.1f} MB written"
    assert (await db.fetchone("SELECT COUNT(*) FROM t"))[0] == 12000
    await db.close()


async def test_a_writer_cancelled_during_its_commit_lets_it_finish_and_tells_the_truth(tmp_path) -> None:
    """Cancelling the writer while a COMMIT waits for the disk must not leave the waiter
    guessing or the connection mid-transaction: the COMMIT finishes, the waiter gets its
    result, and closing works."""
    import time

    db = await Database(tmp_path / "c.db").open()
    await db.migrate("t", MIGS)
    assert db._committer is not None and db._writer is not None
    db._committer.submit(time.sleep, 0.3)  # the commit thread is busy: the next COMMIT queues
    write = asyncio.create_task(db.execute("INSERT INTO t(v) VALUES('kept')"))
    await asyncio.sleep(0.1)  # the batch has run and waits for its COMMIT
    assert not write.done()
    db._writer.cancel()
    assert await write == 1
    await asyncio.wait_for(db.close(), 5)
    db = await Database(tmp_path / "c.db").open()
    assert (await db.fetchone("SELECT v FROM t"))[0] == "kept"
    await db.close()
