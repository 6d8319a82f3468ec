"""Commands declared once: the text parser, the converters and the usage text are all
generated from the same `CommandSpec`, and adapters build slash commands from it.

Text syntax (PRODUCT.md): shell-style quoting; `name=value` anywhere; other words
fill positional options in order; the last `rest` option takes the rest of the line.
Two forgiving rules on top, because people type on phones: a lone apostrophe
("Bob's party") is just a letter, and the value of a `greedy` named option runs on
over bare words up to the next `name=` ("when=saturday 10am where=Blue Cafe").
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from .timeparse import TimeParseError, parse_duration, parse_when, parse_when_or_duration

if TYPE_CHECKING:
    from .context import Context

OptionKind = Literal["text", "int", "choice", "bool", "duration", "when", "when_or_duration", "list"]

MAX_LINE = 4000


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    description: str
    kind: OptionKind = "text"
    required: bool = True
    positional: bool = True
    rest: bool = False
    greedy: bool = False
    choices: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    max_length: int = 200
    placeholder: str = ""

    @property
    def shown(self) -> str:
        return self.placeholder or self.name


@dataclass(slots=True)
class CommandSpec:
    path: tuple[str, ...]
    description: str
    options: tuple[Option, ...] = ()
    moderator_only: bool = False
    callback: Callable[..., Awaitable[Any]] | None = None
    cog: Any = None

    @property
    def name(self) -> str:
        return " ".join(self.path)

    def option(self, name: str) -> Option | None:
        for o in self.options:
            if o.name == name:
                return o
        return None

    def usage(self, prefix: str = "!") -> str:
        parts = [prefix + self.name]
        for o in self.options:
            if o.positional:
                inner = f"<{o.shown}{'…' if o.rest else ''}>"
                parts.append(inner if o.required else f"[{o.shown}{'…' if o.rest else ''}]")
            else:
                inner = f"{o.name}=<{o.shown}>"
                parts.append(inner if o.required else f"[{inner}]")
        return " ".join(parts)


class UsageError(ValueError):
    """Bad command input. `str(e)` is a full sentence; `usage` the line to show."""

    def __init__(self, message: str, spec: CommandSpec | None = None, usage: str = "") -> None:
        super().__init__(message)
        self.spec = spec
        self.usage = usage

    def sentence(self, prefix: str) -> str:
        """The reply: what was wrong, then the usage line and where to read more."""
        msg = str(self)
        msg = msg[0].upper() + msg[1:] if msg else msg
        if self.usage:
            msg += f". Usage: {self.usage}"
            if self.spec:
                msg += f" (see {prefix}help {self.spec.name})"
        return msg


# --- declaration --------------------------------------------------------------------


def command(
    name: str,
    description: str,
    *options: Option,
    moderator_only: bool = False,
) -> Callable[[Callable[..., Awaitable[Any]]], Callable[..., Awaitable[Any]]]:
    """Mark a cog method as a command; the Bot collects it when the cog is added."""

    def deco(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        spec = CommandSpec(tuple(name.split()), description, tuple(options), moderator_only)
        _check_spec(spec)
        setattr(fn, "__logoff_command__", spec)  # noqa: B010 (a marker the Bot looks for)
        return fn

    return deco


def _check_spec(spec: CommandSpec) -> None:
    rest = [o for o in spec.options if o.rest]
    if len(rest) > 1 or (rest and [o for o in spec.options if o.positional][-1] is not rest[0]):
        raise ValueError(f"{spec.name}: only the last positional option may take the rest")
    names = [o.name for o in spec.options]
    if len(set(names)) != len(names):
        raise ValueError(f"{spec.name}: duplicate option names")


class CommandRegistry:
    def __init__(self) -> None:
        self._by_path: dict[tuple[str, ...], CommandSpec] = {}

    def add(self, spec: CommandSpec) -> None:
        if spec.path in self._by_path:
            raise ValueError(f"command {spec.name} declared twice")
        self._by_path[spec.path] = spec

    def __iter__(self) -> Iterator[CommandSpec]:
        return iter(sorted(self._by_path.values(), key=lambda s: s.path))

    def get(self, path: Sequence[str]) -> CommandSpec | None:
        return self._by_path.get(tuple(path))

    def groups(self) -> dict[str, list[CommandSpec]]:
        out: dict[str, list[CommandSpec]] = {}
        for spec in self:
            out.setdefault(spec.path[0], []).append(spec)
        return out

    def find(self, words: Sequence[str]) -> tuple[CommandSpec | None, int]:
        """Longest declared path that prefixes `words`; (spec, words used)."""
        for n in (2, 1):
            if len(words) >= n:
                spec = self._by_path.get(tuple(w.lower() for w in words[:n]))
                if spec:
                    return spec, n
        return None, 0

    def resolve(self, line: str, prefix: str = "!") -> tuple[CommandSpec, dict[str, str]]:
        """Parse a text command (without its prefix). Raises UsageError."""
        toks = tokens(line)
        if not toks:
            raise UsageError(f"type {prefix}help to see the commands")
        words = [t.text for t in toks]
        spec, used = self.find(words)
        if spec is None:
            group = [s for s in self if s.path[0] == words[0].lower()]
            if group:
                subs = ", ".join(s.path[-1] for s in group)
                guess = _close(words[1] if len(words) > 1 else "", [s.path[-1] for s in group])
                hint = f"; did you mean {prefix}{words[0].lower()} {guess}?" if guess else ""
                raise UsageError(
                    f"'{words[0]}' needs one of: {subs}{hint}",
                    usage="\n".join(s.usage(prefix) for s in group),
                )
            guess = _close(words[0], sorted({s.path[0] for s in self}))
            hint = f"did you mean {prefix}{guess}? " if guess else ""
            raise UsageError(f"there is no command '{words[0][:40]}'; {hint}type {prefix}help for the list")
        return spec, parse_args(spec, toks[used:], prefix)


def _close(word: str, names: Sequence[str]) -> str | None:
    found = difflib.get_close_matches(word.lower()[:40], names, n=1, cutoff=0.6)
    return found[0] if found else None


# --- tokenising and parsing ------------------------------------------------------------

_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})
_NAMED = re.compile(r"^([a-z][a-z_.]{0,30})=(.*)$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    quoted: bool = False
    raw: str = ""  # as typed, quotes included


def tokenize(line: str) -> list[str]:
    return [t.text for t in tokens(line)]


def tokens(line: str) -> list[Token]:
    """Shell-style words. Double quotes always group; a single quote groups only when
    it opens a word and closes one, so "Bob's party" keeps its apostrophe; a quote with
    no partner is a plain character. Never raises on quoting."""
    if len(line) > MAX_LINE:
        raise UsageError(f"that is too long ({len(line)} characters); keep a command under {MAX_LINE}")
    s = line.translate(_SMART_QUOTES)
    out: list[Token] = []
    buf: list[str] = []
    quoted = started = False
    i, n = 0, len(s)
    begin = 0
    while i < n:
        c = s[i]
        if c.isspace():
            if started:
                out.append(Token("".join(buf), quoted, s[begin:i]))
                buf, quoted, started = [], False, False
            i += 1
            continue
        if not started:
            begin = i
        if c == "\\" and i + 1 < n:
            buf.append(s[i + 1])
            started = True
            i += 2
            continue
        at_word_start = not buf or buf[-1] == "="
        if c == '"' or (c == "'" and at_word_start):
            end = s.find(c, i + 1)
            if c == "'" and end != -1 and end + 1 < n and not s[end + 1].isspace():
                end = -1  # an apostrophe inside a word, not a closing quote
            if end != -1:
                buf.append(s[i + 1:end])
                quoted = started = True
                i = end + 1
                continue
        buf.append(c)
        started = True
        i += 1
    if started:
        out.append(Token("".join(buf), quoted, s[begin:]))
    return out


def parse_args(spec: CommandSpec, toks: Sequence[Token | str], prefix: str = "!") -> dict[str, str]:
    usage = spec.usage(prefix)
    items = [t if isinstance(t, Token) else Token(t) for t in toks]
    named: dict[str, str] = {}
    bare: list[str] = []
    i = 0
    while i < len(items):
        tok = items[i]
        m = _NAMED.match(tok.text)
        opt = spec.option(m.group(1)) if m else None
        if m and opt is None and not bare_ok(spec):
            known = ", ".join(o.name for o in spec.options if not o.positional) or "none"
            raise UsageError(f"'{m.group(1)}' is not an option here (options: {known})", spec, usage)
        if m and opt is not None:
            if opt.name in named:
                raise UsageError(f"{opt.name}= is given twice", spec, usage)
            value = [m.group(2)]
            i += 1
            # A greedy value runs on over bare words, unless the user quoted it; the words
            # it runs over keep their quotes (where=Bar, "Main St" is a place with quotes).
            if opt.greedy and not tok.quoted:
                while i < len(items) and not _NAMED.match(items[i].text):
                    value.append(items[i].raw or items[i].text)
                    i += 1
            named[opt.name] = " ".join(v for v in value if v != "")
            continue
        bare.append(tok.text)
        i += 1

    positional = [o for o in spec.options if o.positional and o.name not in named]
    out = dict(named)
    for opt in positional:
        if not bare:
            break
        if opt.rest:
            out[opt.name] = " ".join(bare)
            bare = []
        else:
            out[opt.name] = bare.pop(0)
    if bare:
        raise UsageError(f"I don't know what to do with '{' '.join(bare)[:60]}'", spec, usage)
    for opt in spec.options:
        if opt.required and not out.get(opt.name, "").strip():
            how = f"{opt.name}=<{opt.shown}>" if not opt.positional else f"<{opt.shown}>"
            raise UsageError(f"{opt.name} is missing ({how})", spec, usage)
    return out


def bare_ok(spec: CommandSpec) -> bool:
    """Commands whose free text may legitimately contain 'word=' (config values)."""
    return any(o.rest for o in spec.options) and all(o.positional for o in spec.options)


# --- conversion ------------------------------------------------------------------------

_TRUE = {"yes", "y", "on", "true", "1"}
_FALSE = {"no", "n", "off", "false", "0"}


def clean_text(value: str, limit: int) -> str:
    """Collapse control characters and cap the length; zero-width and RTL marks are
    kept (they are real text in many languages) but cannot make a string empty."""
    value = "".join(" " if (c < " " or c == "\x7f") else c for c in value).strip()
    if len(value) > limit:
        raise ValueError(f"is too long ({len(value)} characters; at most {limit})")
    if not value.strip("\u200b\u200c\u200d\u200e\u200f\u2060\ufeff \u202a\u202b\u202c\u202d\u202e"):
        raise ValueError("is empty")
    return value


def convert_one(opt: Option, raw: str, tz: Any, now: datetime) -> Any:
    raw = raw.strip()
    if opt.kind == "text":
        return clean_text(raw, opt.max_length)
    if opt.kind == "int":
        if not re.fullmatch(r"[+-]?\d{1,9}", raw):
            raise ValueError("must be a whole number")
        n = int(raw)
        if opt.min is not None and n < opt.min:
            raise ValueError(f"must be at least {opt.min}")
        if opt.max is not None and n > opt.max:
            raise ValueError(f"must be at most {opt.max}")
        return n
    if opt.kind == "choice":
        v = raw.lower()
        if v not in opt.choices:
            raise ValueError(f"must be one of: {', '.join(opt.choices)}")
        return v
    if opt.kind == "bool":
        v = raw.lower()
        if v in _TRUE:
            return True
        if v in _FALSE:
            return False
        raise ValueError("must be yes or no")
    if opt.kind == "duration":
        return parse_duration(raw)
    if opt.kind == "when":
        return parse_when(raw, tz, now)
    if opt.kind == "when_or_duration":
        return parse_when_or_duration(raw, tz, now)
    if opt.kind == "list":
        items = [clean_text(x, opt.max_length) for x in raw.split("|") if x.strip()]
        lo, hi = opt.min or 1, opt.max or 25
        if not lo <= len(items) <= hi:
            raise ValueError(f"needs {lo} to {hi} items separated by |, got {len(items)}")
        lowered = [x.casefold() for x in items]
        if len(set(lowered)) != len(lowered):
            raise ValueError("has the same item twice")
        return items
    raise ValueError(f"unknown option kind {opt.kind}")


async def convert(spec: CommandSpec, raw: dict[str, str], ctx: Context) -> dict[str, Any]:
    tz = await ctx.timezone()
    now = ctx.now
    out: dict[str, Any] = {}
    usage = spec.usage(ctx.prefix)
    for opt in spec.options:
        if opt.name not in raw:
            if opt.required:
                raise UsageError(f"{opt.name} is missing", spec, usage)
            out[opt.name] = None
            continue
        try:
            out[opt.name] = convert_one(opt, str(raw[opt.name]), tz, now)
        except TimeParseError as e:
            raise UsageError(f"{opt.name}: {e}", spec, usage) from e
        except ValueError as e:
            raise UsageError(f"{opt.name} {e}", spec, usage) from e
    return out
