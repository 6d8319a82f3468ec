"""What an operator watches: counters and histograms in Prometheus' model (prometheus-client).

Each Bot has its own registry, so several bots in one process (the tests) never share a series.
Label values are closed sets (command names, outcomes, platform names, error codes), never user
input, so a hostile user cannot grow the series without bound.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Outcomes of a command, as the dispatcher sees them.
OUTCOMES = ("ok", "refused", "usage", "denied", "unavailable", "error")
_LATE_S = 60.0  # a job sent more than this after its time counts as late
# Error codes are the platform's words, and a platform's server may pass on those of other
# servers it talks to for us (in a room on a server anyone can run): past this many codes on
# one platform, the rest share one series.
MAX_ERROR_CODES = 50
OTHER_CODE = "other"


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.commands = Counter("logoff_commands", "Commands run, by name and outcome",
                                ("command", "outcome"), registry=r)
        # Refused before the line is read (that is the point of flood control): by platform.
        self.throttled = Counter("logoff_commands_throttled", "Commands refused by flood control "
                                 "(a person sending them faster than they are taken), by platform",
                                 ("platform",), registry=r)
        self.rsvps = Counter("logoff_rsvps", "RSVP changes stored, by new status", ("status",),
                             registry=r)
        self.jobs = Counter("logoff_jobs", "Scheduled posts (reminders and others) by kind and "
                            "outcome: sent, late (sent, but over a minute after its time), "
                            "skipped (past its grace), failed", ("kind", "outcome"), registry=r)
        self.taken_over = Counter("logoff_jobs_taken_over", "Jobs this process took over from a "
                                  "process that died (a shared database), by kind", ("kind",),
                                  registry=r)
        self.scheduler_lag = Histogram(
            "logoff_scheduler_lag_seconds", "How long after its time a job was taken",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600), registry=r)
        self.platform_errors = Counter("logoff_platform_errors", "Errors returned by a platform, "
                                       "by platform and code", ("platform", "code"), registry=r)
        self.commit_seconds = Histogram(
            "logoff_db_commit_seconds", "Time of one database commit (a group of writes)",
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1), registry=r)
        self.commit_units = Counter("logoff_db_units", "Write units committed", registry=r)
        self.write_queue = Gauge("logoff_db_write_queue", "Write units waiting for a commit",
                                 registry=r)
        self.scheduler_queue = Gauge(
            "logoff_scheduler_queue", "Scheduled jobs in hand: waiting (taken over from a "
            "process that died, waiting for a free slot) and running (being claimed or sent)",
            ("stage",), registry=r)
        self.card_edit_queue = Gauge("logoff_card_edit_queue", "Live cards with an edit waiting "
                                     "for the platform's pace or being sent", registry=r)
        self.connected = Gauge("logoff_platform_connected", "1 while the platform is connected",
                               ("platform",), registry=r)

        # `labels()` takes a lock and builds a key on every call; an RSVP storm calls it per
        # reaction, so the children are kept.
        self._rsvp_children: dict[str, Any] = {}
        self._error_codes: dict[str, set[str]] = {}

    def command(self, name: str, outcome: str) -> None:
        self.commands.labels(name, outcome).inc()

    def rsvp(self, status: str) -> None:
        child = self._rsvp_children.get(status)
        if child is None:
            child = self._rsvp_children[status] = self.rsvps.labels(status)
        child.inc()

    def job(self, kind: str, outcome: str, late_s: float | None = None) -> None:
        if outcome == "sent" and late_s is not None and late_s > _LATE_S:
            self.jobs.labels(kind, "late").inc()
        self.jobs.labels(kind, outcome).inc()

    def platform_error(self, platform: str, code: str | int) -> None:
        label = str(code)[:40]
        seen = self._error_codes.setdefault(platform, set())
        if label not in seen:
            if len(seen) >= MAX_ERROR_CODES:
                label = OTHER_CODE
            else:
                seen.add(label)
        self.platform_errors.labels(platform, label).inc()

    def watch_queue(self, depth: Callable[[], int]) -> None:
        self.write_queue.set_function(lambda: float(depth()))

    def watch_jobs(self, waiting: Callable[[], int], running: Callable[[], int]) -> None:
        self.scheduler_queue.labels("waiting").set_function(lambda: float(waiting()))
        self.scheduler_queue.labels("running").set_function(lambda: float(running()))

    def committed(self, seconds: float, units: int) -> None:
        self.commit_seconds.observe(seconds)
        self.commit_units.inc(units)
