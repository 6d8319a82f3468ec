"""Autocomplete in the fake Discord: what registration allows (`autocomplete` only on string,
integer and number options, never beside `choices`), the APPLICATION_COMMAND_AUTOCOMPLETE
interaction (type 4) a client sends while a person types, and the checks Discord makes on the
APPLICATION_COMMAND_AUTOCOMPLETE_RESULT (callback type 8): at most 25 choices, names of 1 to
100 characters, values of the option's type (strings up to 100 characters)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import FakeDiscord

JSON = dict[str, Any]

AUTOCOMPLETE = 4  # the interaction type
RESULT = 8  # the callback type answering it
SUGGESTIBLE = (3, 4, 10)  # string, integer, number
CHOICES_MAX = 25
NAME_MAX = VALUE_MAX = 100


def check_option(where: str, option: JSON) -> list[str]:
    """Registration rules for an option's `autocomplete`."""
    if not option.get("autocomplete"):
        return []
    problems = []
    if option.get("type") not in SUGGESTIBLE:
        problems.append(f"{where}: autocomplete is only for string, integer and number options")
    if option.get("choices"):
        problems.append(f"{where}: autocomplete cannot be set together with choices")
    return problems


def payload(fake: FakeDiscord, command: str, options: JSON, focused: str, typed: str, *,
            guild_id: int | None) -> tuple[JSON, int]:
    """The `data` a client sends while `focused` is typed (`typed` so far, as text, whatever the
    option's type), with the options already filled in; and the focused option's type."""
    cmd = fake._find_command(command.split()[0], guild_id)
    data, target, schema = fake.invocation(cmd, command)
    spec = next((o for o in schema if o["name"] == focused), None)
    if spec is None:
        raise LookupError(f"/{command}: no option {focused}")
    if not spec.get("autocomplete"):
        raise LookupError(f"/{command} {focused} is not registered with autocomplete: the client "
                          "would not ask")
    given = [{"name": n, "type": next(o["type"] for o in schema if o["name"] == n), "value": v}
             for n, v in options.items() if n != focused]
    given.append({"name": focused, "type": spec["type"], "value": typed, "focused": True})
    target.setdefault("options", []).extend(given)
    return data, spec["type"]


def check_result(body: JSON, option_type: int | None) -> list[str]:
    """What Discord refuses in an autocomplete result (400, 50035 Invalid Form Body)."""
    data = body.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("choices"), list):
        return ["data.choices: this field is required"]
    choices = data["choices"]
    problems = []
    if len(choices) > CHOICES_MAX:
        problems.append(f"data.choices: must be {CHOICES_MAX} or fewer in length")
    for i, c in enumerate(choices):
        where = f"data.choices.{i}"
        name, value = c.get("name") if isinstance(c, dict) else None, c.get("value") if isinstance(c, dict) else None
        if not isinstance(name, str) or not 1 <= len(name) <= NAME_MAX:
            problems.append(f"{where}.name: must be between 1 and {NAME_MAX} in length")
        if option_type == 3 and not (isinstance(value, str) and 1 <= len(value) <= VALUE_MAX):
            problems.append(f"{where}.value: must be a string between 1 and {VALUE_MAX} in length")
        elif option_type == 4 and not (isinstance(value, int) and not isinstance(value, bool)):
            problems.append(f"{where}.value: must be an integer")
        elif option_type == 10 and (isinstance(value, bool) or not isinstance(value, (int, float))):
            problems.append(f"{where}.value: must be a number")
    return problems
