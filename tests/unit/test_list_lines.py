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
