"""A typed line into words, shell-style, with the forgiving rules for apostrophes.

A quote groups only when it opens a word (or a value, after `name=`): a double quote up to
the next double quote, a single quote only when a later one ends a word, so "Bob's party"
keeps its apostrophe and 'Bob's party' is one part. A quote inside a word is a plain
character (Bob's, a 12" pizza, title=12" pizza). In quotes or not, a backslash escapes
a quote, a backslash or a `|` (`'Where\\'s the party?'`), and outside quotes a space or tab
(Room\\ 12), as in a shell; before anything else it is a plain backslash (¯\\_(ツ)_/¯). Each word also
carries its text with its single quotes kept (Token.kept): the parser uses it where a quoted part is
only part of a longer value (bot/commandparse.py).

An apostrophe opening a word is a letter ('90s, 'til, where='t Hoekje), not the start of a
quoted part, when no later quote ends a word, and also when its partner would be found only:
- past a ` name=` word naming one of the command's named options (`names`), so `'Tis the
  party when=… where=the Smiths' place` keeps its options, while `'Is x=5 the answer?'` and a
  config value `'use key=value pairs'` are one part each;
- past another apostrophe outside the opening word (`'til it's the players' call`): pairing
  would drop two apostrophes the text needs, so the line is kept as typed. The opening word's
  own apostrophes do not count, so `'Bob's party'` and `'Where's the party?'` are one part.
Such a word is marked (Token.unclosed): only the parser knows whether it fills a one-word
option, where the apostrophe would make a poll question of one word and is refused.

A double quote that opens a word and is never closed is refused, as a shell refuses it:
where the quoted text was meant to end is not guessed. Nor is where a quoted part ends when
it closed at a quote that may be a character of the text (after a digit, an inch mark: "12"
pizza night"; directly before a letter, Hebrew's gershayim: "Tel Aviv ת"א") and a double
quote is left over later: each word carries both (Token.suspect, Token.left), and the parser,
which knows where each value starts and ends, refuses them only within one value (a later
option's value, or a poll option after `|`, is another: when="Sat 18:30" details=a 12" pizza).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Literal

from .commandspec import ESCAPED_BAR, UsageError
from .textkeys import strip_invisible

MAX_LINE = 4000

_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})
_NAME_WORD = re.compile(r"\s([a-z][a-z_.]{0,30})=", re.IGNORECASE)  # a later word that is a name=
_NAME_START = re.compile(r"([a-z][a-z_.]{0,30})=", re.IGNORECASE)  # a word that starts a name=
_SPACE = re.compile(r"\s")
_ESCAPABLE = "\"'\\| \t"  # what a backslash escapes outside quotes: in them, not a space
_SINGLE_ESCAPE = re.compile(r"\\([\\'|])")
_SHOWN = 40  # characters of the text after an open quote that a refusal repeats


Fix = Literal["close", "remove", "double", "open"]  # "open": a double quote never closed


@dataclass(frozen=True, slots=True)
class Unclosed:
    """An apostrophe opening a word that opened no quoted part, and why. The sentence is worked
    out only when a refusal says it, as a line may hold many such words."""

    line: str = field(repr=False)  # the line as read (smart quotes made plain)
    at: int  # where the quote is
    fix: Fix  # add the partner / remove a quote ending the line / use double quotes
    before: str = ""  # what came before its partner: "when=", "the apostrophe in 'it's'"

    @property
    def message(self) -> str:
        if self.fix == "remove":
            return f"the quote ({self.line[self.at]}) at the end of the line opens nothing"
        said = _opened(self.line, self.at)
        return f"{said} is not closed before {self.before}" if self.before else f"{said} is never closed"


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    quoted: bool = False
    raw: str = ""  # as typed, quotes included
    unclosed: Unclosed | None = None  # set when an apostrophe opening the word opened nothing
    kept: str = ""  # the text with the quotes of its quoted parts kept, when it has any
    line: str = field(default="", repr=False)  # the line as read, for a refusal to quote
    suspect: tuple[tuple[int, int], ...] = ()  # quoted parts whose closing quote may be text
    left: tuple[int, ...] = ()  # double quotes that opened or closed nothing: plain characters
    at: int = 0  # where the word starts in the line

    @property
    def as_typed(self) -> str:
        """The text with its quotes: what a quoted part that is only part of a value reads as."""
        return self.kept or self.text


def tokenize(line: str) -> list[str]:
    return [t.text for t in tokens(line)]


def tokens(line: str, names: Collection[str] = (), most: int = 0, open_ok: bool = False) -> list[Token]:
    """Shell-style words, at most `most` of them when that is not 0; `names` (lower case) are
    the named options whose ` name=` word ends a single-quoted part. Refuses a line too long
    and a double quote never closed; with `open_ok`, that quote instead makes the rest of the
    line one last word marked `unclosed`, for the parser to refuse naming the option it is on."""
    if len(line) > MAX_LINE:
        raise UsageError(f"that is too long ({len(line)} characters); keep a command under {MAX_LINE}")
    s = line.translate(_SMART_QUOTES)
    singles: _SingleQuotes | None = None  # worked out at the first quote that needs it
    out: list[Token] = []
    buf: list[str] = []
    kept: list[str] = []  # buf with the quotes of quoted parts kept
    quoted = started = False
    unclosed: Unclosed | None = None
    suspect: list[tuple[int, int]] = []
    left: list[int] = []
    i, n = 0, len(s)
    begin = 0

    def word(end: int) -> Token:
        text = "".join(buf)
        return Token(text, quoted, s[begin:end], unclosed, "".join(kept) if quoted else "",
                     s, tuple(suspect), tuple(left), begin)

    while i < n:
        c = s[i]
        if c.isspace():
            if started:
                if _drawn(tok := word(i)):
                    out.append(tok)
                buf, kept, quoted, started, unclosed = [], [], False, False, None
                suspect, left = [], []
                if len(out) == most:
                    return out
            i += 1
            continue
        if not started:
            begin = i
        # As inside quotes, a backslash escapes only a quote, a backslash or a `|`; before
        # anything else it is the text's own (¯\_(ツ)_/¯, a share's path).
        if c == "\\" and i + 1 < n and s[i + 1] in _ESCAPABLE:
            buf.append(ESCAPED_BAR if s[i + 1] == "|" else s[i + 1])
            kept.append(buf[-1])
            started = True
            i += 2
            continue
        at_word_start = not buf or buf[-1] == "="
        if c == '"' and at_word_start:
            closed = _double_quoted(s, i)
            if closed is not None:
                buf.append(closed[0])
                kept.append(closed[0])  # double quotes only group, as a shell's do
                quoted = started = True
                after = s[closed[1] + 1:closed[1] + 2]
                if s[closed[1] - 1].isdigit() or after.isalpha():
                    suspect.append((i, closed[1]))
                i = closed[1] + 1
                continue
            if not open_ok or not s[i + 1:].strip():  # as a shell would: where it ends is not guessed
                raise UsageError(_double_never_closed(s, i))
            buf.append(s[i + 1:].rstrip())
            out.append(Token("".join(buf), True, s[begin:].rstrip(), Unclosed(s, i, "open"), "",
                             s, tuple(suspect), tuple(left), begin))
            return out
        if c == '"':  # no word's first character: a quote mark (a 12" pizza, ת"א)
            left.append(i)
        if c == "'" and at_word_start:
            singles = singles or _SingleQuotes(s, names)
            end = singles.partner(i)
            if isinstance(end, int):
                buf.append(_SINGLE_ESCAPE.sub(_unescaped, s[i + 1:end]))
                kept.append(f"'{buf[-1]}'")
                quoted = started = True
                i = end + 1
                continue
            unclosed = unclosed or end
        buf.append(c)
        kept.append(c)
        started = True
        i += 1
    if started and _drawn(tok := word(n)):
        out.append(tok)
    return out


def _drawn(tok: Token) -> bool:
    """An unquoted word of marks that draw nothing (a keyboard's right-to-left mark) is no word."""
    return tok.quoted or not tok.text or bool(strip_invisible(tok.text))


class _SingleQuotes:
    """Where each single quote of the line may find its partner, found in one pass over the
    line, so that looking for one is a binary search, not a scan of the rest of the line: a
    line of many `'a` words made that quadratic, on the event loop, for every message."""

    def __init__(self, s: str, names: Collection[str]) -> None:
        self.s = s
        self.last = len(s.rstrip()) - 1  # the line's last character that is not a space
        self.ends: list[int] = []  # unescaped quotes that end a word: a possible partner
        self.inner: list[int] = []  # the other unescaped quotes: apostrophes
        at = s.find("'")
        while at != -1:
            slashes = 0
            while at - slashes > 0 and s[at - slashes - 1] == "\\":
                slashes += 1
            if slashes % 2 == 0:  # an odd run of backslashes ends in one escaping the quote
                ends_word = at + 1 == len(s) or s[at + 1].isspace()
                (self.ends if ends_word else self.inner).append(at)
            at = s.find("'", at + 1)
        self.stops = [(m.start(), m.group(1)) for m in _NAME_WORD.finditer(s) if m.group(1).lower() in names]
        self.spaces = [m.start() for m in _SPACE.finditer(s)]

    def partner(self, start: int) -> int | Unclosed:
        """The index of the quote closing the part the quote at `start` opens, or why none does."""
        s = self.s
        k = bisect_right(self.ends, start)
        if k == len(self.ends):
            return Unclosed(s, start, "remove" if start >= self.last else "close")
        end = self.ends[k]
        k = bisect_right(self.stops, (start, ""))
        if k < len(self.stops) and self.stops[k][0] < end:
            return Unclosed(s, start, "double", f"{self.stops[k][1]}=")
        k = bisect_right(self.spaces, start)
        word_end = self.spaces[k] if k < len(self.spaces) else len(s)
        k = bisect_left(self.inner, word_end)
        # A partner after an "s" may be a plural's apostrophe (the players' call) rather than a
        # closing quote; with another apostrophe before it ("'til it's the players' call"), which
        # is not for the bot to guess, and the line stays as typed. Any other partner closes it
        # ("'It's Bob's party'").
        if end > word_end and s[end - 1] in "sS" and k < len(self.inner) and self.inner[k] < end:
            return Unclosed(s, start, "double", f"the apostrophe in '{_word_at(s, self.inner[k])}'")
        return end


def _unescaped(m: re.Match[str]) -> str:
    return ESCAPED_BAR if m.group(1) == "|" else m.group(1)


def _double_never_closed(s: str, at: int) -> str:
    if not s[at + 1:].strip():
        return 'the quote (") at the end of the line opens nothing: remove it, or write \\" for a quote mark itself'
    return f'{_opened(s, at)} is never closed: add the closing " where that text ends, or write \\" for a quote mark itself'


def quote_or_mark(s: str, opened: int, closed: int, left: int) -> str:
    """Refusal for a quoted part closed by a quote that may be the text's own (an inch mark,
    gershayim), with a double quote left over later in the same value: which of the two ends
    the quoted text is not guessed."""
    word = _word_at(s, closed).strip('"')
    typed = s[opened:left + 1]
    fixed = typed[:closed - opened] + "\\" + typed[closed - opened:]
    after = _word_at(s, left).strip(chr(34))
    if s[closed - 1].isdigit():
        read, meant = f"after '{word}'", f'if {word}" is meant (inches)'
    else:
        read, meant = f"in '{word}'", f"if {word} is meant with its quote mark"
    return (f'I read the quote (") {read} as closing the quoted part that opened before it, '
            f"and then the quote after '{after}' closes nothing: {meant}, "
            f'write \\" for that quote mark (e.g. {_cut(fixed)}); otherwise remove '
            "the quote that closes nothing")


def _cut(text: str) -> str:
    return text if len(text) <= 2 * _SHOWN else text[:2 * _SHOWN] + "…"


def _opened(s: str, at: int) -> str:
    """'the quote (…) opened before "<text>"', saying at most _SHOWN characters of what follows."""
    window = at + 1 + 4 * _SHOWN
    shown = " ".join(s[at + 1:window].split())
    if len(shown) > _SHOWN or s[window:].strip():
        shown = shown[:_SHOWN] + "…"
    return f"the quote ({s[at]}) opened before '{shown}'"


def _word_at(s: str, at: int) -> str:
    """The word around index `at`, at most a few characters either side."""
    lo, hi = at, at + 1
    while lo > 0 and at - lo < 20 and not s[lo - 1].isspace():
        lo -= 1
    while hi < len(s) and hi - at < 20 and not s[hi].isspace():
        hi += 1
    return s[lo:hi]


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
