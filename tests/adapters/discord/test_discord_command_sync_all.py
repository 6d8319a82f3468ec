"""Every command the features declare reaches Discord as a slash command, with every option
(its name, whether it is required, its choices, its bounds, whether it suggests while typed),
checked against the declarations themselves rather than a list written out by hand."""

from __future__ import annotations

from typing import Any

from tests.discord_fake.harness import Harness, World

ALL = ("cogs.admin", "cogs.polls", "cogs.events", "cogs.offline", "cogs.links")


def find(payload: list[dict[str, Any]], path: tuple[str, ...]) -> dict[str, Any]:
    found: dict[str, Any] = {"options": payload}
    for part in path:
        [found] = [o for o in found.get("options") or [] if o["name"] == part]
    return found


async def test_every_declared_command_and_option_is_registered(harness: Harness, world: World) -> None:
    bot, _ = await harness.start(ALL)
    [(_, payload)] = world.fake.command_syncs
    declared = list(bot.commands)
    assert declared
    for spec in declared:
        cmd = find(payload, spec.path)
        assert 1 <= len(cmd["description"]) <= 100, spec.path
        options = {o["name"]: o for o in cmd.get("options") or []}
        assert set(options) == {o.name for o in spec.options}, spec.path
        for opt in spec.options:
            got = options[opt.name]
            where = (*spec.path, opt.name)
            assert bool(got.get("required")) == opt.required, where
            assert [c["value"] for c in got.get("choices") or []] == list(opt.choices), where
            assert bool(got.get("autocomplete")) == bool(opt.suggest), where
            assert not (got.get("choices") and got.get("autocomplete")), where  # Discord refuses both
            if opt.kind == "int":
                assert got["type"] == 4 and got.get("min_value") == opt.min and got.get("max_value") == opt.max, where
    top = {c["name"] for c in payload}
    assert top == {spec.path[0] for spec in declared}, "nothing registered that no feature declares"
