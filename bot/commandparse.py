"""The text parser: words into a command's raw arguments.

Text syntax (PRODUCT.md): shell-style quoting (the words: `bot/commandtokens.py`);
`name=value` anywhere; other words fill positional options in order; the last `rest`
option takes the rest of the line. A forgiving rule on top, because people type on phones:
the value of a `greedy` named option runs on over bare words up to the next `name=`
("when=saturday 10am where=Blue Cafe"), or, where the option says which words go on writing
it (`runs_on`), up to the first that does not ("duration=2h Movie night": Movie night is the
title). A value quoted ends at its quote, as in a shell
(where="Joe's" pizzeria: pizzeria is the title), except the rest of the line given by name
where no other option would take the words after it (title='cause the Smiths' dog).

Quotes group the words of a whole value. Double quotes always only group, as a shell's do
(Movie night: "Jaws" is the title Movie night: Jaws). A single-quoted part that is only part
of a longer value (the rest of the line, one poll option, a run-on value) is kept as typed,
quotes and all, as there it groups nothing and its quotes are the text's own apostrophes
('cause the Smiths' dog, rock 'n' roll). A double quote never closed is refused naming the option it is
on, with that option's example. A word whose opening apostrophe opened no quoted
part is refused only where it would fill a one-word positional option: `poll create 'Where
should we meet? A | B` is refused rather than made a poll "'Where" (`\\'Where` says the
apostrophe is meant).

Which words are `name=` (`_names`, the one rule both the line and a run-on value use):
a `name=` word whose name is an option, quoted or not, as a shell hands a quoted word
over whole (`"where=the wild things are"` is where=, like `"when=tomorrow 7pm"`); and
an unquoted `name=` word whose name is not an option (a misspelt option, refused). A
word quoted whole whose name is not an option (`"e=mc2"`) is text like any quoted
word: part of the greedy value it follows, else positional text.

A quoted part closed at a quote that may be the text's own (after a digit: "Room 12"; before a
letter: ת"א) is refused with a double quote left over later in the same value (`_one_value`),
or in a later value where that quote could have been the closing one (`_across`). Within one
value a quote left over after a digit is refused too ("Pizza 12" vs 16": either may have closed
the part, and reading the first as closing would drop the inch mark the writer meant).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence

from .commandspec import ESCAPED_BAR, CommandSpec, Option, UsageError, Values
from .commandtokens import MAX_LINE, Token, quote_or_mark, tokenize, tokens
from .parserefusals import as_text, one_word, refuse_open, short
from .textkeys import strip_invisible

__all__ = ["MAX_LINE", "Token", "bare_ok", "parse_args", "quote_stops", "tokenize", "tokens"]

# Any case, as command names are: a phone's capital ("Where=Cafe") is the option, not title text.
_NAMED = re.compile(r"^([a-z][a-z_.]{0,30})=(.*)$", re.DOTALL | re.IGNORECASE)


def quote_stops(spec: CommandSpec) -> frozenset[str]:
    """The `name=` words that end a single-quoted part for this command: its named options.
    A positional option is given by its place, so `key=` in a config value is text."""
    return frozenset(o.name for o in spec.options if not o.positional)


def parse_args(spec: CommandSpec, toks: Sequence[Token | str], prefix: str = "!") -> Values:
    usage = spec.usage(prefix)
    items = [t if isinstance(t, Token) else Token(t) for t in toks]
    named: dict[str, str] = {}
    quoted: set[str] = set()  # the options whose value's first word is quoted
    bare: list[Token] = []
    ran_on = ""  # the last greedy option whose value ran on over bare words
    listed: set[int] = set()  # where the words of a list's value start: its `|`s end a quote there
    i = 0
    while i < len(items):
        tok = items[i]
        m = _names(spec, tok)
        opt = spec.option(m.group(1).lower()) if m else None
        if m and opt is None and not bare_ok(spec):
            known = ", ".join(o.name for o in spec.options) or "none"  # id=3 works as well as 3
            raise UsageError(f"'{m.group(1)}' is not an option here (options: {known}){as_text(tok)}",
                             spec, usage)
        if m and opt is not None:
            refuse_open(tok, opt, spec, usage, named=True)
            value = [m.group(2)]
            if opt.name in named:  # which one was meant is not guessed
                raise UsageError(f"the option {opt.name}= is given twice (the first time as "
                                 f"'{short(named[opt.name])}'); keep the one you mean", spec, usage)
            first = i
            i += 1
            # A greedy value runs on over bare words, unless the user quoted it; so does an
            # option taking the rest of the line, given by name (title=12" pizza). The words it
            # runs over read as they would in the rest of the line: double quotes only group
            # (title=Movie night: "Jaws" is Movie night: Jaws, as typed without title=), and
            # \" is a quote mark.
            # The rest of the line given by name is still the rest of the line when its first
            # word is quoted, where no other option would take the words after it
            # (title='cause the Smiths' dog reads as it does without title=).
            if (opt.greedy or opt.rest) and (not tok.quoted or opt.rest and _sole_positional(spec, opt)):
                start = end = i
                while end < len(items) and not _names(spec, items[end]) \
                        and not (end == len(items) - 1 and _trailing_choice(spec, items[end])):
                    end += 1
                if opt.runs_on is not None:
                    end = start + opt.runs_on([m.group(2)] + [t.text for t in items[start:end]])
                for i in range(start, end):
                    refuse_open(items[i], opt, spec, usage, named=True)
                i = end
                if i > start:
                    first_word = Token(m.group(2), tok.quoted, kept=_value_kept(tok))
                    value = _rest_words([first_word] + items[start:i], opt.kind == "list")
            _one_value(items[first:i], opt, spec, usage)
            listed.update(t.at for t in items[first:i] if opt.kind == "list")
            named[opt.name] = " ".join(v for v in value if v != "")
            quoted.add(opt.name)  # given by name: where it starts is said, as a quote says it
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
        if bare[0].quoted:  # the value's first word, a one-word value's or the rest's
            quoted.add(opt.name)
        if opt.rest:
            for tok in bare:
                refuse_open(tok, opt, spec, usage)
            _one_value(bare, opt, spec, usage)
            listed.update(t.at for t in bare if opt.kind == "list")
            out[opt.name] = " ".join(_rest_words(bare, opt.kind == "list"))
            bare = []
        else:
            word = bare.pop(0)
            refuse_open(word, opt, spec, usage)
            _one_value([word], opt, spec, usage)
            if word.unclosed:  # a one-word option taking the first word of a quote left open
                raise UsageError(f"{word.unclosed.message}: {one_word(opt, word.unclosed.fix)}", spec, usage)
            out[opt.name] = word.text
    _across(items, spec, usage, listed)
    if bare:
        open_at = next((t.unclosed for t in bare if t.unclosed and t.unclosed.fix == "open"), None)
        if open_at:
            raise UsageError(f"{open_at.message}: add the closing \" where that text ends, "
                             "or write \\\" for a quote mark itself", spec, usage)
        left = " ".join(t.text for t in bare).replace(ESCAPED_BAR, "|")
        raise UsageError(f"I don't know what to do with '{left[:60]}'", spec, usage)
    for opt in spec.options:  # a list keeps it until its items are split
        if opt.kind != "list" and opt.name in out:
            out[opt.name] = out[opt.name].replace(ESCAPED_BAR, "|")
    for opt in spec.options:
        if opt.required and not opt.explain_if_missing and not out.get(opt.name, "").strip():
            how = f"{opt.name}=<{opt.shown}>" if not opt.positional else f"<{opt.shown}>"
            if opt.positional and ran_on:  # the words meant for it went into that value
                taken = named[ran_on].replace(ESCAPED_BAR, "|")
                raise UsageError(
                    f"{opt.name} is missing ({how}); {ran_on}= took '{taken[:60]}' as its value (a "
                    f"value with spaces runs on to the next name=): write the {opt.shown} before "
                    f"{ran_on}=, or put {ran_on}='s value in quotes", spec, usage)
            raise UsageError(f"{opt.name} is missing ({how})", spec, usage)
    return Values(out, quoted)


def _value_kept(tok: Token) -> str:
    """The value of a `name=value` word with its single quotes kept. A quote opening the word
    before the name is the value's: a shell hands over 'title=a b' and title='a b' alike."""
    cut = tok.kept.find("=") + 1  # past the name as typed, a mark that draws nothing in it too
    return "'" + tok.kept[cut:] if tok.kept.startswith("'") else tok.kept[cut:]


