"""`event export`: every name comes out exact as a spreadsheet shows it, and none runs as a formula."""

from __future__ import annotations

import csv
import io

from bot.model import UserRef
from bot.render import Attachment
from bot.testing import FakeAdapter

WHEN = '"2026-11-26 18:00"'
NAMES = ("a,b", 'say "hi"', "two\nlines", "cr\rname", "=1+1", "+1", "-1", "@x", "\t=1", "\n=1",
         "'quoted", "''twice", "plain")


def as_a_spreadsheet_shows(cell: str) -> str:
    """A leading quote marks a cell as text and is not shown."""
    return cell[1:] if cell.startswith("'") else cell


async def test_names_come_out_exact_and_inert(fake: FakeAdapter) -> None:
    [card] = await fake.invoke(f"!event create Clean-up when={WHEN}")
    for i, name in enumerate(NAMES):
        await fake.react(card, "✅", UserRef("fake", f"u{i}", name))
    [mine] = await fake.invoke("!event export 1", "alice")
    assert isinstance(mine.out, Attachment)
    rows = list(csv.reader(io.StringIO(mine.out.data.decode(), newline="")))[1:]
    assert [as_a_spreadsheet_shows(r[0]) for r in rows] == list(NAMES)
    for r in rows:
        assert not r[0].startswith(("=", "+", "-", "@", "\t", "\r", "\n", "\0")), r
