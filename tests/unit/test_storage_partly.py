"""A command whose write fails after an earlier write of it committed (an event is made in
several) must not say "nothing was changed": someone who tries again gets a second event."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.pgconflict import StorageBusy
from bot.stores import StorageUnavailable


def failing_at(bot: Any, n: int, error: Exception) -> Callable[[], None]:
    """The command's `n`th write fails with `error`, the others go through."""
    real: Callable[[Any], Awaitable[Any]] = bot.db.write
    writes = 0

    async def write(unit: Any) -> Any:
        nonlocal writes
        writes += 1
        if writes == n:
            raise error
        return await real(unit)

    bot.db.write = write
    return lambda: setattr(bot.db, "write", real)


@pytest.mark.parametrize("error", [StorageBusy("test: conflicted too long"),
                                   StorageUnavailable("test: the server went away")],
                         ids=["busy", "unavailable"])
async def test_a_later_write_failing_says_part_was_saved(bot, fake, error) -> None:  # type: ignore[no-untyped-def]
    restore = failing_at(bot, 2, error)
    try:
        replies = await fake.invoke('!event create Picnic when="tomorrow 18:00"')
    finally:
        restore()
    titles = [r[0] for r in await bot.db.fetchall("SELECT title FROM events")]
    said = [r.text for r in replies]
    assert titles == ["Picnic"], said
    assert not any("nothing was changed" in s for s in said), said
    assert any(s.startswith("⚠️") and "part of" in s and "check" in s for s in said), said


async def test_the_first_write_failing_still_says_nothing_was_changed(bot, fake) -> None:  # type: ignore[no-untyped-def]
    restore = failing_at(bot, 1, StorageBusy("test: conflicted too long"))
    try:
        replies = await fake.invoke('!event create Picnic when="tomorrow 18:00"')
    finally:
        restore()
    assert await bot.db.fetchall("SELECT title FROM events") == []
    assert any("nothing was changed" in r.text for r in replies), [r.text for r in replies]
