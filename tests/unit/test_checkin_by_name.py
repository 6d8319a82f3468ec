"""`checkin <id> <name>` by the creator or a moderator picks someone out as the card shows them:
a name holding what the card does not draw (a zero-width space, another width or case) matches
what is typed from the card, and someone's ID, bare or after their name in brackets as a platform
tells apart names that look alike, picks them out where another's name is the same."""

from __future__ import annotations

import pytest

from bot.app import Bot
from bot.model import UserRef
from bot.testing import FakeAdapter, Sent

ALICE = UserRef("fake", "@alice:hs", "Alice")
MALLORY = UserRef("fake", "@mallory:hs", "Alice\u200b (@mallory:hs)")  # as a platform told her apart
BOB = UserRef("fake", "@bob:hs", "Ｂob")


async def answered(fake: FakeAdapter) -> None:
    await fake.invoke('!event create Soon when="in 20 minutes"')  # the check-in window is open
    [card] = [c for c in fake.cards() if "#1" in c.text]
    for who in (ALICE, MALLORY, BOB):
        await fake.react(card, "✅", who)


async def here(bot: Bot) -> set[str]:
    return {r[0] for r in await bot.db.fetchall("SELECT user FROM event_checkins WHERE event_id = 1")}


def said(replies: list[Sent]) -> str:
    assert len(replies) == 1, [r.text for r in replies]
    return replies[0].text


@pytest.mark.parametrize(("typed", "who"), [
    ("Alice (@mallory:hs)", MALLORY),  # what the card shows for her
    ("alice  (＠MALLORY:hs)", MALLORY),
    ("@mallory:hs", MALLORY),  # her ID, bare
    ("mallory:hs", MALLORY),
    ("@alice:hs", ALICE),
    ("Alice (@alice:hs)", ALICE),  # as a platform would tell this Alice apart
    ("Alice", ALICE),
    ("bob", BOB),
    ("Bob (bob:hs)", BOB),
])
async def test_someone_is_checked_in_by_what_the_card_shows_or_their_id(
        fake: FakeAdapter, bot: Bot, typed: str, who: UserRef) -> None:
    await answered(fake)
    text = said(await fake.invoke(f"!checkin 1 {typed}", "mod", mod=True))
    assert "Checked in" in text and who.name in text, text
    assert await here(bot) == {who.key}


@pytest.mark.parametrize("typed", ["Carol (@bob:hs)", "@carol:hs", "Alice (@carol:hs)"])
async def test_an_id_not_on_the_list_or_not_theirs_checks_in_nobody(fake: FakeAdapter, bot: Bot, typed: str) -> None:
    await answered(fake)
    text = said(await fake.invoke(f"!checkin 1 {typed}", "mod", mod=True))
    assert text.startswith("⚠️") and "nobody called" in text, text
    assert await here(bot) == set()


async def test_names_on_a_card_that_look_alike_each_show_their_id(fake: FakeAdapter, bot: Bot) -> None:
    """A platform tells apart only the members it knew of when a name was taken: a lookalike who
    answered before the other was known is told apart on the card itself."""
    early = UserRef("fake", "@mallory:hs", "Alice\u200b")  # stored before the real Alice was known
    await fake.invoke('!event create Soon when="in 20 minutes"')
    [card] = [c for c in fake.cards() if "#1" in c.text]
    told = UserRef("fake", "@alice:hs", "Alice (@alice:hs)")  # the real one, told apart by the platform
    for who in (early, told, BOB):
        await fake.react(card, "✅", who)
    [shown] = [c for c in fake.cards() if "#1" in c.text]
    assert "Alice\u200b (@mallory:hs)" in shown.text and "Alice (@alice:hs)" in shown.text, shown.text
    assert "Alice (@alice:hs) (@alice:hs)" not in shown.text
    assert "Ｂob" in shown.text and "bob:hs" not in shown.text, "a name like no other's keeps no ID"
    text = said(await fake.invoke("!checkin 1 Alice (@mallory:hs)", "mod", mod=True))
    assert "Checked in" in text and await here(bot) == {early.key}
