"""A piece of people's text isolated by bot/bidi.py and then cut to fit a platform's length
limit stays closed: the cut ends with what closes the isolate (and an override in it), so the
id or count that follows the cut on the line is not turned around."""

from __future__ import annotations

from bot.bidi import balanced, closers, isolate
from bot.render import Card, Choices, line, truncate
from tests.unit.test_bidi_user_text import opened_before

RLO = "\u202e"


def test_a_cut_closes_what_it_leaves_open_within_the_limit() -> None:
    piece = isolate(RLO + "x" * 80)
    for limit in range(1, 85):
        shown = truncate(piece, limit)
        assert len(shown) <= limit and balanced(shown) == shown, (limit, shown)
    assert truncate("plain text", 6) == "plain…"  # text with no control cut as before


def test_a_discord_card_title_cut_to_its_limit_keeps_the_number_out_of_the_override() -> None:
    from adapters.discord.render import card_embed
    title = RLO + "*" * 180  # escaping doubles the stars past the title's limit
    shown = card_embed(Card(title=f"📅 {isolate(title)}", ref="#12")).title
    assert shown.endswith("#12") and opened_before(shown, "#12") == [], repr(shown[-12:])


def test_a_discord_line_split_over_messages_closes_each_part() -> None:
    from adapters.discord.fitting import Piece, split
    text = isolate(RLO + "word " * 30) + " #12"
    parts = split([Piece(text)], 50)
    assert len(parts) > 1
    for part in parts:  # each is a message of its own: none leaves an override open at its end
        assert closers(part) == "", repr(part)


def test_a_matrix_card_cut_to_the_event_limit_keeps_a_place_closed() -> None:
    from adapters.matrix.render import notice
    from bot.render import Field
    # Long enough that the card is shortened: its long parts are cut to a name's length.
    place = line("📍 ", RLO + "x" * 70_000, " (map)")
    content = notice(Card(title="Quiz", ref="#12", fields=(Field("Where", (place,)),)), None)
    body = content["body"]
    assert "(map)" in body and opened_before(body, "(map)") == [], repr(body[-40:])


def test_a_matrix_poll_question_cut_to_fit_keeps_the_number_out_of_the_override() -> None:
    from adapters.matrix.poll_events import start_content
    choices = Choices(question=isolate(RLO + "q" * 600), options=(line("yes"), line("no")))
    content = start_content(Card(title="poll", ref="#12", choices=choices), choices, None)
    assert content is not None
    fallback = content["body"]
    assert opened_before(fallback, "#12") == [], repr(fallback[:20])
