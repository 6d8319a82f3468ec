"""What the text parser (`bot/commandparse.py`) says when it refuses a value: a quote left open,
on the option it was on; a `name=` word meant as text."""

from __future__ import annotations

from .commandspec import ESCAPED_BAR, CommandSpec, Option, UsageError
from .commandtokens import Fix, Token


def refuse_open(tok: Token, opt: Option, spec: CommandSpec, usage: str, named: bool = False) -> None:
    """A double quote never closed, refused with an example for the option it was on."""
    if tok.unclosed is None or tok.unclosed.fix != "open":
        return
    if opt.choices or opt.kind == "int":
        how = one_word(opt, "open")
    else:
        example = f'{opt.name}="<{opt.shown}>"' if named else f'"<{opt.shown}>"'
        ends = f"the {opt.shown} ends"
        if opt.kind == "list":  # a quote is around one item of the list, not all of it
            example, ends = 'A | "B C"', f"that one of the {opt.shown} ends"
        how = f'add the closing " where {ends} (e.g. {example}), or write \\" for a quote mark itself'

    raise UsageError(f"{tok.unclosed.message}: {how}", spec, usage)


def one_word(opt: Option, fix: Fix) -> str:
    """What to type instead of a one-word option opening a quote that closes nothing, said
    of that option (the poll's example is no help to an RSVP)."""
    if opt.choices:
        return f"write {' or '.join(opt.choices)} without quotes (e.g. {opt.choices[0]})"
    if opt.kind == "int":
        return f"<{opt.shown}> is a number, written without quotes (e.g. {max(opt.min or 1, 1)})"
    if fix == "remove":
        return "remove it, or write \\' for an apostrophe"
    if fix == "double":
        return (f"put the {opt.shown} in double quotes (e.g. \"<{opt.shown}>\"), "
                "or write \\' for each apostrophe in it")
    return f"add the closing ' where the {opt.shown} ends (e.g. '<{opt.shown}>'), or write \\' for an apostrophe"


def as_text(tok: Token) -> str:
    """The way out for a `name=` word meant as text (x=1 as a poll option): a word quoted whole
    is text. The word is shown quoted only where quoting it keeps it as typed (no quote mark,
    backslash or `|` in it, which a quote would read or split)."""
    word = tok.text
    if len(word) > 40 or any(c in word for c in ('"', "\\", "|", ESCAPED_BAR)):
        return "; to keep a name=value word as text, put it in quotes"
    return f'; to keep {word} as text, put it in quotes: "{word}"'


def short(value: str) -> str:
    value = value.replace(ESCAPED_BAR, "|")
    return value if len(value) <= 30 else value[:30] + "…"
