"""What `event edit`'s reply says of the time: the time set is said also when it is the one
the event had, so a misreading shows; "still" only where neither its start nor its end moved."""

from __future__ import annotations

from bot.render import Time

from .repo import Event


def time_said(before: Event, after: Event, start_given: bool) -> tuple[str | Time, ...]:
    """The reply's end after the title and id: `before` and `after` the edit, `start_given`
    when= was typed."""
    start = Time(after.starts_at, relative=True)  # not "starts": the word a reminder is known by
    end = Time(after.ends_at)
    if start_given and after.starts_at != before.starts_at:
        return ": now ", start, " until ", end, "."
    if after.ends_at != before.ends_at:
        return (": still ", start, ", now until ", end, ".") if start_given else \
            (": it now ends ", Time(after.ends_at, relative=True), ".")
    if start_given:
        return ": still ", start, " until ", end, "."
    return (".",)
