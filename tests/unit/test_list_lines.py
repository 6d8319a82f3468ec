"""List lines in the neutral output: the one kind of line a platform may shorten between
items, with an "and N more" that counts exactly; every other line is left as it is."""

from __future__ import annotations

import pickle

from bot.render import Strong, first_items, line, list_items, list_line, plain_line


def test_a_list_keeps_its_items_and_count_beside_its_text() -> None:
    names = list_line(["ann", ("bo", Strong("b")), "and 5 more"], more=2)
    assert plain_line(names) == "ann, bob, and 5 more, and 2 more"
    # A person named like a count is an item, never read as one.
    assert list_items(names) == ((("ann",), ("bo", Strong("b")), ("and 5 more",)), 2)
    assert list_items(pickle.loads(pickle.dumps(names))) == list_items(names)


def test_a_shortened_list_counts_every_item_left_out() -> None:
    names = list_line([f"n{i}" for i in range(10)], more=30)
    short = first_items(names, 3)
    assert plain_line(short) == "n0, n1, n2, and 37 more"
    assert plain_line(first_items(short, 0)) == "and 40 more"
    assert first_items(names, 10) is names


def test_other_lines_are_never_lists() -> None:
    for ln in (line("Tie between ", "A", ", ", "B", ", ", "C"), line("a", ", ", "and 4 more")):
        assert list_items(ln) is None
        assert first_items(ln, 1) == ln


def test_a_card_whose_list_was_read_a_row_ahead_of_its_count_still_renders_by_the_count() -> None:
    # Counts and lists are separate reads: a "maybe" committed between them gives three names
    # for a count of two. The card must render (the next refresh shows both anew), by the count.
    from datetime import UTC, datetime, timedelta

    from bot.render import plain
    from cogs.events.render import event_card
    from cogs.events.repo import Attendee, Event, Roster

    now = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    event = Event(id=7, space="fake:s", platform="fake", channel_id="c", creator="fake:a", title="Picnic",
                  starts_at=now + timedelta(days=1), location="", details="", capacity=None,
                  state="scheduled", revision=1, ends_at=now + timedelta(days=1, hours=2))
    maybe = tuple(Attendee(f"fake:{n}", n) for n in ("ann", "bob", "cat"))
    card = event_card(event, Roster(going=(), waitlist=(), maybe=maybe, no=(), sizes=(0, 0, 2, 0)), now=now)
    shown = plain(card, UTC)
    assert "Maybe (2)" in shown and "ann, bob" in shown and "cat" not in shown
