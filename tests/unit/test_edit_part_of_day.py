"""`event edit <id> when=` with a part of the day beside the clock time ("evening 7pm", "7pm in
the evening") reads it as create does, on the event's own day as a bare "19:00" is there: it
was refused, the event's date put in front made the words unreadable. A part of the day that
does not agree with the clock time is refused as create refuses it; a time past or not on the
clock that day is refused, never read against today instead. Both stores."""

from __future__ import annotations

import pytest

from bot.app import Bot
from bot.testing import FakeAdapter, Sent


def said(replies: list[Sent]) -> str:
    assert len(replies) == 1, [r.text for r in replies]
    return replies[0].text


async def starts(bot: Bot) -> list[float]:
    return [r[0] for r in await bot.db.fetchall("SELECT starts_at FROM events ORDER BY id")]


@pytest.mark.parametrize(("when", "at"), [
    ("evening 7pm", "19:00"), ("in the evening 7pm", "19:00"), ("7pm in the evening", "19:00"),
    ("Evening 7:00pm.", "19:00"), ("7pm in the evening (utc)", "19:00"), ("night 19:00", "19:00"),
    ("evening 7:30", "19:30"), ("night 11:30", "23:30"),  # the part of the day says which half
])
async def test_a_part_of_the_day_beside_the_time_keeps_the_events_day(fake: FakeAdapter, bot: Bot,
                                                                      when: str, at: str) -> None:
    # Mon 23 Nov 2026 09:00 UTC, a space in UTC
    created = said(await fake.invoke(f'!event create Other when="{when}"', mod=True))
    assert f"Mon 23 Nov 2026 {at} UTC" in created, created  # as create reads it, today
    await fake.invoke('!event create Party when="2026-11-28 18:00"', mod=True)
    out = said(await fake.invoke(f'!event edit 2 when="{when}"', mod=True))
    assert not out.startswith("⚠️"), out
    assert f"Sat 28 Nov 2026 {at} UTC" in out and "Mon 23 Nov" not in out, out
    shown = said(await fake.invoke("!event show 2"))
    assert f"Sat 28 Nov 2026 {at} UTC" in shown, shown


@pytest.mark.parametrize("when", ["morning 7pm", "7pm in the morning", "evening 9am", "evening 7pm europe/berlin"])
async def test_a_part_of_the_day_that_disagrees_is_refused_as_create_refuses_it(
        fake: FakeAdapter, bot: Bot, when: str) -> None:
    created = said(await fake.invoke(f'!event create Other when="{when}"', mod=True))
    assert created.startswith("⚠️ when: "), created
    await fake.invoke('!event create Party when="2026-11-28 18:00"', mod=True)
    before = await starts(bot)
    out = said(await fake.invoke(f'!event edit 1 when="{when}"', mod=True))
    assert out == created, (out, created)
    assert await starts(bot) == before


async def test_a_part_of_the_day_past_on_the_events_day_is_refused(fake: FakeAdapter, bot: Bot) -> None:
    await fake.invoke('!event create Lunch when="today 13:00"', mod=True)  # Mon 23 Nov, now 09:00
    before = await starts(bot)
    out = said(await fake.invoke('!event edit 1 when="morning 8am"', mod=True))
    assert out.startswith("⚠️"), out
    assert "'morning 8am' on the event's day is Mon 23 Nov 2026 08:00 UTC, in the past" in out, out
    assert await starts(bot) == before


async def test_a_part_of_the_day_the_clocks_skip_on_the_events_day_is_refused(fake: FakeAdapter,
                                                                              bot: Bot) -> None:
    await fake.invoke("!config set timezone Europe/Berlin", mod=True)
    await fake.invoke('!event create Run when="2027-03-28 09:00"', mod=True)  # Berlin skips 02:00-03:00
    before = await starts(bot)
    bare = said(await fake.invoke('!event edit 1 when="2:30am"', mod=True))
    out = said(await fake.invoke('!event edit 1 when="morning 2:30am"', mod=True))
    assert bare.startswith("⚠️ when: 02:30 does not exist on Sun 28 Mar 2027"), bare
    assert out == bare, (out, bare)
    assert await starts(bot) == before


@pytest.mark.parametrize("when", ["T20:00", "8pm (utc) saturday"])
async def test_what_create_refuses_an_edit_refuses_too(fake: FakeAdapter, bot: Bot, when: str) -> None:
    created = said(await fake.invoke(f'!event create Other when="{when}"', mod=True))
    assert created.startswith("⚠️ when: I can't read"), created
    await fake.invoke('!event create Party when="2026-11-28 18:00"', mod=True)
    before = await starts(bot)
    out = said(await fake.invoke(f'!event edit 1 when="{when}"', mod=True))
    assert out.startswith(created.rstrip(".")), (out, created)
    assert await starts(bot) == before
