"""The first sync after a start asks for every member; the syncs after it lazy-load them."""

from __future__ import annotations

import copy

from adapters.matrix.leftover import every_member
from adapters.matrix.sync import SYNC_FILTER


def test_the_first_sync_asks_for_every_member_and_leaves_the_other_syncs_lazy() -> None:
    before = copy.deepcopy(SYNC_FILTER)
    first = every_member(SYNC_FILTER)
    assert first["room"]["state"]["lazy_load_members"] is False
    assert SYNC_FILTER == before and SYNC_FILTER["room"]["state"]["lazy_load_members"] is True
    # Only the members change: the timeline limit (back-fill relies on it) and the rest stay.
    assert {**first, "room": {**first["room"], "state": SYNC_FILTER["room"]["state"]}} == SYNC_FILTER
