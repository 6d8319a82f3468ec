"""The injected clock. Real time in production; a manual clock in tests and in the
console, where `:wait` moves time without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    manual = False

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock(Clock):
    manual = True

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime.now(UTC)).astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, at: datetime) -> None:
        if at > self._now:
            self._now = at

    def advance(self, delta: timedelta) -> None:
        self._now += delta
