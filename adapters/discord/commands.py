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

from discord import AppCommandOptionType, HTTPException
from discord.http import HTTPClient

from bot.commands import CommandSpec, Option
from bot.render import truncate

log = logging.getLogger(__name__)

NAME_MAX = 32
DESCRIPTION_MAX = 100
OPTIONS_MAX = 25
CHOICES_MAX = 25
STRING_MAX = 6000
COMMANDS_MAX = 100
# Interaction contexts: servers only. Commands are about a server's channels (cards whose
# reactions need the guild reactions intent, settings that need a moderator), so the bot's DMs
# do not offer them.
GUILD_ONLY = [0]

_KIND_TYPES = {
    "int": AppCommandOptionType.integer,
    "bool": AppCommandOptionType.boolean,
}
_SUGGESTIBLE = (AppCommandOptionType.string, AppCommandOptionType.integer, AppCommandOptionType.number)
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
    # Discord offers suggestions on string and number options without fixed choices only.
    if opt.suggest and "choices" not in data and kind in _SUGGESTIBLE:
        data["autocomplete"] = True
    return data


# Option types whose values `resolve` checks; Discord sends each as one JSON type.
_VALUE_TYPES: dict[int, tuple[type, ...]] = {
    AppCommandOptionType.string.value: (str,),
    AppCommandOptionType.integer.value: (int,),
    AppCommandOptionType.boolean.value: (bool,),
    AppCommandOptionType.number.value: (int, float),
}
_GROUP_TYPES = (AppCommandOptionType.subcommand.value, AppCommandOptionType.subcommand_group.value)
PATH_MAX = 3  # command, group, subcommand: Discord nests no deeper
INT_MAX = 2**53  # Discord's integer options lie within ±2^53


@dataclass(frozen=True)
class Unreadable:
    """Interaction data not in the shape Discord sends; `reason` is for the log."""

    reason: str


def _short(value: Any) -> str:
    """A value for a log line: short, whatever its size."""
    if isinstance(value, Mapping):
        return f"an object of {len(value)} keys"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if _is_int(value) and value.bit_length() > 64:
        return "a number too big to show"
    return truncate(repr(value[:80] if isinstance(value, str) else value), 60)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _options(node: Mapping[str, Any], where: str) -> list[Mapping[str, Any]] | Unreadable:
    options = node.get("options")
    if options is None:
        return []
    if not isinstance(options, list):
        return Unreadable(f"{_short(where)}: options is {_short(options)}, not a list")
    for o in options:
        if not isinstance(o, Mapping):
            return Unreadable(f"{_short(where)}: an option is {_short(o)}, not an object")
        if not isinstance(o.get("name"), str):
            return Unreadable(f"{_short(where)}: an option's name is {_short(o.get('name'))}")
    return options


def _value_ok(value: Any, kind: int) -> bool:
    wanted = _VALUE_TYPES.get(kind, (str, int, float))
    if isinstance(value, bool):
        return bool in wanted
    if _is_int(value) and abs(value) > INT_MAX:
        return False
    return isinstance(value, wanted)


