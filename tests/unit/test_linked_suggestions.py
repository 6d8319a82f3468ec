"""Events and polls a linked channel shared into a space are suggested while their number is
typed there, as the commands take them there, labelled with the platform they come from; what
was not shared into the space (made after an unlink, another space's) is not."""

from __future__ import annotations

import pytest

from bot.adapter import Capabilities
from bot.app import Bot
from bot.testing import FakeAdapter
from tests.unit.linking import link

WHEN = "2026-11-26 18:00 UTC"


@pytest.fixture
async def trio(bot: Bot) -> tuple[FakeAdapter, FakeAdapter, FakeAdapter]:
    a = FakeAdapter("alpha", space="guild", channel="general",
                    capabilities=Capabilities(edits_per_window=0, label="Alpha"))
    b = FakeAdapter("beta", space="room", channel="room", capabilities=Capabilities(edits_per_window=0, label="Beta"))
    c = FakeAdapter("gamma", space="other", channel="other", capabilities=Capabilities(edits_per_window=0))
    for fake in (a, b, c):
        bot.add_adapter(fake)
    await bot.start()
    return a, b, c


async def suggested(bot: Bot, fake: FakeAdapter, command: str, option: str = "id", typed: str = "",
                    given: dict[str, str] | None = None, user: str = "bob") -> list[tuple[str, str]]:
    spec = bot.commands.get(tuple(command.split()))
    assert spec is not None
    return await bot.suggest(fake, spec, option, typed, given or {}, user=fake.user(user),
                             channel=fake.channel, is_moderator=False)


async def test_shared_events_are_suggested_where_they_were_shared(
        trio: tuple[FakeAdapter, FakeAdapter, FakeAdapter], bot: Bot) -> None:
    a, b, c = trio
    await link(a, b)
    await a.invoke(f'!event create Picnic when="{WHEN}"')  # #1, shared into beta
    await b.invoke('!event create "Board games" when="2026-11-25 19:00 UTC"')  # #2, beta's own
    await c.invoke(f'!event create Elsewhere when="{WHEN}"')  # #3, not linked with anyone
    await a.invoke(f'!event create Cancelled when="{WHEN}"')  # #4, shared, then cancelled
    await a.invoke("!event cancel 4")

    here = await suggested(bot, b, "rsvp")
    assert here == [("#2 Board games — Wed 25 Nov 2026 19:00 UTC", "2"),
                    ("#1 Picnic — Thu 26 Nov 2026 18:00 UTC (from Alpha)", "1")]
    assert await suggested(bot, b, "event attendees", typed="pic") == [here[1]]
    # Where it was made it is the space's own: no "from".
    assert ("#1 Picnic — Thu 26 Nov 2026 18:00 UTC", "1") in await suggested(bot, a, "event show")
    assert [v for _, v in await suggested(bot, c, "event show")] == ["3"]
    # What is suggested, the command takes.
    [done] = await b.invoke("!rsvp 1 going", "bob")
    assert not done.text.startswith("⚠️"), done.text

    await b.invoke("!unlink", "modb", mod=True)
    await a.invoke(f'!event create Later when="{WHEN}"')  # #5: made after the unlink, not shared
    assert [v for _, v in await suggested(bot, b, "event show")] == ["2", "1"]
    [refused] = await b.invoke("!event show 5")
    assert refused.text.startswith("⚠️")


async def test_shared_polls_and_their_options_are_suggested_in_the_linked_channel(
        trio: tuple[FakeAdapter, FakeAdapter, FakeAdapter], bot: Bot) -> None:
    a, b, _ = trio
    await link(a, b)
    await a.invoke('!poll create "Where?" Park | Cafe')  # #1, shared into beta's channel
    await b.invoke('!poll create "When?" Friday 7pm | Saturday 7pm')  # #2, beta's own

    assert await suggested(bot, b, "poll vote") == [("#2 When?", "2"), ("#1 Where? (from Alpha)", "1")]
    assert await suggested(bot, b, "poll results", typed="where") == [("#1 Where? (from Alpha)", "1")]
    assert await suggested(bot, b, "poll vote", "choice", given={"id": "1"}) == [("1. Park", "1"), ("2. Cafe", "2")]
    [voted] = await b.invoke("!poll vote 1 2", "bob")
    assert not voted.text.startswith("⚠️"), voted.text

    await a.invoke("!poll close 1")
    assert await suggested(bot, b, "poll vote") == [("#2 When?", "2")]  # closed: no more votes
    assert ("#1 Where? (closed) (from Alpha)", "1") in await suggested(bot, b, "poll results")
    assert await suggested(bot, b, "poll vote", "choice", given={"id": "1"}) == []
