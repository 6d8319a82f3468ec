"""The commands a bot knows: the registry, and finding the command a typed line names.

Commands are declared once (`bot/commandspec.py`); the text parser
(`bot/commandparse.py`), the converters (`bot/converters.py`) and the usage text are all
generated from that `CommandSpec`, and adapters build slash commands from it. Cogs and
adapters import all of it from here, their one door to commands.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence

from .commandparse import MAX_LINE, Token, bare_ok, parse_args, quote_stops, tokenize, tokens
from .commandspec import ESCAPED_BAR, CommandSpec, Option, OptionKind, UsageError, Values, command
from .converters import clean_text, convert, convert_one

# The declarations, the parser and the converters, for those who import them from here.
__all__ = [
    "MAX_LINE", "CommandRegistry", "CommandSpec", "Option", "OptionKind", "Token", "UsageError",
    "bare_ok", "clean_text", "command", "convert", "convert_one", "parse_args", "tokenize",
    "tokens",
]


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

    def resolve(self, line: str, prefix: str = "!") -> tuple[CommandSpec, Values]:
        """Parse a text command (without its prefix). Raises UsageError."""
        toks = tokens(line, most=2, open_ok=True)  # a command is named by its first words
        if not toks:
            raise UsageError(f"type {prefix}help to see the commands")
        words = [t.text.replace(ESCAPED_BAR, "|") for t in toks]
        spec, used = self.find(words)
        if spec is None and any(t.unclosed and t.unclosed.fix == "open" for t in toks):
            tokens(line)  # which command the quote is on is not known: refused as a shell would
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
        # The whole line, read knowing which `name=` words end a quoted part: only this command's
        # named options do ('Is x=5 the answer?' is one part). The command's own words read the
        # same either way, as a word that is a command name holds no space.
        # A double quote never closed comes back as a marked word, refused naming its option.
        try:
            toks = tokens(line, quote_stops(spec), open_ok=True)
        except UsageError as e:  # a refusal of the quoting itself, shown with this command's usage
            raise UsageError(str(e), spec, spec.usage(prefix)) from None
        return spec, parse_args(spec, toks[used:], prefix)


def _close(word: str, names: Sequence[str]) -> str | None:
    found = difflib.get_close_matches(word.lower()[:40], names, n=1, cutoff=0.6)
    return found[0] if found else None
