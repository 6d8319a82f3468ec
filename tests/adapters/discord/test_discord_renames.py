"""Renames of one thread or role in a row (renames.py): a refusal of an older name is that name's
alone; the newer name set meanwhile is still tried, and its caller hears only its own outcome."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from adapters.discord.renames import Renames
from bot.adapter import DeliveryRefused

pytestmark = pytest.mark.unit

REFUSED = "Discord: the event's thread keeps its name: 50035 name"


class Discord:
    """Renames as Discord takes them: "Bad" is refused once let through."""

    def __init__(self) -> None:
        self.landed: list[str] = []
        self.tried = asyncio.Event()
        self.gate = asyncio.Event()
        self.done = asyncio.Event()

    async def attempt(self, name: str) -> None:
        if name == "Bad":
            self.tried.set()
            await self.gate.wait()
            raise DeliveryRefused(REFUSED)
        self.landed.append(name)
        self.done.set()


async def test_a_newer_name_lands_after_the_older_is_refused() -> None:
    tasks: set[asyncio.Task[Any]] = set()
    renames, discord = Renames(tasks), Discord()
    await renames.rename("thread:1", "Bad", discord.attempt, 0)  # its caller stopped waiting
    await discord.tried.wait()
    second = asyncio.create_task(renames.rename("thread:1", "Lunch", discord.attempt, 60))
    await asyncio.sleep(0)  # the newer name is set while the older is in flight
    discord.gate.set()
    await second  # its own outcome: landed, not the older name's refusal
    assert discord.landed == ["Lunch"]
    await asyncio.gather(*tasks)
    assert not tasks


async def test_the_older_names_caller_still_waiting_hears_its_refusal() -> None:
    tasks: set[asyncio.Task[Any]] = set()
    renames, discord = Renames(tasks), Discord()
    first = asyncio.create_task(renames.rename("role:1:2", "Bad", discord.attempt, 60))
    await discord.tried.wait()
    second = asyncio.create_task(renames.rename("role:1:2", "Lunch", discord.attempt, 60))
    await asyncio.sleep(0)
    discord.gate.set()
    with pytest.raises(DeliveryRefused, match="50035"):
        await first
    await second
    assert discord.landed == ["Lunch"]


async def test_a_second_caller_of_the_name_in_flight_hears_its_refusal() -> None:
    tasks: set[asyncio.Task[Any]] = set()
    renames, discord = Renames(tasks), Discord()
    first = asyncio.create_task(renames.rename("thread:1", "Bad", discord.attempt, 60))
    await discord.tried.wait()
    second = asyncio.create_task(renames.rename("thread:1", "Bad", discord.attempt, 60))
    await asyncio.sleep(0)
    discord.gate.set()
    for caller in (first, second):
        with pytest.raises(DeliveryRefused, match="50035"):
            await caller
    await asyncio.gather(*tasks)


async def test_the_name_in_flight_wanted_again_after_another_is_told_its_refusal() -> None:
    tasks: set[asyncio.Task[Any]] = set()
    renames, discord = Renames(tasks), Discord()
    await renames.rename("thread:1", "Bad", discord.attempt, 0)
    await discord.tried.wait()
    await renames.rename("thread:1", "Lunch", discord.attempt, 0)
    again = asyncio.create_task(renames.rename("thread:1", "Bad", discord.attempt, 60))
    await asyncio.sleep(0)
    discord.gate.set()
    with pytest.raises(DeliveryRefused, match="50035"):
        await again
    await asyncio.gather(*tasks)
    assert discord.landed == []


async def test_a_second_caller_of_the_name_in_flight_waits_on_that_attempt() -> None:
    tasks: set[asyncio.Task[Any]] = set()
    renames, tried, gate = Renames(tasks), asyncio.Event(), asyncio.Event()
    landed: list[str] = []

    async def attempt(name: str) -> None:
        tried.set()
        await gate.wait()
        landed.append(name)

    first = asyncio.create_task(renames.rename("thread:1", "Lunch", attempt, 60))
    await tried.wait()
    second = asyncio.create_task(renames.rename("thread:1", "Lunch", attempt, 60))
    await asyncio.sleep(0)
    gate.set()
    await asyncio.gather(first, second, *tasks)
    assert landed == ["Lunch"], "one rename to it, not one per caller"
