"""Discord shards (PRODUCT.md "Running at scale"): `[discord] shard_count` and `shards` run
those shards with discord.py's sharded client; the fake routes each guild's events to shard
`(guild_id >> 22) % shard_count`, as Discord does."""

from __future__ import annotations

import pytest

from adapters.discord.config import parse, readiness
from bot.config import ConfigError
from tests.discord_fake import message_text
from tests.discord_fake.harness import Harness, World

ALL = ("cogs.admin", "cogs.polls", "cogs.events")


def guild_on_shard(world: World, shard: int, count: int) -> tuple[int, int, int]:
    """A guild (with a channel and a member) whose events go to `shard` of `count`."""
    fake = world.fake
    while True:
        gid = fake.add_guild(f"Guild {len(fake.guilds)}")
        if fake.shard_of(gid, count) == shard:
            return gid, fake.add_channel(gid, "general"), fake.add_member(gid, "dana")


async def test_two_shards_in_one_process_each_serve_their_guilds(harness: Harness, world: World) -> None:
    fake = world.fake
    other, other_channel, dana = guild_on_shard(world, 1 - fake.shard_of(world.guild, 2), 2)
    bot, adapter = await harness.start(ALL, shard_count=2)
    shards = sorted(tuple(d["shard"]) for d in fake.identifies)
    assert shards == [(0, 2), (1, 2)]
    assert {g.id for g in adapter.client.guilds} >= {world.guild, other}  # type: ignore[union-attr]
    for guild, channel, user in ((world.guild, world.channel, world.users["alice"]),
                                 (other, other_channel, dana)):
        created = await fake.send_interaction("event create", {"title": f"Hike {guild}",
                                                               "when": "2030-05-04 10:00"},
                                              user=user, channel=channel)
        [card] = [m for m in created.public if m["embeds"]]
        fake.add_reaction(int(card["id"]), "✅", user)
        await fake.wait_for(lambda card=card: "Going (1)" in message_text(fake.messages[int(card["id"])]),
                            what=f"the RSVP in guild {guild}")
    assert adapter.connected()


async def test_a_shard_range_gets_only_its_guilds(harness: Harness, world: World) -> None:
    fake = world.fake
    mine = 1 - fake.shard_of(world.guild, 2)
    other, _, _ = guild_on_shard(world, mine, 2)
    _, adapter = await harness.start(ALL, shard_count=2, shards=(mine,))
    assert [tuple(d["shard"]) for d in fake.identifies] == [(mine, 2)]
    ids = {g.id for g in adapter.client.guilds}  # type: ignore[union-attr]
    assert other in ids and world.guild not in ids
    # An interaction in a guild of another shard never reaches this process.
    assert fake.sessions_for(world.guild) == []


async def test_the_fake_routes_like_discord(world: World) -> None:
    fake = world.fake
    gids = [fake.add_guild(f"g{i}") for i in range(8)]
    assert {fake.shard_of(g, 4) for g in gids} == {0, 1, 2, 3}
    assert all(fake.shard_of(g, 4) == (g >> 22) % 4 for g in gids)


def test_shard_config_is_checked() -> None:
    assert parse({"shard_count": 4, "shards": "1-2"}).shards == (1, 2)
    assert parse({"shard_count": 4, "shards": "3"}).shards == (3,)
    assert parse({"shard_count": 4}).shards is None
    assert parse({}).shard_count is None
    assert readiness(parse({"shard_count": 4, "shards": "1-2"}))[1].endswith("; shards 1-2 of 4")
    assert readiness(parse({"shard_count": 2}))[1].endswith("; shards 0-1 of 2")
    assert readiness(parse({"shard_count": 4, "shards": "3"}))[1].endswith("; shard 3 of 4")
    assert readiness(parse({"shard_count": 1}))[1].endswith("; shard 0 of 1")
    assert "shards" not in readiness(parse({}))[1]
    for bad, match in (({"shard_count": 4, "shards": "2-4"}, "does not fit shard_count"),
                       ({"shard_count": 4, "shards": "3-1"}, r"runs backwards: write the lower shard first, e.g. \"1-3\""),
                       ({"shards": "0-1"}, "needs shard_count"),
                       ({"shard_count": 0}, "shard_count must be"),
                       ({"shard_count": "4"}, "shard_count must be a whole number from 1 to 4096, e.g. "
                        r"shard_count = 4; got '4' \(a number in quotes is text: leave the quotes out\)"),
                       ({"shard_count": 5000}, "got 5000$"),
                       ({"shard_count": 2, "shards": "a-b"}, "must be a range")):
        with pytest.raises(ConfigError, match=match):
            parse(bad)


async def test_a_shard_range_rereads_only_its_own_guilds_cards(harness: Harness, world: World) -> None:
    """At start each process re-reads the reactions of its own shards' cards only: the other
    shards' processes (on the same database) read theirs."""
    fake = world.fake
    mine = 1 - fake.shard_of(world.guild, 2)
    other, other_channel, dana = guild_on_shard(world, mine, 2)
    bot, _ = await harness.start(ALL, shard_count=2)
    cards = {}
    for guild, channel, user in ((world.guild, world.channel, world.users["alice"]), (other, other_channel, dana)):
        created = await fake.send_interaction("poll create", {"question": "Where?", "options": "a | b"},
                                              user=user, channel=channel)
        [card] = [m for m in created.public if m["embeds"]]
        cards[guild] = int(card["id"])
    await harness.stop(bot)
    for guild, user in ((world.guild, world.users["alice"]), (other, dana)):
        fake.add_reaction(cards[guild], "1️⃣", user, dispatch=False)  # while no process runs

    fake.requests.clear()
    await harness.start(ALL, shard_count=2, shards=(mine,))
    read = {path for method, path, _ in fake.requests if method == "GET" and "/messages/" in path}
    assert any(str(cards[other]) in p for p in read)
    assert not any(str(cards[world.guild]) in p for p in read), "another shard's card was re-read"
    await fake.wait_for(lambda: "a — 1" in message_text(fake.messages[cards[other]]), what="the vote counted")
