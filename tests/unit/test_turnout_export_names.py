"""`event export`: every name comes out as given, but one that starts like a formula, which gets
a leading quote (OWASP) and so never runs as one."""

from __future__ import annotations

import csv
import io

from bot.model import UserRef
from bot.render import Attachment
from bot.testing import FakeAdapter

WHEN = '"2026-11-26 18:00"'
NAMES = ("a,b", 'say "hi"', "two\nlines", "cr\rname", "=1+1", "+1", "-1", "@x", "\t=1", "\n=1",
         "'quoted", "''twice", "plain")


FORMULA = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


async def test_names_come_out_exact_and_inert(fake: FakeAdapter) -> None:
    [card] = await fake.invoke(f"!event create Clean-up when={WHEN}")
    for i, name in enumerate(NAMES):
        await fake.react(card, "✅", UserRef("fake", f"u{i}", name))
    [mine] = await fake.invoke("!event export 1", "alice")
    assert isinstance(mine.out, Attachment)
    rows = list(csv.reader(io.StringIO(mine.out.data.decode(), newline="")))[1:]
    assert [r[0] for r in rows] == ["'" + n if n.startswith(FORMULA) else n for n in NAMES]
    # A quote is not a formula: a spreadsheet's CSV import may keep a second one, so none is added.
    assert [r[0] for r in rows if r[0].lstrip("'") in ("quoted", "twice")] == ["'quoted", "''twice"]
    for r in rows:
        assert not r[0].startswith(FORMULA), r
