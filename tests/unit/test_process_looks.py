"""Who is still there, as one process sees the others on a shared database (bot/jobs.py
`Looks`, bot/process.py): a process is taken for gone only when two looks apart both miss
it, and never when this process cannot see itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import process
from bot.jobs import Gone, Looks

T0 = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_two_looks_apart_are_needed_and_a_process_seen_at_either_is_there() -> None:
    looks = Looks(timedelta(seconds=5))
    assert looks.look(at(0), frozenset({"me/1", "a/2"}), "me/1") is None  # a first look
    assert looks.look(at(3), frozenset({"me/1"}), "me/1") is None  # too soon after it
    assert looks.look(at(6), frozenset({"me/1"}), "me/1") == Gone(frozenset({"me/1", "a/2"}), at(0))
    assert looks.look(at(12), frozenset({"me/1"}), "me/1") == Gone(frozenset({"me/1"}), at(6))


@pytest.mark.parametrize("live", [None, frozenset({"a/2"})])
def test_no_one_is_gone_while_this_process_cannot_see_itself(live: frozenset[str] | None) -> None:
    looks = Looks(timedelta(seconds=5))
    looks.look(at(0), frozenset({"me/1"}), "me/1")
    assert looks.look(at(6), live, "me/1") is None  # reconnecting, or a store that cannot tell
    assert looks.look(at(12), frozenset({"me/1"}), "me/1") is None  # starts over from here
    assert looks.look(at(18), frozenset({"me/1"}), "me/1") == Gone(frozenset({"me/1"}), at(12))


def test_a_process_name_comes_back_whole_from_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    """The database keeps 63 bytes of a session's name and shows non-ASCII as "?"."""
    host = "höst-" + "x" * 70 + "-pod-7f9c"
    monkeypatch.setattr(process.socket, "gethostname", lambda: host)
    name = process.process_name()
    assert name.isascii() and "?" not in name
    assert len((process.APP_PREFIX + name).encode()) <= 63
    assert name.endswith(f"-pod-7f9c{process.NAME_MARK}{process.os.getpid()}")
