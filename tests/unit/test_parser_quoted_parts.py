"""Quotes around part of a value, and double quotes that may be inch marks (PRODUCT.md's text
syntax). The rule: quotes group the words of a whole value; a quoted part that is only part of
a longer value is kept as typed, quotes and all. A double quote inside a word is a character,
and a quoted part closed after a digit with a quote left over later is refused, not guessed."""

from __future__ import annotations

import pytest

from bot.commands import CommandRegistry, CommandSpec, Option, UsageError

POLL = CommandSpec(("poll", "create"), "start a poll", (
    Option("question", "q"),
    Option("options", "o", kind="list", rest=True, min=2, max=10),
    Option("closes", "c", kind="when_or_duration", required=False, positional=False, greedy=True),
))
EVENT = CommandSpec(("event", "create"), "plan", (
    Option("title", "t", rest=True),
    Option("when", "w", positional=False, greedy=True, placeholder="time"),
    Option("where", "p", required=False, positional=False, greedy=True, placeholder="place"),
))
EDIT = CommandSpec(("event", "edit"), "edit", (
    Option("id", "i", kind="int", min=1),
    Option("title", "t", required=False, positional=False, greedy=True),
    Option("where", "p", required=False, positional=False, greedy=True, placeholder="place"),
))
RSVP = CommandSpec(("rsvp",), "answer", (Option("id", "i", kind="int", min=1),
                                         Option("status", "s", kind="choice", choices=("going", "maybe", "no"))))
OFFLINE = CommandSpec(("offline",), "offline", (Option("note", "n", required=False, rest=True),))
HELP = CommandSpec(("help",), "help", (Option("command", "c", required=False, rest=True),))
CONFIG = CommandSpec(("config", "set"), "set", (Option("key", "k"), Option("value", "v", rest=True)))


@pytest.fixture
def reg() -> CommandRegistry:
    r = CommandRegistry()
    for spec in (POLL, EVENT, EDIT, RSVP, OFFLINE, HELP, CONFIG):
        r.add(spec)
    return r


@pytest.mark.parametrize("line, field, text", [
    ("event create 'cause the Smiths' dog needs a walk when=tomorrow 7pm", "title",
     "'cause the Smiths' dog needs a walk"),
    ("event create Rock 'n' roll night when=tomorrow 7pm", "title", "Rock 'n' roll night"),
    ("event create Why 'cause the Smiths' when=tomorrow 7pm", "title", "Why 'cause the Smiths'"),
    ("event create Movie night: \"Jaws\" when=tomorrow 7pm", "title", 'Movie night: Jaws'),  # a shell's double quotes
    ("offline 'cause the Smiths' dog", "note", "'cause the Smiths' dog"),
    ("poll create \"Which music?\" rock 'n' roll | jazz | 'cause the Smiths' dog barks", "options",
     "rock 'n' roll | jazz | 'cause the Smiths' dog barks"),
])
def test_a_quoted_part_of_a_longer_value_is_kept_as_typed(reg: CommandRegistry, line: str, field: str,
                                                          text: str) -> None:
    """They were paired as quotes and lost: "cause the Smiths dog", "Rock n roll night"."""
    assert reg.resolve(line)[1][field] == text


@pytest.mark.parametrize("line, field, text", [
    ("event create 'Board games' when=tomorrow 7pm", "title", "Board games"),
    ("event create title='Board games' when=tomorrow 7pm", "title", "Board games"),
    ("event create when=\"tomorrow 7pm\" 'Board games'", "title", "Board games"),
    ("event create \"It's Bob's party\" when=tomorrow 7pm", "title", "It's Bob's party"),
    ("poll create 'Board games' 'Card games' | \"Chess club\" | Go", "question", "Board games"),
    ("poll create 'Board games' 'Card games' | \"Chess club\" | Go", "options", "Card games | Chess club | Go"),
    ("help 'event create'", "command", "event create"),
    ("config set offline.note 'use key=value pairs'", "value", "use key=value pairs"),
])
def test_a_quoted_whole_value_is_its_text(reg: CommandRegistry, line: str, field: str, text: str) -> None:
    assert reg.resolve(line)[1][field] == text


