"""What a command is: its options, its usage line, the `@command` decorator that declares
one on a cog method, and `UsageError` for input that does not fit the declaration.

Everything else (the text parser, the converters, the slash commands an adapter builds)
is generated from the `CommandSpec` declared here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

OptionKind = Literal["text", "int", "choice", "bool", "duration", "when", "when_or_duration", "list"]
# How a usage line writes the options: "text" as typed after the prefix (`<question>`, `multi=yes`);
# "slash" as a platform's own command form takes them, one field each (`question:<question>`,
# `multi:True`), where `name=value` cannot be typed.
UsageStyle = Literal["text", "slash"]


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    description: str
    kind: OptionKind = "text"
    required: bool = True
    positional: bool = True
    rest: bool = False
    greedy: bool = False
    # Of a greedy value's words (its first, then the bare words it could run on over), how many
    # after the first still write it: a duration stops at "Movie" in "2h Movie night", which
    # then fills the positional options. None: it runs on over all of them.
    runs_on: Callable[[Sequence[str]], int] | None = None
    choices: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    max_length: int = 200
    placeholder: str = ""
    # Offers values while the option is typed, where a platform can show them (bot/suggestions.py):
    # the name of a method of the declaring cog, `async (ctx, typed, given) -> [(label, value)]`
    # with `given` the other options' values so far. Only suggestions: the command still
    # validates what is finally sent.
    suggest: str = ""
    # Required (a platform's form asks for it), yet typed without it or blank the command is
    # called with None, so that it can say what the value may be rather than only its usage.
    explain_if_missing: bool = False
    # The command limits the value beyond min/max (a series' count by its five years, a goal by
    # the capacity): a number typed in other digits is then said as what it reads as, not
    # offered as the thing to type, since the offer could not know it would be taken.
    limited_further: bool = False

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

    def usage(self, prefix: str = "!", style: UsageStyle = "text") -> str:
        if style == "slash":
            return self._slash_usage(prefix)
        parts = [prefix + self.name]
        for o in self.options:
            if o.positional:
                # A word from a fixed list is shown as the words themselves (`going|maybe|no`,
                # `[series]`), as the contract's table writes them, not as a placeholder.
                if o.choices:
                    inner = "|".join(o.choices)
                    parts.append(inner if o.required else f"[{inner}]")
                    continue
                # `…` is for a list (a poll's options): a rest option is one value that may
                # hold spaces (`<title>`), as the contract's table writes it.
                more = "…" if o.kind == "list" else ""
                parts.append(f"<{o.shown}{more}>" if o.required else f"[{o.shown}{more}]")
            else:
                inner = f"{o.name}=yes" if o.kind == "bool" else f"{o.name}=<{o.shown}>"
                parts.append(inner if o.required else f"[{inner}]")
        return " ".join(parts)

    def _slash_usage(self, prefix: str) -> str:
        parts = [prefix + self.name]
        for o in self.options:
            # A field holds the whole value, so a rest option has no `…`; a boolean is the form's
            # True/False.
            value = "|".join(o.choices) if o.choices else "True" if o.kind == "bool" else f"<{o.shown}>"
            parts.append(f"{o.name}:{value}" if o.required else f"[{o.name}:{value}]")
        return " ".join(parts)


# A `|` written `\|` on a text command: part of a list item (a poll option), not the separator
# between items. It travels from the tokenizer to the list converter as a character nobody types.
ESCAPED_BAR = "\ue000"


class Values(dict[str, str]):
    """A typed line's raw values by option name, and the options whose value began with a
    quote or was given by name (`quoted`): words the user grouped himself are not read as
    running on."""

    def __init__(self, values: Mapping[str, str], quoted: Iterable[str] = ()) -> None:
        super().__init__(values)
        self.quoted = frozenset(quoted)


class UsageError(ValueError):
    """Bad command input. `str(e)` is a full sentence; `usage` the line to show."""

    def __init__(self, message: str, spec: CommandSpec | None = None, usage: str = "") -> None:
        super().__init__(message)
        self.spec = spec
        self.usage = usage

    def sentence(self, prefix: str, style: UsageStyle = "text") -> str:
        """The reply: what was wrong, then the usage line and where to read more."""
        msg = str(self)
        msg = msg[0].upper() + msg[1:] if msg else msg
        if self.usage:
            msg += f"{'' if msg.endswith(('.', '?', '!')) else '.'} Usage: {self.usage}"
            if self.spec:
                field = "command:" if style == "slash" else ""
                msg += f" (see {prefix}help {field}{self.spec.name})"
        return msg


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
    for o in spec.options:
        if o.suggest and o.choices:
            raise ValueError(f"{spec.name}: option {o.name} has fixed choices, so it suggests nothing")
