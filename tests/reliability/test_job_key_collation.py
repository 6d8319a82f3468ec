"""Jobs found by their key's prefix on a PostgreSQL database whose default collation is a
language's, not "C" (an operator's createdb takes the server's locale): a language orders
letters before case, so a key of another person ("…:Bea:…") sorted inside the prefix range of
"…:bea:" and was cancelled or said with theirs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import build_bot
from bot.clock import ManualClock
from tests.reliability.reliability_kit import START


@pytest.fixture
def icu_url(postgres) -> str:  # type: ignore[no-untyped-def]
    """A new database whose default collation is ICU's en-US (no OS locale needed)."""
    name = "icu_en_us"
    postgres.execute(f'DROP DATABASE IF EXISTS "{name}"')
    try:
        postgres.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\' '
                         "LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'")
    except Exception as e:  # a server built without ICU, or one before PostgreSQL 15
        pytest.skip(f"no ICU collation on this PostgreSQL: {e}")
    return str(postgres.url_for(name))


async def test_a_key_prefix_matches_only_its_own_keys_under_a_language_collation(icu_url) -> None:  # type: ignore[no-untyped-def]
    bot = await build_bot(icu_url, clock=ManualClock(START))
    try:
        assert await bot.db.fetchall("SELECT 'b' < 'B' COLLATE \"default\"") == [(True,)]  # not C
        due = START + timedelta(hours=1)
        keys = ["event:1:promoted:m:@bea:hs:2:held.", "event:1:promoted:m:@Bea:hs:3:held."]
        await bot.db.write(lambda c: [bot.scheduler.put(c, "test.kind", k, due) for k in keys])
        prefix = "event:1:promoted:m:@bea:hs:"
        assert [j.key for j in await bot.scheduler.pending(prefix)] == keys[:1]
        assert await bot.db.write(lambda c: bot.scheduler.cancel(c, prefix)) == 1
        assert [j.key for j in await bot.scheduler.pending("event:1:promoted:")] == keys[1:]
    finally:
        await bot.stop()