@pytest.mark.parametrize("line, field, text", [
    ('event create 12" pizza night when="tomorrow 7pm"', "title", '12" pizza night'),
    ('event edit 1 title=12" pizza where="Bob\'s"', "title", '12" pizza'),
    ('event create "12\\" pizza night" when="tomorrow 7pm"', "title", '12" pizza night'),
    ('event create "Room 12" when="tomorrow 7pm" where="Hall 3"', "title", "Room 12"),
])
def test_a_double_quote_inside_a_word_is_a_character(reg: CommandRegistry, line: str, field: str,
                                                     text: str) -> None:
    """`title=12"` opened a quoted part up to `where="` and the line read as nonsense."""
    assert reg.resolve(line)[1][field] == text


def test_a_quote_left_over_after_a_number_closed_a_quoted_part_is_refused_saying_how_to_write_it(
        reg: CommandRegistry) -> None:
    """It was the title '12 pizza night"': the inch mark closed the quote, silently."""
    with pytest.raises(UsageError) as e:
        reg.resolve('event create "12" pizza night" when=tomorrow 7pm')
    said = e.value.sentence("!")
    assert "after '12'" in said and "after 'night' closes nothing" in said, said
    assert '"12\\" pizza night"' in said and "!event create <title>" in said, said


@pytest.mark.parametrize("line, wanted, unwanted", [
    ('event create "Party when=tomorrow 7pm', ['the title ends (e.g. "<title>")', "!event create <title>"],
     ["Where should we meet", "poll"]),
    ('event create Party when="tomorrow 7pm', ['the time ends (e.g. when="<time>")', "!event create"],
     ["Where should we meet", "poll"]),
    ('event create Party when=tomorrow "7pm', ['when="<time>"'], ["Where should we meet"]),
    ('rsvp "1 going', ["a number, written without quotes", "!rsvp <id> going|maybe|no"],
     ["Where should we meet"]),
    ('rsvp 1 "going', ["write going or maybe or no without quotes", "!rsvp"], ["Where should we meet"]),
    ('poll create Q A | "B C', ['(e.g. A | "B C")', "!poll create"], ["Where should we meet"]),
    ('poll create "Where should we meet? A | B', ['the question ends (e.g. "<question>")', "!poll create"], []),
])
def test_a_double_quote_never_closed_is_refused_with_an_example_for_the_command_typed(
        reg: CommandRegistry, line: str, wanted: list[str], unwanted: list[str]) -> None:
    """Every command's refusal showed the poll's example, "Where should we meet?", and no usage."""
    with pytest.raises(UsageError) as e:
        reg.resolve(line)
    said = e.value.sentence("!")
    assert "is never closed" in said, said
    assert all(w in said for w in wanted) and not any(u in said for u in unwanted), said


@pytest.mark.parametrize("line, expected", [
    ('event create title=12" pizza night when=tomorrow 7pm', {"title": '12" pizza night', "when": "tomorrow 7pm"}),
    ("event create when=tomorrow 7pm title=Board games", {"title": "Board games", "when": "tomorrow 7pm"}),
    ("config set key=offline.note value=see you there", {"key": "offline.note", "value": "see you there"}),
])
def test_an_option_taking_the_rest_of_the_line_given_by_name_runs_on(reg: CommandRegistry, line: str,
                                                                     expected: dict[str, str]) -> None:
    """`title=12" pizza` was refused: "I don't know what to do with 'pizza'"."""
    assert reg.resolve(line)[1] == expected


async def test_help_usage_lines_are_the_documented_syntax(console):  # type: ignore[no-untyped-def]
    """PRODUCT.md's command table: `…` only for a list (a poll's options)."""
    from tests.unit.console_kit import typed
    bot, adapter = console
    shown = await typed(adapter, "!help")
    for documented in ("event create <title> when=<time> [where=<place>] [capacity=<n>] [details=<text>]",
                       "[duration=<d>]", "checkin <id> [name]", "offline [note]", "help [command]",
                       "config set <key> <value>", "link [code]", "poll create <question> <options…>"):
        assert documented in shown, documented
