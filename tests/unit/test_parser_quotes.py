"""Single quotes in the text parser, after a review of the day's changes: the scan for a
quote's partner is linear, only the command's own `name=` words end a quoted part, `\\'`
inside one is an apostrophe, a refusal names the option the quote was on, and an opening
apostrophe is not paired past another apostrophe (the text is kept as typed)."""

from __future__ import annotations

import sys
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

import bot.commandparse
from bot.commands import MAX_LINE, CommandRegistry, CommandSpec, Option, UsageError, tokens

POLL = CommandSpec(("poll", "create"), "start a poll", (
    Option("question", "q", max_length=200),
    Option("options", "o", kind="list", rest=True, min=2, max=10, placeholder="options"),
    Option("multi", "m", kind="bool", required=False, positional=False),
    Option("closes", "c", kind="when_or_duration", required=False, positional=False, greedy=True),
))
EVENT = CommandSpec(("event", "create"), "plan", (
    Option("title", "t", rest=True),
    Option("when", "w", positional=False, greedy=True),
    Option("where", "p", required=False, positional=False, greedy=True),
))
CONFIG = CommandSpec(("config", "set"), "set", (Option("key", "k"), Option("value", "v", rest=True)))
OFFLINE = CommandSpec(("offline",), "offline", (Option("note", "n", required=False, rest=True),))
RSVP = CommandSpec(("rsvp",), "answer", (Option("id", "i", kind="int", min=1),
                                         Option("status", "s", kind="choice", choices=("going", "maybe", "no"))))
VOTE = CommandSpec(("poll", "vote"), "vote", (Option("id", "i", kind="int", min=1),
                                              Option("choice", "c", kind="int", min=1, max=10, placeholder="n")))
STATS = CommandSpec(("stats",), "stats", (Option("days", "d", kind="int", required=False, min=1,
                                                 placeholder="days"),))
NOTIFY = CommandSpec(("notify",), "notify", (Option("where", "w", kind="choice", choices=("dm", "channel")),))


@pytest.fixture
def reg() -> CommandRegistry:
    r = CommandRegistry()
    for spec in (POLL, EVENT, CONFIG, OFFLINE, RSVP, VOTE, STATS, NOTIFY):
        r.add(spec)
    return r


def _steps(reg: CommandRegistry, line: str) -> int:
    """Lines of the parser's own modules executed to read `line` (a count, not a time)."""
    ours = {str(Path(bot.commandparse.__file__).parent / f) for f in ("commandparse.py", "commandtokens.py")}
    count = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename in ours else None

    before = sys.gettrace()
    sys.settrace(tracer)
    try:
        reg.resolve(line)
    except UsageError:
        pass
    finally:
        sys.settrace(before)
    return count


@pytest.mark.parametrize("head, unit, tail", [
    ("poll create Q ", "'a ", ""),  # each apostrophe opening a word looked at every later one
    ("event create ", "'a'b ", "when=x"),
    ("event create ", "'a b'c ", "when=x"),
    ("event create ", "'a x= ", ""),
])
def test_looking_for_a_quotes_partner_takes_steps_in_proportion_to_the_line(
        reg: CommandRegistry, head: str, unit: str, tail: str) -> None:
    """A line four times as long takes about four times the steps, not sixteen: each quote
    opening a word looked at every later quote, on the event loop, for every message."""
    lines = [head + unit * n + tail for n in (120, 480)]
    assert len(lines[1]) <= MAX_LINE  # not refused for its length before any scan
    small, large = (_steps(reg, line) for line in lines)
    assert large < 6 * small, (small, large)


@pytest.mark.parametrize("line, expected", [
    ("poll create 'Is x=5 the answer?' Yes | No", {"question": "Is x=5 the answer?", "options": "Yes | No"}),
    ("config set offline.note 'use key=value pairs'", {"key": "offline.note", "value": "use key=value pairs"}),
    ("event create 'Party a=b' when=tomorrow", {"title": "Party a=b", "when": "tomorrow"}),
])
def test_a_quoted_part_runs_over_a_name_word_that_is_not_one_of_the_commands_options(
        reg: CommandRegistry, line: str, expected: dict[str, str]) -> None:
    """Any ` name=` used to end it: "'x' is not an option", and config's value lost its quotes' text."""
    assert reg.resolve(line)[1] == expected


def test_a_quoted_part_still_ends_before_a_named_option_of_the_command(reg: CommandRegistry) -> None:
    _, args = reg.resolve("event create 'Tis the party when=tomorrow 7pm where=the Smiths' place")
    assert args == {"title": "'Tis the party", "when": "tomorrow 7pm", "where": "the Smiths' place"}
    _, args = reg.resolve("poll create Q A | 'B closes=2h then' C")
    assert args["closes"] == "2h then' C"


