"""The injected clock. Real time in production; a manual clock in tests and in the
console, where `:wait` moves time without sleeping.

Two readings: `now()` is the wall clock (when things happen), `monotonic()` measures
spans (rate limits, edit pacing). A manual clock's spans move with real time and with
every advance, so a pacing window passes when a test or `:wait` moves time on."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta


class Clock:
    manual = False

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class ManualClock(Clock):
    manual = True

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime.now(UTC)).astimezone(UTC)
        self._skipped = 0.0  # seconds added by set/advance, for monotonic()

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return time.monotonic() + self._skipped

    def set(self, at: datetime) -> None:
        if at > self._now:
            self._skipped += (at - self._now).total_seconds()
            self._now = at

    def advance(self, delta: timedelta) -> None:
        self._now += delta
        self._skipped += max(0.0, delta.total_seconds())
