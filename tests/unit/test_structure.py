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
