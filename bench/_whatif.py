"""Prototypes of the changes proposed in BENCHMARKS.md, applied by monkeypatching so a
benchmark can measure baseline and proposal in the same run. Nothing here is product code:
the lead applies the real change in bot/ or cogs/.

- P1 `cancel_key_range`: Scheduler.cancel with `+state` so SQLite uses the UNIQUE(key) index
  instead of walking every pending job through jobs_due(state, due_at).
- P2 `tracked_index`: Bot.tracked_messages from a dict keyed by (cog, kind, object_id)
  instead of a scan of every tracked message.
- P3 `timer_heap`: Scheduler._set_alarm with loop.call_at instead of one APScheduler job each.
- P4 `pace_at_send`: LiveCards takes the rate-limit slot right before the edit is sent (after
  the render), so a slow render cannot push six edits into one window.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Any

from _common import ROOT  # noqa: F401

from bot import app as app_mod
from bot import scheduler as sched_mod
from bot.adapter import Adapter
from bot.model import MessageRef


def cancel_key_range() -> None:
    def cancel(conn: sqlite3.Connection, key_prefix: str) -> int:
        return conn.execute(
            "UPDATE jobs SET state='cancelled' WHERE +state='pending' AND key >= ? AND key < ?",
            (key_prefix, key_prefix + "\uffff"),
        ).rowcount

    sched_mod.Scheduler.cancel = staticmethod(cancel)  # type: ignore[method-assign]


def tracked_index() -> None:
    def tracked_messages(self: Any, cog: str, kind: str, object_id: int) -> list[MessageRef]:
        idx: dict[tuple[str, str, int], list[MessageRef]] | None = self.__dict__.get("_by_obj")
        if idx is None or self.__dict__.get("_by_obj_n") != len(self._tracked):
            idx = {}
            for t in self._tracked.values():
                idx.setdefault((t.cog, t.kind, t.object_id), []).append(t.message)
            self._by_obj, self._by_obj_n = idx, len(self._tracked)
        return list(idx.get((cog, kind, object_id), ()))

    app_mod.Bot.tracked_messages = tracked_messages  # type: ignore[method-assign]


def timer_heap() -> None:
    def _set_alarm(self: Any, job_id: int, due: datetime) -> None:
        loop = asyncio.get_running_loop()
        handles: dict[int, asyncio.TimerHandle] = self.__dict__.setdefault("_handles", {})
        old = handles.pop(job_id, None)
        if old is not None:
            old.cancel()
        delay = max(0.0, (due - self.clock.now()).total_seconds())
        handles[job_id] = loop.call_at(
            loop.time() + delay, lambda: loop.create_task(self._fire_now(job_id))
        )

    sched_mod.Scheduler._set_alarm = _set_alarm  # type: ignore[method-assign]


def pace_at_send() -> None:
    async def _run(self: Any, key: str) -> None:
        try:
            while key in self._dirty:
                self._dirty.discard(key)
                message, render = self._render[key]
                adapter = self.bot.adapters.get(message.platform)
                if adapter is None:
                    return
                while True:
                    await self._wait_slot(message, adapter)
                    out = await render()
                    if self._take_slot(message, adapter):  # no await between this and send
                        break
                try:
                    await adapter.edit(message, out)
                    self.edits += 1
                except Exception:
                    app_mod.log.exception("editing live card %s failed", key)
        finally:
            self._tasks.pop(key, None)
            self._render.pop(key, None)

    def _stamps(self: Any, message: MessageRef, adapter: Adapter) -> list[float]:
        now = asyncio.get_running_loop().time()
        stamps: list[float] = self._window.setdefault(
            f"{message.platform}:{message.channel_id}", []
        )
        while stamps and now - stamps[0] >= adapter.capabilities.edit_window_s:
            stamps.pop(0)
        return stamps

    async def _wait_slot(self: Any, message: MessageRef, adapter: Adapter) -> None:
        caps = adapter.capabilities
        while caps.edits_per_window > 0:
            stamps = _stamps(self, message, adapter)
            if len(stamps) < caps.edits_per_window:
                return
            now = asyncio.get_running_loop().time()
            await asyncio.sleep(caps.edit_window_s - (now - stamps[0]) + 0.01)

    def _take_slot(self: Any, message: MessageRef, adapter: Adapter) -> bool:
        caps = adapter.capabilities
        if caps.edits_per_window <= 0:
            return True
        stamps = _stamps(self, message, adapter)
        if len(stamps) >= caps.edits_per_window:
            return False
        stamps.append(asyncio.get_running_loop().time())
        return True

    cls = app_mod.LiveCards
    cls._run = _run  # type: ignore[method-assign]
    cls._wait_slot = _wait_slot  # type: ignore[attr-defined]
    cls._take_slot = _take_slot  # type: ignore[attr-defined]


PATCHES: dict[str, Callable[[], None]] = {
    "P1": cancel_key_range,
    "P2": tracked_index,
    "P3": timer_heap,
    "P4": pace_at_send,
}


def apply(names: str) -> list[str]:
    """Apply comma-separated patch names ("P1,P2" or "all"); return what was applied."""
    chosen = list(PATCHES) if names == "all" else [n for n in names.split(",") if n]
    for n in chosen:
        PATCHES[n]()
    return chosen
