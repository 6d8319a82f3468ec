"""People's text in a line the bot writes (a title, a place, a name) kept to itself in writing
direction: a right-to-left override (U+202E) or an unclosed isolate in a title must not turn
around the id, the counts and the times that follow it on the line.

A piece that holds a bidi control is shown as a Unicode isolate (FSI … PDI), which the chat
clients (browsers) lay out as one unit in the line, as the web pages' <bdi> does, and which a
terminal without bidi shows as nothing. What the piece opens is closed inside it, and a
closer of its own that would close the isolate early is left out. A piece with no control is
left byte for byte as it was (the contract checks read titles exactly)."""

from __future__ import annotations

import re

PDF, FSI, PDI = "\u202c", "\u2068", "\u2069"
_EMBEDS = frozenset("\u202a\u202b\u202d\u202e")  # LRE RLE LRO RLO: each closed by a PDF
_ISOLATES = frozenset("\u2066\u2067\u2068")  # LRI RLI FSI: each closed by a PDI
# Those, their closers, and the marks (LRM, RLM, ALM), which turn the neutrals next to them.
_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# The bidi algorithm starts over at each paragraph: each is isolated on its own.
_PARAGRAPHS = re.compile("([\n\r\x1c-\x1e\x85\u2029])")


def balanced(s: str) -> str:
    """`s` (one paragraph) with what it opens closed at its end, and a PDF or PDI that closes
    nothing it opened left out, as the bidi algorithm would pair them (UAX #9, X6a-X7)."""
    out: list[str] = []
    open_: list[str] = []  # PDF or PDI: what each open one needs
    for c in s:
        if c in _EMBEDS:
            open_.append(PDF)
        elif c in _ISOLATES:
            open_.append(PDI)
        elif c == PDF:
            if not open_ or open_[-1] != PDF:  # nothing, or an isolate, is open: it closes nothing
                continue
            open_.pop()
        elif c == PDI:
            if PDI not in open_:
                continue
            while open_.pop() != PDI:  # an isolate's end closes what was opened in it too
                pass
        out.append(c)
    return "".join(out) + "".join(reversed(open_))


def _isolated(p: str) -> bool:
    """Whether `p` is one isolate already, closed at its last character."""
    if len(p) < 2 or p[0] != FSI or p[-1] != PDI or balanced(p) != p:
        return False
    depth = 0
    for i, c in enumerate(p):
        depth += c in _ISOLATES
        depth -= c == PDI
        if depth == 0:
            return i == len(p) - 1
    return False


def _one(p: str) -> str:
    return p if not _CONTROL.search(p) or _isolated(p) else FSI + balanced(p) + PDI


def isolate(s: str) -> str:
    """A piece of people's text as a line may hold it: as it is when it holds no bidi control,
    otherwise each of its paragraphs an isolate of its own. Isolating twice changes nothing."""
    if s.isascii() or not _CONTROL.search(s):  # isascii: most parts, at a fraction of the search
        return s
    return "".join(_one(p) if i % 2 == 0 else p for i, p in enumerate(_PARAGRAPHS.split(s)))


_PARAGRAPH_ENDS = frozenset("\n\r\x1c\x1d\x1e\x85\u2029")


def _step(open_: list[str], c: str) -> None:
    """`open_` after `c`, paired as `balanced` pairs them; a paragraph's end closes all."""
    if c in _EMBEDS:
        open_.append(PDF)
    elif c in _ISOLATES:
        open_.append(PDI)
    elif c == PDF:
        if open_ and open_[-1] == PDF:
            open_.pop()
    elif c == PDI:
        if PDI in open_:
            while open_.pop() != PDI:
                pass
    elif c in _PARAGRAPH_ENDS:
        open_.clear()


def closers(s: str) -> str:
    """What closes what `s` leaves open at its end (innermost first): a piece cut from a line
    ends with it, so an isolate or override cut open does not turn what follows the cut."""
    open_: list[str] = []
    for c in s:
        _step(open_, c)
    return "".join(reversed(open_))


def cut(s: str, limit: int, suffix: str = "…") -> str:
    """`s` in at most `limit` characters: as it is if it fits, else its start, what that start
    leaves open closed, then `suffix`. Closing takes room, so the start is shorter by it."""
    if len(s) <= limit:
        return s
    room = max(0, limit - len(suffix))
    open_: list[str] = []
    n = 0
    for i, c in enumerate(s[:room], 1):
        _step(open_, c)
        if i + len(open_) <= room:
            n = i
    return s[:n] + closers(s[:n]) + suffix


# A quote in a sentence: an apostrophe that starts no word's end ("can't") and ends none's start.
_QUOTE = re.compile(r"(?<!\w)'(.+?)'(?!\w)", re.DOTALL)


def quoting(sentence: str) -> str:
    """A sentence of the bot's that quotes people's text in '…' (a refusal saying what was
    typed), each quote isolated: an override typed in it turns neither the bot's words after
    it nor its marker. Any other stretch holding a control is isolated too, so a quote the
    pattern misreads stays closed before the sentence's end."""
    out: list[str] = []
    at = 0
    for m in _QUOTE.finditer(sentence):
        out += [isolate(sentence[at:m.start()]), "'", isolate(m.group(1)), "'"]
        at = m.end()
    return "".join([*out, isolate(sentence[at:])])
