"""The console shows the 📍 that check-in opening adds, on each card of the event."""

from __future__ import annotations

import re


async def test_every_card_of_an_event_shows_the_pin_added_when_check_in_opens(console) -> None:  # type: ignore[no-untyped-def]
    _, adapter = console
    for line in ('!event create Picnic when="tomorrow 18:00"', "!event show 1", ":wait 33h"):
        await adapter.handle_line(line)
    out = adapter.out.getvalue()
    blocks = re.split(r"\n(?=\[m\d+\] )", out)
    edits = {b.split("]")[0][1:]: b for b in blocks if "(edited)" in b.splitlines()[0] and "Here (0)" in b}
    assert set(edits) == {"m1", "m2"}, out
    for block in edits.values():
        assert "reactions: + 📍" in block, block
