"""Issue 18, part 2: the bot's memory, key store and start-up time with 1,000 encrypted rooms,
and the same with 1,000 unencrypted rooms in the same run.

    python bench/bench_matrix_crypto_memory.py [--rooms 1000] [--skip-plain]

A Synapse from tests/matrix_harness (its rate limits as configured there, nothing raised
here). For each kind of room, one after the other, a new bot account and database:
- the bot in a child process (bench/_matrix_crypto.py logoff: build_bot + MatrixAdapter, its
  key store in `DB-matrix-keys` as in production; it joins every room it is invited to);
- a human (this process; tests/matrix_harness CryptoHuman, its own olm store) creates the
  rooms with the bot invited, 10 at a time (asyncio.gather), encrypted or not, waits until the
  bot has joined them all, then sends one message in each (encrypted in encrypted rooms: one
  Megolm room key shared with the bot per room), until the bot has received them all;
- VmRSS of the bot is read after the joins, after the messages, then the bot is stopped
  (SIGTERM), the key store folder measured, and the bot started again on the same database
  and key store, --restarts times: start-up time (spawn -> ready: imports, database, login
  with the key store load, first full-state sync, reconcile) and VmRSS 5 s after; after the
  last, one more message in the first room must reach it (readable after the restart).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import nio
from _common import header, load, tmpdir
from _matrix import TOKEN_ENV, Child, spawn, start_synapse, stop

BATCH = 10
MADE: list[Path] = []


def folder(prefix: str) -> Path:
    MADE.append(tmpdir(prefix))
    return MADE[-1]


def log(msg: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def size_of(folder: str) -> tuple[int, int, int]:
    """(files, bytes, bytes allocated on disk) of everything under `folder`."""
    files = size = alloc = 0
    for root, _dirs, names in os.walk(folder):
        for name in names:
            st = os.stat(os.path.join(root, name))
            files, size, alloc = files + 1, size + st.st_size, alloc + st.st_blocks * 512
    return files, size, alloc


def store_rows(folder: str) -> str:
    """Row counts of nio's key store (read after the bot has stopped)."""
    import sqlite3

    out = []
    for f in sorted(Path(folder).glob("*.db")):
        con = sqlite3.connect(f"file:{f}?mode=ro", uri=True)
        try:
            for table in ("megolminboundsessions", "olmsessions", "devicekeys", "encryptedrooms"):
                (count,) = con.execute(f"SELECT count(*) FROM {table}").fetchone()
                out.append(f"{table} {count}")
        finally:
            con.close()
    return ", ".join(out)


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


async def wait_stats(child: Child, done: Callable[[dict[str, Any]], bool], what: str,
                     within: float) -> dict[str, Any]:
    deadline = time.monotonic() + within
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        last = await asyncio.to_thread(child.stats)
        if done(last):
            return last
        log(f"waiting for {what}: {last}")
        await asyncio.sleep(3)
    raise TimeoutError(f"{what}: last {last}")


def start_bot(url: str, user_id: str, token: str, db: Path) -> tuple[Child, float, dict[str, Any]]:
    import json

    t0 = time.perf_counter()
    child = spawn(["bench/_matrix_crypto.py", "logoff", url, user_id, str(db)],
                  env={TOKEN_ENV: token}, within=900)
    wall = time.perf_counter() - t0
    return child, wall, json.loads(child.ready[len("READY "):])


async def in_batches(items: list[Any], make: Callable[[Any], Awaitable[Any]]) -> list[Any]:
    out: list[Any] = []
    for i in range(0, len(items), BATCH):
        out.extend(await asyncio.gather(*(make(x) for x in items[i:i + BATCH])))
    return out


async def retry(fn: Callable[[], Awaitable[Any]], tries: int = 3) -> Any:
    for attempt in range(tries):
        try:
            return await fn()
        except Exception as e:  # nio's key query/claim racing the human's own sync loop
            if attempt == tries - 1:
                raise
            log(f"retrying after {e!r}")
            await asyncio.sleep(0.5)