@pytest.mark.parametrize("line, question", [
    (r"poll create 'Where\'s the party?' A | B", "Where's the party?"),
    (r"poll create 'It\'s Bob\'s' A | B", "It's Bob's"),
    (r"poll create 'Ends in a backslash \\' A | B", "Ends in a backslash \\"),
])
def test_an_escaped_apostrophe_inside_single_quotes_is_an_apostrophe(reg: CommandRegistry, line: str,
                                                                     question: str) -> None:
    """The refusal advises `\\'`; inside quotes it used to keep its backslash."""
    assert reg.resolve(line)[1] == {"question": question, "options": "A | B"}


@pytest.mark.parametrize("line, named, unwanted", [
    ("rsvp 1 'going", ["going or maybe or no"], "Where should we meet"),
    ("poll vote 1 '2", ["number", "n"], "Where should we meet"),
    ("stats '30", ["number", "days"], "Where should we meet"),
    ("notify 'dm", ["dm or channel"], "Where should we meet"),
    ("config set 'offline.note hello", ["key"], "Where should we meet"),
])
def test_a_quote_left_open_on_a_one_word_option_names_that_option(
        reg: CommandRegistry, line: str, named: list[str], unwanted: str) -> None:
    with pytest.raises(UsageError) as e:
        reg.resolve(line)
    said = str(e.value)
    assert said.startswith("the quote (') opened before") and "never closed" in said, said
    assert all(word in said for word in named) and unwanted not in said, said


def test_the_poll_question_left_open_names_the_question(reg: CommandRegistry) -> None:
    with pytest.raises(UsageError) as e:
        reg.resolve("poll create 'Where should we meet? A | B")
    assert "where the question ends" in str(e.value) and "\\' for an apostrophe" in str(e.value)


@pytest.mark.parametrize("line, note", [
    ("offline 'til it's the players' call", "'til it's the players' call"),
    ("offline 'Twas Bob's idea, not the Smiths' call", "'Twas Bob's idea, not the Smiths' call"),
    ("offline 'em? they're the Joneses' kids", "'em? they're the Joneses' kids"),
])
def test_an_opening_apostrophe_is_not_paired_past_another_apostrophe(reg: CommandRegistry, line: str,
                                                                    note: str) -> None:
    """Pairing dropped both apostrophes: "til it's the players call". The old parser kept the line."""
    assert reg.resolve(line)[1] == {"note": note}


def test_a_quoted_part_may_hold_apostrophes_of_its_first_word(reg: CommandRegistry) -> None:
    """`'Bob's party'` can be told apart: the only other apostrophe is inside the opening word."""
    assert reg.resolve("event create 'Bob's party' when=tomorrow")[1]["title"] == "Bob's party"
    assert reg.resolve("poll create 'Where's the party?' A | B")[1]["question"] == "Where's the party?"


def test_a_question_not_paired_past_an_apostrophe_is_refused_saying_why(reg: CommandRegistry) -> None:
    with pytest.raises(UsageError) as e:
        reg.resolve("poll create 'Is it Bob's or the Smiths' turn? A | B")
    said = str(e.value)
    assert "Bob's" in said and "double quotes" in said, said
    assert reg.resolve("poll create \"Is it Bob's or the Smiths' turn?\" A | B")[1]["question"] == \
        "Is it Bob's or the Smiths' turn?"


@pytest.mark.parametrize("line, field, text", [
    ("poll create 'Is it Bob's or Ann's turn?' A | B", "question", "Is it Bob's or Ann's turn?"),
    ("event create 'It's Bob's party' when=tomorrow", "title", "It's Bob's party"),
    ("offline 'It's Bob's party'", "note", "It's Bob's party"),
])
def test_a_quoted_part_with_apostrophes_in_later_words_is_read_as_typed(
        reg: CommandRegistry, line: str, field: str, text: str) -> None:
    """A partner that is no plural's apostrophe closes the part, whatever apostrophes it holds."""
    assert reg.resolve(line)[1][field] == text


def test_a_word_left_open_is_marked(reg: CommandRegistry) -> None:
    """What `:as` reads: the apostrophe is kept as a letter and the word says it opened a quote."""
    (word,) = tokens("'Bob")
    assert word.text == "'Bob" and word.unclosed
    (word,) = tokens("'Bob Smith'")
    assert word.text == "Bob Smith" and not word.unclosed
