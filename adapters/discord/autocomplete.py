"""Autocomplete: an APPLICATION_COMMAND_AUTOCOMPLETE interaction (what a person is typing in an
option registered with `autocomplete`) -> the core's suggestions -> an
APPLICATION_COMMAND_AUTOCOMPLETE_RESULT within Discord's deadline. Whatever goes wrong, the
answer is a list (empty at worst) and the handler carries on: suggestions only help typing,
and the command itself is checked when it is sent."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from discord import AppCommandOptionType

from bot.commands import CommandSpec

from .commands import INT_MAX, CommandTable, Unreadable, _short

log = logging.getLogger(__name__)

CHOICES_MAX = 25
NAME_MAX = 100  # a choice's name, and a string choice's value
VALUE_MAX = 100
# Discord waits 3 seconds for the answer; what the core has not found by then is not worth a
# missed answer (the core bounds its own work well inside this).
ANSWER_WITHIN_S = 2.0


@dataclass(frozen=True)
class Typing:
    spec: CommandSpec
    option: str  # the spec's name of the option being typed
    kind: int  # its Discord option type
    typed: str
    given: dict[str, str]  # the other options' values so far, by the spec's names


def _text(value: Any) -> str | None:
    """An option's value as typed (Discord sends the focused one as the text so far)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return value if isinstance(value, str) else str(value)


def read(table: CommandTable, data: Any) -> Typing | Unreadable | None:
    """The focused option of autocomplete data; None for a command or option not ours (or one
    that offers nothing). Never raises, whatever JSON arrives."""
    found = table.walk(data)
    if found is None or isinstance(found, Unreadable):
        return found
    key, options = found
    names, kinds = table.option_names[key], table.option_types[key]
    focused = [o for o in options if o.get("focused") is True]
    if len(focused) != 1:
        return Unreadable(f"{_short(' '.join(key))}: {len(focused)} focused options")
    typed = _text(focused[0].get("value", ""))
    if typed is None or focused[0]["name"] not in names:
        return None if typed is not None else Unreadable(
            f"{_short(' '.join(key))}: focused value {_short(focused[0].get('value'))}")
    given = {names[o["name"]]: v for o in options if o is not focused[0] and o["name"] in names
             and (v := _text(o.get("value"))) is not None}
    return Typing(table.specs[key], names[focused[0]["name"]], kinds[focused[0]["name"]], typed, given)


def _value(value: str, kind: int) -> str | int | float | None:
    """A suggestion's value as the option's type takes it; None where it cannot be one."""
    if kind == AppCommandOptionType.integer.value:
        try:
            number = int(value)
        except ValueError:
            return None
        return number if abs(number) <= INT_MAX else None
    if kind == AppCommandOptionType.number.value:
        try:
            return float(value)
        except ValueError:
            return None
    return value if 0 < len(value) <= VALUE_MAX else None


def choices(found: Sequence[tuple[str, str]], kind: int) -> list[dict[str, Any]]:
    """Suggestions -> Discord's choices: at most 25, names of 1 to 100 characters, values of the
    option's type (a value that cannot be one is left out, never shortened into another)."""
    out: list[dict[str, Any]] = []
    for label, value in found:
        v = _value(value, kind)
        name = label if len(label) <= NAME_MAX else label[:NAME_MAX - 1] + "…"
        if v is not None and name.strip():
            out.append({"name": name, "value": v})
        if len(out) == CHOICES_MAX:
            break
    return out


async def within_deadline(ask: Any, what: str) -> Sequence[tuple[str, str]]:
    """The core's answer, or none when it fails or comes too late to be shown."""
    try:
        found = await asyncio.wait_for(ask, ANSWER_WITHIN_S)
    except TimeoutError:
        log.warning("Discord: suggestions for %s came too late; answered with none", what)
        return []
    except Exception:
        log.exception("Discord: suggestions for %s failed; answered with none", what)
        return []
    return found if isinstance(found, Sequence) else []