@dataclass
class CommandTable:
    """The payload to register, and how to map an invocation back to a spec."""

    payload: list[dict[str, Any]] = field(default_factory=list)
    specs: dict[tuple[str, ...], CommandSpec] = field(default_factory=dict)
    option_names: dict[tuple[str, ...], dict[str, str]] = field(default_factory=dict)
    option_types: dict[tuple[str, ...], dict[str, int]] = field(default_factory=dict)

    def walk(self, data: Any) -> tuple[tuple[str, ...], list[Mapping[str, Any]]] | Unreadable | None:
        """Interaction data -> (the command's key, its options as sent); None for a command
        that is not (or no longer) ours; `Unreadable` for data of any shape Discord would not
        send. Never raises, whatever JSON arrives."""
        if not isinstance(data, Mapping):
            return Unreadable(f"data is {_short(data)}, not an object")
        name = data.get("name")
        if not isinstance(name, str):
            return Unreadable(f"the command name is {_short(name)}")
        path = [name]
        options = _options(data, name)
        while not isinstance(options, Unreadable) and len(options) == 1 \
                and _is_int(options[0].get("type")) and options[0]["type"] in _GROUP_TYPES:
            if len(path) >= PATH_MAX:
                return Unreadable(f"{_short(' '.join(path))}: nested deeper than Discord allows")
            path.append(options[0]["name"])
            options = _options(options[0], " ".join(path))
        if isinstance(options, Unreadable):
            return options
        key = tuple(path)
        return (key, options) if key in self.specs else None

    def resolve(self, data: Any) -> tuple[CommandSpec, dict[str, Any]] | Unreadable | None:
        """Interaction data -> (spec, raw values by spec option name); None and `Unreadable`
        as `walk` says. Never raises, whatever JSON arrives."""
        found = self.walk(data)
        if found is None or isinstance(found, Unreadable):
            return found
        key, options = found
        names, kinds = self.option_names[key], self.option_types[key]
        raw: dict[str, Any] = {}
        for o in options:
            if o["name"] not in names:
                continue  # an option since removed: the rest of the command still means the same
            if "value" not in o or not _value_ok(o["value"], kinds.get(o["name"], -1)):
                return Unreadable(f"{_short(' '.join(key))} option {_short(o['name'])}: "
                                  f"value {_short(o.get('value'))}")
            raw[names[o["name"]]] = o["value"]
        return self.specs[key], raw


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


def _types(data: dict[str, Any]) -> dict[str, int]:
    return {o["name"]: o["type"] for o in data["options"]}


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
                table.option_types[(top, sub_name)] = _types(data)
            table.payload.append({"name": top, "type": 1, "description": description(
                f"{group} commands: " + ", ".join(s.path[1] for s in subs), group), "options": options,
                "contexts": GUILD_ONLY})
        elif bare:
            data, names = subcommand(bare[0], top)
            table.payload.append({"type": 1, **data, "contexts": GUILD_ONLY})
            table.specs[(top,)] = bare[0]
            table.option_names[(top,)] = names
            table.option_types[(top,)] = _types(data)
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
            # A constraint Discord still holds that the declaration dropped would go on limiting
            # what people may type, so it makes the commands differ.
            if any(_holds(have.get(k)) for k in _CONSTRAINTS if k not in want):
                return False
            return all(matches(have.get(k, _DEFAULTS.get(k)), v) for k, v in want.items())
        if isinstance(want, list):
            return isinstance(have, list) and len(have) == len(want) and all(
                matches(h, w) for h, w in zip(have, want, strict=True))
        return bool(have == want)

    by_name = {c.get("name"): c for c in existing}
    return len(existing) == len(wanted) and all(matches(by_name.get(w["name"]), w) for w in wanted)


_DEFAULTS: dict[str, Any] = {"required": False, "options": []}
_CONSTRAINTS = ("choices", "min_value", "max_value", "min_length", "max_length", "autocomplete",
                "channel_types")


def _holds(value: Any) -> bool:
    """Whether a constraint as Discord returns it is set (absent, null, false and [] are not)."""
    return value is not None and value is not False and value != []


async def sync(http: HTTPClient, app: int, table: CommandTable) -> None:
    """Register the slash commands, unless Discord already has exactly these (it limits
    command creates per day, so a restart must not re-register)."""
    try:
        existing = await http.get_global_commands(app)
        if same_commands([dict(c) for c in existing], table.payload):
            log.info("Discord: %d slash commands already up to date", len(table.payload))
            return
        await http.bulk_upsert_global_commands(app, table.payload)
        log.info("Discord: registered %d slash commands", len(table.payload))
    except HTTPException as e:
        log.error("Discord: registering slash commands failed (%s %s): %s", e.status, e.code, e.text)