def _rest_words(toks: Sequence[Token], is_list: bool) -> list[str]:
    """The words of a value of many words: a word quoted whole is its text where it is the
    whole value (or a whole poll option, between `|`s), else it keeps its quotes as typed."""
    last = len(toks) - 1
    words = []
    for k, tok in enumerate(toks):
        whole = last == 0 or (is_list and (k == 0 or toks[k - 1].text.endswith("|"))
                              and (k == last or toks[k + 1].text.startswith("|")))
        words.append(tok.text if whole else tok.as_typed)
    return words


def _one_value(toks: Sequence[Token], opt: Option, spec: CommandSpec, usage: str) -> None:
    """Refuses a value where a quoted part closed at a quote that may be the text's own (12",
    ת"א) and a double quote is left over later in it: which one ends the part is not guessed.
    Another value's quotes (another option's, a poll's other options after `|`) are no part of it."""
    suspects = [sus for tok in toks for sus in tok.suspect]
    if not suspects:
        return
    line = toks[0].line
    lefts = sorted(at for tok in toks for at in tok.left)
    bars = _bars(line) if opt.kind == "list" else []
    for opened, closed in suspects:
        k = bisect_right(lefts, closed)
        if k < len(lefts):
            j = bisect_right(bars, closed)
            if j == len(bars) or lefts[k] < bars[j]:
                raise UsageError(quote_or_mark(line, opened, closed, lefts[k]), spec, usage)