async def phase(syn: Any, human: Any, kind: str, n: int, restarts: int) -> dict[str, Any]:
    encrypted = kind == "encrypted"
    acc = syn.register(f"logoff{kind}")
    db = folder(f"crypto-mem-{kind}") / "bot.db"
    bot, first_wall, first_ready = start_bot(syn.url, acc.user_id, acc.access_token, db)
    res: dict[str, Any] = {"kind": kind, "rss_fresh_kib": first_ready["rss_kib"]}
    c = human.client
    try:
        t0 = time.perf_counter()
        state = [nio.EnableEncryptionBuilder().as_dict()] if encrypted else []

        async def create(i: int) -> str:
            resp = await c.room_create(name=f"{kind} {i}", invite=[acc.user_id],
                                       initial_state=state)
            assert isinstance(resp, nio.RoomCreateResponse), resp
            return str(resp.room_id)

        rooms: list[str] = []
        for i in range(0, n, 100):
            rooms += await in_batches(list(range(i, min(n, i + 100))), create)
            log(f"{kind}: {len(rooms)} rooms created")
        res["create_s"] = time.perf_counter() - t0
        await wait_stats(bot, lambda s: s["rooms"] >= n, f"the bot to join {n} rooms", 1800)
        res["joined_s"] = time.perf_counter() - t0
        await asyncio.sleep(5)
        res["after_join"] = await asyncio.to_thread(bot.stats)

        def bot_in(room_id: str) -> bool:
            r = c.rooms.get(room_id)
            return r is not None and acc.user_id in r.users and acc.user_id not in r.invited_users

        deadline = time.monotonic() + 600
        while not all(bot_in(r) for r in rooms):
            assert time.monotonic() < deadline, "the human's sync never showed the bot joined"
            await asyncio.sleep(0.5)

        async def say(room_id: str, text: str) -> None:
            if encrypted:
                await retry(lambda: human.say(room_id, text))
            else:
                resp = await c.room_send(room_id, "m.room.message",
                                         {"msgtype": "m.text", "body": text})
                assert isinstance(resp, nio.RoomSendResponse), resp

        t1 = time.perf_counter()
        for i, room_id in enumerate(rooms):  # one at a time: nio's key sharing is not reentrant
            await say(room_id, f"hello {i}")
            if (i + 1) % 200 == 0:
                log(f"{kind}: {i + 1} messages sent")
        res["send_s"] = time.perf_counter() - t1
        await wait_stats(
            bot, lambda s: s["messages"] >= n and s["held"] == 0
            and (not encrypted or s["inbound_sessions"] >= n), "the bot to read every message",
            900)
        await asyncio.sleep(5)
        res["after_messages"] = await asyncio.to_thread(bot.stats)
    finally:
        stop(bot)
    keys = f"{db}-matrix-keys"
    res["key_store"] = size_of(keys)
    res["key_store_rows"] = store_rows(keys)
    res["db_bytes"] = sum(p.stat().st_size for p in db.parent.glob("bot.db*") if p.is_file())

    res["restarts"] = []
    for k in range(restarts):
        bot, wall, ready = start_bot(syn.url, acc.user_id, acc.access_token, db)
        try:
            res["restarts"].append((wall, ready))
            await asyncio.sleep(5)
            res["after_restart"] = await asyncio.to_thread(bot.stats)
            if k == restarts - 1:
                await say(rooms[0], "after the restart")
                await wait_stats(bot, lambda s: s["messages"] >= 1 and s["held"] == 0,
                                 "the message sent after the restart", 60)
                res["after_restart_message"] = "read"
        finally:
            stop(bot)
    res["first_start_wall_s"] = first_wall
    return res


