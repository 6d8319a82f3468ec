"""The structure the design promises: the core and the features name no platform, and
features plug in with their own namespace (a clash is an error at start, not a silent
overwrite)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.app import Bot
from bot.cog import Cog, on_action
from bot.plugins import features, platforms
from bot.settings import SettingSpec
from bot.storage import Database

ROOT = Path(__file__).resolve().parents[2]


def test_features_and_platforms_come_from_the_registry() -> None:
    assert set(features()) == {"cogs.admin", "cogs.events", "cogs.links", "cogs.offline", "cogs.polls"}
    assert set(platforms()) == {"discord", "matrix"}


def test_core_and_features_name_no_platform() -> None:
    names = {*platforms(), "synapse", "nio", "element", "guild"}
    pattern = re.compile(r"\b(" + "|".join(sorted(names)) + r")\b", re.IGNORECASE)
    found = [f"{p.relative_to(ROOT)}:{i}: {line.strip()}"
             for folder in ("bot", "cogs") for p in sorted((ROOT / folder).rglob("*.py"))
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if pattern.search(line)]
    assert not found, "\n".join(found)


class _One(Cog):
    name = "one"

    async def setup(self) -> None:
        self.settings.register(SettingSpec("shared.key", "a", str, "text"))

    @on_action("go")
    async def go(self, ctx: object, event: object, arg: str) -> None: ...


class _SameAction(Cog):
    name = "two"

    @on_action("go")
    async def go(self, ctx: object, event: object, arg: str) -> None: ...


class _SameSetting(Cog):
    name = "three"

    async def setup(self) -> None:
        self.settings.register(SettingSpec("shared.key", "b", str, "text"))


@pytest.mark.parametrize("other", [_SameAction, _SameSetting])
async def test_two_features_claiming_one_name_fail_at_start(other: type[Cog]) -> None:
    db = await Database(":memory:").open()
    bot = Bot(db)
    try:
        await bot.setup(())
        await bot.add_cog(_One(bot))
        with pytest.raises(ValueError, match="both one and"):
            await bot.add_cog(other(bot))
    finally:
        await bot.stop()


def _sources(folder: str) -> list[tuple[str, int, str]]:
    return [(str(p.relative_to(ROOT)), i, line)
            for p in sorted((ROOT / folder).rglob("*.py"))
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)]


def test_features_query_none_of_the_cores_tables() -> None:
    """The core's tables (its jobs, its settings...) are its own: a feature asks the core
    (`CogHost.scheduler.exists`, ...), so the core can change them without breaking a feature."""
    core = {m.group(2) for _, _, line in _sources("bot")
            if (m := re.search(r"CREATE TABLE (IF NOT EXISTS )?(\w+)", line))}
    assert {"jobs", "job_sends", "settings"} <= core
    sql = re.compile(r"\b(FROM|INTO|UPDATE|JOIN|TABLE)\s+(" + "|".join(sorted(core)) + r")\b")
    found = [f"{path}:{i}: {line.strip()}" for path, i, line in _sources("cogs") if sql.search(line)]
    assert not found, "\n".join(found)


def test_no_feature_module_calls_anothers_private_members() -> None:
    """A part of a feature that holds another (`self.cog`, ...) uses what that one made public."""
    reach = re.compile(r"\bself\.\w+\._[a-z]\w*")
    found = [f"{path}:{i}: {line.strip()}" for path, i, line in _sources("cogs") if reach.search(line)]
    assert not found, "\n".join(found)
