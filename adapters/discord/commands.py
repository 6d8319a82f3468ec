"""CommandSpecs -> Discord application commands, and interactions back to specs.

The registration payload is built directly from the specs (rather than through
`app_commands` callbacks, whose parameters come from function signatures) so the
same declaration drives the slash command, the text parser and the usage text.
`/poll create` is a subcommand of `/poll`; a one-word spec is a top-level command.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from discord import AppCommandOptionType

from bot.commands import CommandSpec, Option
from bot.render import truncate

log = logging.getLogger(__name__)

NAME_MAX = 32
DESCRIPTION_MAX = 100
OPTIONS_MAX = 25
CHOICES_MAX = 25
STRING_MAX = 6000
COMMANDS_MAX = 100

_KIND_TYPES = {
    "int": AppCommandOptionType.integer,
    "bool": AppCommandOptionType.boolean,
}
_BAD_NAME_CHARS = re.compile(r"[^-_\w]")


def discord_name(name: str) -> str:
    return _BAD_NAME_CHARS.sub("_", name.lower())[:NAME_MAX] or "_"


def description(text: str, fallback: str) -> str:
    return truncate((text or fallback).strip() or fallback, DESCRIPTION_MAX)


def option_payload(opt: Option) -> dict[str, Any]:
    kind = _KIND_TYPES.get(opt.kind, AppCommandOptionType.string)
    data: dict[str, Any] = {"type": kind.value, "name": discord_name(opt.name),
                            "description": description(opt.description, opt.name),
                            "required": opt.required}
    if opt.kind == "int":
        if opt.min is not None:
            data["min_value"] = opt.min
        if opt.max is not None:
            data["max_value"] = opt.max
    elif opt.kind == "choice" and 0 < len(opt.choices) <= CHOICES_MAX:
        data["choices"] = [{"name": c, "value": c} for c in opt.choices]
    elif opt.kind == "text":
        data["max_length"] = min(opt.max_length, STRING_MAX)
    return data


@dataclass
class CommandTable:
    """The payload to register, and how to map an invocation back to a spec."""

    payload: list[dict[str, Any]] = field(default_factory=list)
    specs: dict[tuple[str, ...], CommandSpec] = field(default_factory=dict)
    option_names: dict[tuple[str, ...], dict[str, str]] = field(default_factory=dict)

    def resolve(self, data: Mapping[str, Any]) -> tuple[CommandSpec, dict[str, Any]] | None:
        """Interaction data -> (spec, raw values by spec option name)."""
        path = [str(data.get("name", ""))]
        options: list[Mapping[str, Any]] = list(data.get("options") or [])
        while len(options) == 1 and options[0].get("type") in (1, 2):
            path.append(str(options[0]["name"]))
            options = list(options[0].get("options") or [])
        key = tuple(path)
        spec = self.specs.get(key)
        if spec is None:
            return None
        names = self.option_names[key]
        raw = {names[o["name"]]: o.get("value") for o in options if o.get("name") in names}
        return spec, raw


def subcommand(spec: CommandSpec, name: str) -> tuple[dict[str, Any], dict[str, str]]:
    opts = sorted(spec.options, key=lambda o: not o.required)  # Discord wants required ones first
    if len(opts) > OPTIONS_MAX:
        log.warning("/%s has %d options; Discord takes %d", spec.name, len(opts), OPTIONS_MAX)
        opts = [o for o in opts if o.required] + [o for o in opts if not o.required]
        opts = opts[:OPTIONS_MAX]
    payload = [option_payload(o) for o in opts]
    names = {p["name"]: o.name for p, o in zip(payload, opts, strict=True)}
    data = {"name": name, "description": description(spec.description, spec.name), "options": payload}
    return data, names


def build(specs: Iterable[CommandSpec]) -> CommandTable:
    table = CommandTable()
    groups: dict[str, list[CommandSpec]] = {}
    for spec in specs:
        groups.setdefault(spec.path[0], []).append(spec)
    for group, members in sorted(groups.items()):
        top = discord_name(group)
        bare = [s for s in members if len(s.path) == 1]
        subs = [s for s in members if len(s.path) == 2]
        deeper = [s for s in members if len(s.path) > 2]
        for s in deeper:
            log.warning("/%s is nested too deep for a slash command; it stays a text command", s.name)
        if subs:
            if bare:
                # Discord cannot invoke a command that also has subcommands.
                log.warning("/%s has subcommands, so the bare /%s is not a slash command", group, group)
            options = []
            for s in subs[:OPTIONS_MAX]:
                sub_name = discord_name(s.path[1])
                data, names = subcommand(s, sub_name)
                options.append({"type": AppCommandOptionType.subcommand.value, **data})
                table.specs[(top, sub_name)] = s
                table.option_names[(top, sub_name)] = names
            table.payload.append({"name": top, "type": 1, "description": description(
                f"{group} commands: " + ", ".join(s.path[1] for s in subs), group), "options": options})
        elif bare:
            data, names = subcommand(bare[0], top)
            table.payload.append({"type": 1, **data})
            table.specs[(top,)] = bare[0]
            table.option_names[(top,)] = names
    if len(table.payload) > COMMANDS_MAX:
        log.warning("%d top-level commands; Discord takes %d", len(table.payload), COMMANDS_MAX)
        table.payload = table.payload[:COMMANDS_MAX]
    return table


def same_commands(existing: list[dict[str, Any]], wanted: list[dict[str, Any]]) -> bool:
    """True when what Discord has already matches what we would register, so a restart
    does not re-register (Discord limits command creates per day)."""

    def matches(have: Any, want: Any) -> bool:
        if isinstance(want, dict):
            if not isinstance(have, dict):
                return False
            return all(matches(have.get(k, _DEFAULTS.get(k)), v) for k, v in want.items())
        if isinstance(want, list):
            return isinstance(have, list) and len(have) == len(want) and all(
                matches(h, w) for h, w in zip(have, want, strict=True))
        return bool(have == want)

    by_name = {c.get("name"): c for c in existing}
    return len(existing) == len(wanted) and all(matches(by_name.get(w["name"]), w) for w in wanted)


_DEFAULTS: dict[str, Any] = {"required": False, "options": []}
