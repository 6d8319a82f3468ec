"""Flood control for commands: a token bucket per user, so a flood is slowed and
everyone else is untouched."""

from __future__ import annotations

from .clock import Clock
from .model import UserRef

WARN_EVERY_S = 10.0


class RateLimiter:
    def __init__(self, clock: Clock, burst: float = 8, per_second: float = 2.0) -> None:
        self.clock = clock
        self.burst, self.rate = float(burst), per_second
        self._buckets: dict[str, tuple[float, float]] = {}
        self._warned: dict[str, float] = {}

    @classmethod
    def unlimited(cls, clock: Clock) -> RateLimiter:
        """For one person at a keyboard (the console) or a script."""
        return cls(clock, burst=1e12, per_second=1e12)

    def allow(self, user: UserRef) -> bool:
        now = self.clock.monotonic()
        tokens, last = self._buckets.get(user.key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1:
            self._buckets[user.key] = (tokens - 1, now)
            return True
        self._buckets[user.key] = (tokens, now)
        return False

    def should_warn(self, user: UserRef) -> bool:
        now = self.clock.monotonic()
        if now - self._warned.get(user.key, -1e18) > WARN_EVERY_S:
            self._warned[user.key] = now
            return True
        return False
