"""The shared text parser: quoting, name=value, rest of line, | lists, and fuzzing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands import CommandRegistry, CommandSpec, Option, UsageError, tokenize

POLL = CommandSpec(("poll", "create"), "start a poll", (
    Option("question", "q"),
    Option("options", "o", kind="list", rest=True, min=2, max=10),
    Option("multi", "m", kind="bool", required=False, positional=False),
    Option("closes", "c", kind="when_or_duration", required=False, positional=False, greedy=True),
))
EVENT = CommandSpec(("event", "create"), "plan", (
    Option("title", "t", rest=True),
    Option("when", "w", positional=False, greedy=True),
    Option("where", "p", required=False, positional=False, greedy=True),
    Option("capacity", "n", kind="int", required=False, positional=False),
))
CONFIG = CommandSpec(("config", "set"), "set", (Option("key", "k"), Option("value", "v", rest=True)))
HELP = CommandSpec(("help",), "help", (Option("command", "c", required=False, rest=True),))


@pytest.fixture
def reg() -> CommandRegistry:
    r = CommandRegistry()
    for spec in (POLL, EVENT, CONFIG, HELP):
        r.add(spec)
    return r


def test_product_example(reg: CommandRegistry) -> None:
    spec, args = reg.resolve('poll create "Where should we meet?" Riverside Park | Blue Cafe | Library closes=2h')
    assert spec is POLL
    assert args == {"question": "Where should we meet?", "options": "Riverside Park | Blue Cafe | Library",
                    "closes": "2h"}


def test_named_anywhere_and_quoted_values(reg: CommandRegistry) -> None:
    _, args = reg.resolve('event create when="2026-12-05 18:30" Board games capacity=8 where="Blue Cafe"')
    assert args == {"title": "Board games", "when": "2026-12-05 18:30", "capacity": "8", "where": "Blue Cafe"}


def test_greedy_named_value_runs_to_next_name(reg: CommandRegistry) -> None:
    _, args = reg.resolve("event create Picnic in the park when=saturday 10am where=Riverside Park")
    assert args == {"title": "Picnic in the park", "when": "saturday 10am", "where": "Riverside Park"}


def test_apostrophe_and_smart_quotes_do_not_break(reg: CommandRegistry) -> None:
    _, args = reg.resolve("event create Bob's party when=tomorrow 7pm")
    assert args["title"] == "Bob's party"
    _, args = reg.resolve("poll create “Where now?” A | B")
    assert args["question"] == "Where now?"


def test_backslash_escapes_a_double_quote_inside_double_quotes_as_in_a_shell(reg: CommandRegistry) -> None:
    _, args = reg.resolve(r'event create Walk when=tomorrow where="Park; \"north\" gate"')
    assert args["where"] == 'Park; "north" gate'
    # Before anything but a quote or a backslash it is a plain backslash (a path stays a path).
    _, args = reg.resolve(r'event create Walk when=tomorrow where="C:\Users\bob\\"')
    assert args["where"] == "C:\\Users\\bob\\"


def test_a_word_quoted_whole_with_an_unknown_name_is_run_over_like_any_quoted_word(reg: CommandRegistry) -> None:
    # After a greedy value it is part of that value, not text taken back to the title; it used
    # to end the place and become "Quiz e=mc2". Its double quotes only group, as they do in the
    # title (shell-style); a single-quoted part of a longer value keeps its quotes.
    _, args = reg.resolve('event create Quiz when=tomorrow 7pm where=Lab "e=mc2"')
    assert args == {"title": "Quiz", "when": "tomorrow 7pm", "where": "Lab e=mc2"}
    _, args = reg.resolve("event create Quiz when=tomorrow 7pm where=Lab 'e=mc2 night' capacity=3")
    assert args == {"title": "Quiz", "when": "tomorrow 7pm", "where": "Lab 'e=mc2 night'", "capacity": "3"}
    # Where no value runs on, it is positional text, its double quotes only grouping, as a shell's.
    _, args = reg.resolve('event create "e=mc2" night when="tomorrow 7pm"')
    assert args["title"] == "e=mc2 night"
    _, args = reg.resolve('event create Quiz when="tomorrow 7pm" "e=mc2"')
    assert args["title"] == "Quiz e=mc2"
    _, args = reg.resolve('event create when="tomorrow 7pm" "e=mc2"')
    assert args["title"] == "e=mc2"


def test_a_word_quoted_whole_whose_name_is_an_option_is_that_option(reg: CommandRegistry) -> None:
    # As a shell hands it over: one word `where=the wild things are`, read as name=value.
    _, args = reg.resolve('event create Party "when=tomorrow 7pm" "where=the wild things are"')
    assert args == {"title": "Party", "when": "tomorrow 7pm", "where": "the wild things are"}
    # It ends a greedy value before it, as an unquoted where= does.
    _, args = reg.resolve("event create Party when=tomorrow 7pm 'where=the wild things are'")
    assert args == {"title": "Party", "when": "tomorrow 7pm", "where": "the wild things are"}


def test_rest_takes_the_rest_and_config_values_may_contain_equals(reg: CommandRegistry) -> None:
    _, args = reg.resolve("config set reminders 24h,1h")
    assert args == {"key": "reminders", "value": "24h,1h"}
    _, args = reg.resolve("config set note a=b c")
    assert args["value"] == "a=b c"


@pytest.mark.parametrize("line, needle", [
    ("poll create", "question is missing"),
    ("event create Picnic", "when is missing"),
    ("event create Picnic when=friday capcity=3", "'capcity' is not an option"),
    ("event create X when=friday when=monday", "given twice"),
    ("frobnicate now", "no command 'frobnicate'"),
    ("poll", "needs one of"),
])
def test_bad_input_names_the_problem_and_usage(reg: CommandRegistry, line: str, needle: str) -> None:
    with pytest.raises(UsageError) as e:
        reg.resolve(line)
    assert needle in str(e.value)
    if e.value.spec is not None:
        assert e.value.usage.startswith("!" + e.value.spec.name)


def test_usage_is_generated_from_the_declaration() -> None:
    assert POLL.usage() == "!poll create <question> <options…> [multi=yes] [closes=<closes>]"


def test_usage_shows_a_fixed_list_of_words_as_the_words() -> None:
    spec = CommandSpec(("rsvp",), "answer", (Option("id", "the event", kind="int"),
                                             Option("status", "s", kind="choice", choices=("going", "maybe", "no")),
                                             Option("scope", "sc", kind="choice", choices=("series",), required=False)))
    assert spec.usage("!") == "!rsvp <id> going|maybe|no [series]"


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_fuzz_parser_never_crashes(line: str) -> None:
    r = CommandRegistry()
    for spec in (POLL, EVENT, CONFIG, HELP):
        r.add(spec)
    try:
        spec, args = r.resolve(line)
    except UsageError as e:
        assert str(e)  # every refusal says something
        return
    assert all(isinstance(v, str) for v in args.values())
    for opt in spec.options:
        if opt.required:
            assert args[opt.name].strip()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(['"', "'", "\\", "=", "|", "a", " ", "when=", "“", "x=y"]), max_size=40))
def test_fuzz_quote_soup(parts: list[str]) -> None:
    try:
        tokens = tokenize("".join(parts))
    except UsageError as e:  # a double quote never closed, or one left over after a "12" (inches?)
        assert "never closed" in str(e) or "opens nothing" in str(e) or "closes nothing" in str(e)
        return
    assert all(isinstance(t, str) for t in tokens)


@pytest.mark.parametrize("line, expected", [
    ("event create 'Tis Bob's party when=tomorrow 7pm where=the Smiths' place",
     {"title": "'Tis Bob's party", "when": "tomorrow 7pm", "where": "the Smiths' place"}),
    ("event create 'Twas the night when=dec 24 6pm where=the Jones' house",
     {"title": "'Twas the night", "when": "dec 24 6pm", "where": "the Jones' house"}),
    ("event create 'Bob's party' when=tomorrow 7pm", {"title": "Bob's party", "when": "tomorrow 7pm"}),
])
def test_a_single_quote_never_runs_over_a_name_word(reg: CommandRegistry, line: str,
                                                    expected: dict[str, str]) -> None:
    """Its partner past `when=` made one quoted part of the title and both options."""
    assert reg.resolve(line)[1] == expected


@pytest.mark.parametrize("line, title, where", [
    ("event create '90s party when=tomorrow 7pm", "'90s party", None),
    ("event create Rock 'n roll night when=tomorrow 7pm", "Rock 'n roll night", None),
    ("event create Stay 'til dawn when=tomorrow 7pm", "Stay 'til dawn", None),
    ("event create Drinks when=fri 8pm where='t Hoekje", "Drinks", "'t Hoekje"),
    ("event create Drinks when=fri 8pm where='s-Hertogenbosch station", "Drinks", "'s-Hertogenbosch station"),
    ("event create Drinks when=fri 8pm where=’t Hoekje", "Drinks", "'t Hoekje"),  # iOS's apostrophe
])
def test_an_apostrophe_opening_a_word_is_a_letter(reg: CommandRegistry, line: str, title: str,
                                                  where: str | None) -> None:
    _, args = reg.resolve(line)
    assert (args["title"], args.get("where")) == (title, where)


def test_an_apostrophe_opening_a_word_in_a_rest_value_is_a_letter(reg: CommandRegistry) -> None:
    assert reg.resolve("config set offline.note don't fight, let's talk 'til it's sorted")[1]["value"] == \
        "don't fight, let's talk 'til it's sorted"
    assert reg.resolve("help 'em")[1]["command"] == "'em"


@pytest.mark.parametrize("line", ["poll create 'Where should we meet? A | B", "poll create ’Where should we meet? A | B",
                                  "config set 'offline.note hello"])
def test_a_quote_left_open_on_a_one_word_option_is_refused(reg: CommandRegistry, line: str) -> None:
    """Where the question was meant to end is not guessed: "'Where" was the whole question."""
    with pytest.raises(UsageError) as e:
        reg.resolve(line)
    assert "is never closed" in str(e.value) and "\\' for an apostrophe" in str(e.value)
    assert reg.resolve(line.replace("'", "\\'").replace("’", "\\'"))[1]
