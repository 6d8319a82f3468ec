"""The text parser: a typed line into words, and words into a command's raw arguments.

Text syntax (PRODUCT.md): shell-style quoting; `name=value` anywhere; other words
fill positional options in order; the last `rest` option takes the rest of the line.
Two forgiving rules on top, because people type on phones: an apostrophe inside a word
("Bob's party") is just a letter, and the value of a `greedy` named option runs on
over bare words up to the next `name=` ("when=saturday 10am where=Blue Cafe").
A double quote that opens a word and is never closed is refused, as a shell refuses it:
where the quoted text was meant to end is not guessed. An apostrophe opening a word that
nothing closes ('90s, 'til, where='t Hoekje) is a letter too, except where the word would
fill a one-word positional option: `poll create 'Where should we meet? A | B` is refused
rather than made a poll "'Where" (`\\'Where` says the apostrophe is meant). A single-quoted
part never runs over a ` name=` word, so `'Tis Bob's party when=… where=the Smiths' place`
keeps its options.

Which words are `name=` (`_names`, the one rule both the line and a run-on value use):
a `name=` word whose name is an option, quoted or not, as a shell hands a quoted word
over whole (`"where=the wild things are"` is where=, like `"when=tomorrow 7pm"`); and
an unquoted `name=` word whose name is not an option (a misspelt option, refused). A
word quoted whole whose name is not an option (`"e=mc2"`) is text like any quoted
word: part of the greedy value it follows, else positional text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .commandspec import ESCAPED_BAR, CommandSpec, UsageError

MAX_LINE = 4000

_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})
# Any case, as command names are: a phone's capital ("Where=Cafe") is the option, not title text.
_NAMED = re.compile(r"^([a-z][a-z_.]{0,30})=(.*)$", re.DOTALL | re.IGNORECASE)
_NAME_WORD = re.compile(r"\s[a-z][a-z_.]{0,30}=", re.IGNORECASE)  # a later word that is a name=


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    quoted: bool = False
    raw: str = ""  # as typed, quotes included
    # The refusal for a word opening a single quote nothing closes, given only if the word
    # fills a one-word positional option (the apostrophe is otherwise a letter).
    unclosed: str = ""


def tokenize(line: str) -> list[str]:
    return [t.text for t in tokens(line)]


def tokens(line: str) -> list[Token]:
    """Shell-style words. Double quotes always group; a single quote groups only when
    it opens a word and a later one ends a word, so "Bob's party" keeps its apostrophe and
    'Bob's party' is one part; a quote inside a word with no partner is a plain character (a
    12" pizza). A double quote that opens a word and is never closed is refused: the
    quoted text might end anywhere, and reading it to the end of the line made a poll
    question of a word and options of the question's rest. A single one is kept as a letter
    and the word marked (Token.unclosed): only parse_args knows whether it matters."""
    if len(line) > MAX_LINE:
        raise UsageError(f"that is too long ({len(line)} characters); keep a command under {MAX_LINE}")
    s = line.translate(_SMART_QUOTES)
    out: list[Token] = []
    buf: list[str] = []
    quoted = started = False
    unclosed = ""
    i, n = 0, len(s)
    begin = 0
    while i < n:
        c = s[i]
        if c.isspace():
            if started:
                out.append(Token("".join(buf), quoted, s[begin:i], unclosed))
                buf, quoted, started, unclosed = [], False, False, ""
            i += 1
            continue
        if not started:
            begin = i
        if c == "\\" and i + 1 < n:
            buf.append(ESCAPED_BAR if s[i + 1] == "|" else s[i + 1])
            started = True
            i += 2
            continue
        at_word_start = not buf or buf[-1] == "="
        if c == '"':
            closed = _double_quoted(s, i)
            if closed is not None:
                buf.append(closed[0])
                quoted = started = True
                i = closed[1] + 1
                continue
            if at_word_start:  # as a shell would: where the quoted text ends is not guessed
                raise UsageError(_unclosed(s[i + 1:], '"'))
        elif c == "'" and at_word_start:
            end = _single_closed(s, i)
            if end is not None:
                buf.append(s[i + 1:end])
                quoted = started = True
                i = end + 1
                continue
            unclosed = unclosed or _unclosed(s[i + 1:], "'")
        buf.append(c)
        started = True
        i += 1
    if started:
        out.append(Token("".join(buf), quoted, s[begin:], unclosed))
    return out


def _single_closed(s: str, start: int) -> int | None:
    """The index of the quote closing the single-quoted part opening at `start`: the next one
    that ends a word ('Bob's party' is one part) before any ` name=` word; None when none
    does. Past a `name=` the quote is an apostrophe ('Tis … where=the Smiths' place)."""
    stop = _NAME_WORD.search(s, start + 1)
    limit = stop.start() if stop else len(s)
    end = s.find("'", start + 1, limit)
    while end != -1 and end + 1 < len(s) and not s[end + 1].isspace():
        end = s.find("'", end + 1, limit)  # an apostrophe inside a word, not a closing quote
    return None if end == -1 else end


def _unclosed(after: str, quote: str) -> str:
    itself = "an apostrophe" if quote == "'" else "a quote mark itself"
    quoted = " ".join(after.split())
    if not quoted:
        return f"the quote ({quote}) at the end of the line opens nothing: remove it, or write \\{quote} for {itself}"
    shown = quoted if len(quoted) <= 40 else quoted[:40] + "…"
    return (f"the quote ({quote}) opened before '{shown}' is never closed: add the closing {quote} where "
            f"that text ends (e.g. {quote}Where should we meet?{quote}), or write \\{quote} for {itself}")


def _double_quoted(s: str, start: int) -> tuple[str, int] | None:
    """The text of the double-quoted part opening at `start` and the index of its closing
    quote, or None when it never closes. As in a shell, a backslash inside it escapes only a
    double quote or another backslash (and a `|`, as everywhere); before anything else it is a
    plain backslash."""
    out: list[str] = []
    i = start + 1
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s) and s[i + 1] in '"\\|':
            out.append(ESCAPED_BAR if s[i + 1] == "|" else s[i + 1])
            i += 2
            continue
        if c == '"':
            return "".join(out), i
        out.append(c)
        i += 1
    return None


def parse_args(spec: CommandSpec, toks: Sequence[Token | str], prefix: str = "!") -> dict[str, str]:
    usage = spec.usage(prefix)
    items = [t if isinstance(t, Token) else Token(t) for t in toks]
    named: dict[str, str] = {}
    bare: list[Token] = []
    ran_on = ""  # the last greedy option whose value ran on over bare words
    i = 0
    while i < len(items):
        tok = items[i]
        m = _names(spec, tok)
        opt = spec.option(m.group(1).lower()) if m else None
        if m and opt is None and not bare_ok(spec):
            known = ", ".join(o.name for o in spec.options) or "none"  # id=3 works as well as 3
            raise UsageError(f"'{m.group(1)}' is not an option here (options: {known})", spec, usage)
        if m and opt is not None:
            value = [m.group(2)]
            if opt.name in named:  # which one was meant is not guessed
                raise UsageError(f"the option {opt.name}= is given twice (the first time as "
                                 f"'{_short(named[opt.name])}'); keep the one you mean", spec, usage)
            i += 1
            # A greedy value runs on over bare words, unless the user quoted it; the words
            # it runs over keep their quotes (where=Bar, "Main St" is a place with quotes).
            if opt.greedy and not tok.quoted:
                while i < len(items) and not _names(spec, items[i]) \
                        and not (i == len(items) - 1 and _trailing_choice(spec, items[i])):
                    value.append(items[i].raw or items[i].text)
                    i += 1
            named[opt.name] = " ".join(v for v in value if v != "")
            if len(value) > 1:
                ran_on = opt.name
            continue
        bare.append(tok)
        i += 1

    positional = [o for o in spec.options if o.positional and o.name not in named]
    out = dict(named)
    for opt in positional:
        if not bare:
            break
        if opt.rest:
            out[opt.name] = " ".join(t.text for t in bare)
            bare = []
        else:
            word = bare.pop(0)
            if word.unclosed:  # a one-word option taking the first word of a quote left open
                raise UsageError(word.unclosed, spec, usage)
            out[opt.name] = word.text
    if bare:
        left = " ".join(t.text for t in bare).replace(ESCAPED_BAR, "|")
        raise UsageError(f"I don't know what to do with '{left[:60]}'", spec, usage)
    for opt in spec.options:  # a list keeps it until its items are split
        if opt.kind != "list" and opt.name in out:
            out[opt.name] = out[opt.name].replace(ESCAPED_BAR, "|")
    for opt in spec.options:
        if opt.required and not out.get(opt.name, "").strip():
            how = f"{opt.name}=<{opt.shown}>" if not opt.positional else f"<{opt.shown}>"
            if opt.positional and ran_on:  # the words meant for it went into that value
                taken = named[ran_on].replace(ESCAPED_BAR, "|")
                raise UsageError(
                    f"{opt.name} is missing ({how}); {ran_on}= took '{taken[:60]}' as its value (a "
                    f"value with spaces runs on to the next name=): write the {opt.shown} before "
                    f"{ran_on}=, or put {ran_on}='s value in quotes", spec, usage)
            raise UsageError(f"{opt.name} is missing ({how})", spec, usage)
    return out


def _short(value: str) -> str:
    value = value.replace(ESCAPED_BAR, "|")
    return value if len(value) <= 30 else value[:30] + "…"


def _names(spec: CommandSpec, tok: Token) -> re.Match[str] | None:
    """The word as `name=value`: a `name=` word whose name is an option (quoted whole or not),
    or one not quoted whole (a misspelt option is refused); a word quoted whole whose name is
    not an option ("e=mc2 night") is text, as any quoted word is."""
    m = _NAMED.match(tok.text)
    if m is None or spec.option(m.group(1).lower()) is not None or not tok.raw.startswith(('"', "'")):
        return m
    return None


def _trailing_choice(spec: CommandSpec, tok: Token) -> bool:
    """The line's last word is a fixed word of a positional option, as in `event edit 3
    where=Gym series`: the contract puts such words last, so a greedy value stops short of it
    (quote the value to keep the word in it)."""
    word = tok.text.lower()
    return not tok.quoted and any(o.positional and o.kind == "choice" and word in o.choices
                                  for o in spec.options)


def bare_ok(spec: CommandSpec) -> bool:
    """Commands whose free text may legitimately contain 'word=' (config values)."""
    return any(o.rest for o in spec.options) and all(o.positional for o in spec.options)