def _across(items: Sequence[Token], spec: CommandSpec, usage: str, listed: set[int]) -> None:
    """Refuses a quoted part closed at a quote that may be the text's own when a quote left
    over in a later value could have been its closing one: it ends a word and is not an inch
    mark itself, with no option's `name=` between (`where="Hall 12" annex"`, where annex" went
    to the title). A quote within a word (ת"א, ("Jaws")) closes nothing there, nor one past a
    `|` of the list both are in (`listed`): a quote groups no `|`, each poll option is a value."""
    if not any(tok.suspect for tok in items):
        return
    line = items[0].line
    lefts = sorted(at for tok in items for at in tok.left
                   if not line[at - 1].isdigit() and not line[at + 1:at + 2].strip())
    starts, bars = [tok.at for tok in items], _bars(line)
    stop = len(line)  # where the next option's name= word starts, walking back from the end
    for tok in reversed(items):
        for opened, closed in tok.suspect:
            for left in lefts[bisect_right(lefts, closed):bisect_right(lefts, stop - 1)]:
                in_list = tok.at in listed and starts[bisect_right(starts, left) - 1] in listed
                if not (in_list and bisect_right(bars, closed) < bisect_right(bars, left)):
                    raise UsageError(quote_or_mark(line, opened, closed, left), spec, usage)
        m = _names(spec, tok)
        if m and spec.option(m.group(1).lower()):
            stop = tok.at


def _bars(line: str) -> list[int]:
    """Where the `|`s that split a list are: those not escaped by a backslash."""
    out, slashes = [], 0
    for at, c in enumerate(line):
        if c == "|" and slashes % 2 == 0:
            out.append(at)
        slashes = slashes + 1 if c == "\\" else 0
    return out


def _names(spec: CommandSpec, tok: Token) -> re.Match[str] | None:
    """The word as `name=value`: a `name=` word whose name is an option (quoted whole or not),
    or one not quoted whole (a misspelt option is refused); a word quoted whole whose name is
    not an option ("e=mc2 night") is text, as any quoted word is."""
    m = _NAMED.match(_name_seen(tok.text))
    if m is None or spec.option(m.group(1).lower()) is not None or not tok.raw.startswith(('"', "'")):
        return m
    return None


def _name_seen(text: str) -> str:
    """The word with what draws nothing before its first `=` left out: a zero-width space pasted
    into `capacity=2` must not make it, unseen, words of the title. The value is left as typed."""
    at = text.find("=")
    return text if at < 0 or text.isascii() else strip_invisible(text[:at]) + text[at:]


def _sole_positional(spec: CommandSpec, opt: Option) -> bool:
    return [o.name for o in spec.options if o.positional] == [opt.name]


def _trailing_choice(spec: CommandSpec, tok: Token) -> bool:
    """The line's last word is a fixed word of a positional option, as in `event edit 3
    where=Gym series`: the contract puts such words last, so a greedy value stops short of it
    (quote the value to keep the word in it)."""
    word = strip_invisible(tok.text).lower()  # as the converter reads it
    return not tok.quoted and any(o.positional and o.kind == "choice" and word in o.choices
                                  for o in spec.options)


def bare_ok(spec: CommandSpec) -> bool:
    """Commands whose free text may legitimately contain 'word=' (config values)."""
    return any(o.rest for o in spec.options) and all(o.positional for o in spec.options)