def report(r: dict[str, Any], n: int) -> None:
    kind, j, m, a = r["kind"], r["after_join"], r["after_messages"], r["after_restart"]
    files, size, alloc = r["key_store"]
    print(f"--- {n} {kind} rooms")
    print(f"setup: {n} rooms created in {r['create_s']:.1f} s ({BATCH} at a time), all joined by "
          f"the bot {r['joined_s']:.1f} s after the first; {n} messages sent in {r['send_s']:.1f} s")
    print(f"bot VmRSS: fresh (no rooms) {mib(r['rss_fresh_kib'])}; after joining {mib(j['rss_kib'])}"
          f"; after one message per room {mib(m['rss_kib'])} (VmHWM {mib(m['hwm_kib'])}); "
          f"after the restart {mib(a['rss_kib'])} (VmHWM {mib(a['hwm_kib'])})")
    print(f"bot's view: {m['rooms']} rooms ({m['encrypted_rooms']} encrypted), "
          f"{m['inbound_sessions']} inbound Megolm sessions, {m['messages']} messages read, "
          f"{m['held']} waiting for keys; after the restart: {a['rooms']} rooms, "
          f"{a['inbound_sessions']} inbound sessions loaded")
    print(f"key store folder: {files} files, {size / 1024:.0f} KiB ({alloc / 1024:.0f} KiB on "
          f"disk): {r['key_store_rows']}; bot database (+wal): {r['db_bytes'] / 1024:.0f} KiB")
    print(f"first start (empty store, no rooms): {r['first_start_wall_s']:.2f} s spawn -> ready")
    for i, (wall, ready) in enumerate(r["restarts"], 1):
        parts = ", ".join(f"{k} {v:.3f} s" for k, v in ready.items() if k != "rss_kib")
        print(f"start-up {i} with that store: {wall:.2f} s spawn -> ready ({parts}); "
              f"VmRSS at ready {mib(ready['rss_kib'])}")
    print(f"a message sent after the restart: {r['after_restart_message']}")


async def run(n: int, kinds: list[str], restarts: int) -> None:
    from tests.matrix_harness.crypto import CryptoHuman

    syn = start_synapse()
    human = None
    try:
        me = syn.register("human")
        human = CryptoHuman(syn.url, me, folder("crypto-mem-human") / "store")
        await human.start()
        results = []
        for kind in kinds:
            results.append(await phase(syn, human, kind, n, restarts))
            report(results[-1], n)
        if len(results) == 2:
            enc, plain = results
            print("--- encrypted - plain")
            for label, key in (("after one message per room", "after_messages"),
                               ("after the restart", "after_restart")):
                d = enc[key]["rss_kib"] - plain[key]["rss_kib"]
                print(f"VmRSS {label}: {d / 1024:+.1f} MiB ({d / n:+.1f} KiB per room)")
            ks = enc["key_store"][1] - plain["key_store"][1]
            print(f"key store: {ks / 1024:+.0f} KiB ({ks / 1024 / n:+.2f} KiB per room)")
            walls = [[w for w, _ in x["restarts"]] for x in (enc, plain)]
            print("start-up, spawn -> ready: " + ", ".join(
                f"{a - b:+.2f} s" for a, b in zip(*walls, strict=True)))
    finally:
        if human is not None:
            await human.close()
        syn.cleanup()
        for d in MADE:  # this run's own folders (databases, key stores)
            shutil.rmtree(d, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rooms", type=int, default=1000)
    p.add_argument("--skip-plain", action="store_true", help="only the encrypted rooms")
    p.add_argument("--restarts", type=int, default=2, help="restarts timed per kind of room")
    args = p.parse_args()
    logging.getLogger("nio").setLevel(logging.ERROR)
    header("the bot with the crypto store of many encrypted rooms (issue 18)")
    kinds = ["encrypted"] + ([] if args.skip_plain else ["plain"])
    asyncio.run(run(args.rooms, kinds, args.restarts))
    print(f"# {load()} at the end")


if __name__ == "__main__":
    main()
