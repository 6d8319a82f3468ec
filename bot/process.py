"""Process-wide settings for a long-running bot."""

from __future__ import annotations

import gc
import os
import re
import socket

# CPython's default (700, 10, 10) runs a young collection every 700 net container
# allocations. A reaction costs a task, a future and a coroutine or two, so a storm
# of 50,000 reactions ran 1,255 collections taking 0.55 s of its 6.9 s, 0.33 s of it
# in full collections (bench/bench_rsvp_storm.py with gc.callbacks; with these
# thresholds: 17 collections, 0.1 s). Reference counting frees nearly everything the
# bot makes; the cycle collector only has to catch the rare cycle, so it can run far
# less often.
GC_THRESHOLDS = (10_000, 20, 20)


def tune_gc() -> None:
    gc.set_threshold(*GC_THRESHOLDS)


# PostgreSQL keeps at most 63 bytes of a session's application name and shows other than
# ASCII as "?"; the name must come back exactly, since other processes compare it with the
# name on a job's claim. Hosts of a fleet differ at the end of their names, so the end is kept.
_HOST_CHARS = 40
APP_PREFIX = "logoff "
# Names of this form (host/pid) carry their sessions' application name; claims under older
# names are only ever taken when their lease runs out.
NAME_MARK = "/"


def process_name(pid: int | None = None) -> str:
    """This process (or process `pid` of this host) among those sharing a database: on its job
    claims and, on PostgreSQL, as its sessions' application name, so others can see whether
    it is still there."""
    host = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname())[-_HOST_CHARS:]
    return f"{host}{NAME_MARK}{os.getpid() if pid is None else pid}"
