"""On a database server an RSVP runs as one server-side call, pipelined with the others of its
batch (cogs/events/rsvp_unit.py); `repo.apply_mark` stays the rules' reference. Both run here on
the same random histories (adds and removals, reactions and text, capacities, waitlists,
promotions, cancelled and ended events, names missing or changed, reactions on several cards
of which some are gone), and every outcome and the final tables must be the same."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from datetime import timedelta
from typing import Any

import pytest

from bot.bulk import BulkUnit
from bot.postgres import PostgresDatabase
from cogs.events import repo
from cogs.events.migrations import MIGRATIONS
from cogs.events.rsvp_unit import Marked, mark_unit
from tests.reliability.reliability_kit import START

pytestmark = pytest.mark.integration

CAPACITIES = (None, 1, 2, 3, None, 2)
USERS = [f"discord:{i}" for i in range(9)]
STATUSES = ("going", "going", "maybe", "no")
CARDS = ("discord:m1", "discord:m2", "discord:m3")


async def _setup(db: PostgresDatabase) -> list[int]:
    await db.migrate("events", MIGRATIONS)

    def unit(conn: sqlite3.Connection) -> list[int]:
        ids = []
        for i, cap in enumerate(CAPACITIES):
            ev = repo.insert(conn, space="discord:1", platform="discord", channel_id="c", creator="discord:0",
                             title=f"e{i}", starts_at=START + timedelta(days=1), location="", details="",
                             capacity=cap, now=START)
            ids.append(ev.id)
        over = repo.insert(conn, space="discord:1", platform="discord", channel_id="c", creator="discord:0",
                           title="over", starts_at=START - timedelta(days=1), location="", details="",
                           capacity=None, now=START)
        conn.execute("UPDATE events SET state='cancelled' WHERE id=?", (ids[4],))
        conn.execute("INSERT INTO event_native(event_id, role_id) VALUES(?, 'r1')", (ids[2],))
        return [*ids, over.id, over.id + 1]  # and one that does not exist

    return await db.write(unit)


def _op(rng: random.Random, events: list[int]) -> tuple[Any, ...]:
    source = "text" if rng.random() < 0.2 else "reaction"
    added = source == "text" or rng.random() < 0.65
    name = rng.choice(("", "Ann", "Bo", "Ann"))
    # a reaction on one of the cards, of which those live now (the others are gone)
    card = "" if source == "text" else rng.choice(CARDS)
    live = () if source == "text" else tuple({card, *rng.sample(CARDS, rng.randint(0, 2))})
    return (rng.choice(events), rng.choice(USERS), name, rng.choice(STATUSES), added, source, card, live)


def _unit(op: tuple[Any, ...], bulk_only: bool) -> BulkUnit[Marked]:
    event_id, user, name, status, added, source, card, live = op
    unit = mark_unit(event_id, user, name, status, added=added, source=source, now=START, card=card, live=live)
    if not bulk_only:
        return unit

    def refuse(conn: sqlite3.Connection) -> Marked:
        raise AssertionError("the bulk form did not run")

    return BulkUnit(refuse, unit.bulk)


def _plain(unit: BulkUnit[Marked]) -> Any:
    return lambda conn: unit(conn)  # no bulk form: the rules as Python functions


async def _tables(db: PostgresDatabase) -> tuple[list[tuple[Any, ...]], ...]:
    rsvps = await db.fetchall('SELECT event_id, "user", name, status, going_seq FROM rsvps ORDER BY 1, 2')
    marks = await db.fetchall('SELECT object_id, "user", value, source, card, seq, name FROM event_marks '
                              'ORDER BY 1, 2, 3, 4, 5')
    return [tuple(r) for r in rsvps], [tuple(r) for r in marks]


@pytest.mark.parametrize("seed", [1, 2])
async def test_bulk_form_and_reference_agree(postgres: Any, seed: int) -> None:
    ref, fast = PostgresDatabase(postgres.fresh_url()), PostgresDatabase(postgres.fresh_url())
    await ref.open()
    await fast.open()
    try:
        events = await _setup(ref)
        assert await _setup(fast) == events
        rng = random.Random(seed)
        promotions = waitlisted = 0
        for _ in range(40):
            # written together, so the store runs the bulk calls of a batch in one pipeline
            ops = [_op(rng, events) for _ in range(rng.choice((1, 7, 60)))]
            want = await asyncio.gather(*(ref.write(_plain(_unit(op, False))) for op in ops))
            got = await asyncio.gather(*(fast.write(_unit(op, True)) for op in ops))
            assert got == want, ops
            promotions += sum(1 for m in want if m.result and m.result.promoted)
            waitlisted += sum(1 for m in want if m.result and m.result.waitlisted_at)
        assert await _tables(fast) == await _tables(ref)
        assert promotions > 5 and waitlisted > 5  # the histories reached the capacity rules
        assert fast.commits < fast.units  # the calls did share batches
    finally:
        await ref.close()
        await fast.close()
