"""Each part of an answer reaches its reader exactly once: when the interaction's token runs
out in the middle of an answer (Discord keeps it 15 minutes), when the interaction could not be
acknowledged in time, and when Discord took a request but its answer was lost (a 500 after the
fact, which discord.py retries)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from tests.discord_fake import EPHEMERAL, FakeDiscord, message_text
from tests.discord_fake.harness import Harness, World

PROBE = ("cogs.admin", "tests.adapters.discord.discord_probe_ext")
LINES = 60  # about 7,000 characters: four messages on Discord


def line_numbers(messages: list[dict[str, object]]) -> Counter[int]:
    return Counter(int(n) for m in messages for n in re.findall(r"line (\d{3})", message_text(m)))  # type: ignore[arg-type]


def dm_messages(fake: FakeDiscord, user: int) -> list[dict[str, object]]:
    dms = [int(c["id"]) for c in fake.channels.values()
           if c["type"] == 1 and c["recipients"][0]["id"] == str(user)]
    return [m for cid in dms for m in fake.channel_messages(cid)]


def pings_only(m: dict[str, object], user: int) -> bool:
    allowed = m["_allowed_mentions"]
    assert isinstance(allowed, dict)
    return (allowed.get("parse") == [] and [str(x) for x in allowed.get("users", [])] in ([], [str(user)])
            and m["mention_everyone"] is False)


async def test_a_long_public_answer_needs_the_token_only_for_its_first_part_each_part_once(
        harness: Harness, world: World) -> None:
    fake, u, ch = world.fake, world.users, world.channel
    fake.token_uses = 0  # the interaction's answer goes through, then no webhook request would
    await harness.start(PROBE)
    r = await fake.send_interaction("long", {"lines": LINES}, user=u["alice"], channel=ch)
    await fake.wait_for(lambda: set(line_numbers(fake.channel_messages(ch))) == set(range(LINES)),
                        what="every line shown")
    await fake.quiet(0.2)
    shown = fake.channel_messages(ch)
    assert line_numbers(shown) == Counter(range(LINES)), "every line exactly once"
    by_interaction = set(r.interaction.message_ids)
    in_channel = [m for m in shown if int(str(m["id"])) not in by_interaction]
    # The later parts of a public answer are channel posts (with a nonce), which need no token.
    assert len(by_interaction) == 1 and len(in_channel) == 3 and r.interaction.errors == []
    assert all(pings_only(m, u["alice"]) for m in shown), "@everyone pings nobody; only the mention"


async def test_a_long_private_answer_cut_off_by_the_token_goes_on_by_direct_message(
        harness: Harness, world: World) -> None:
    fake, u, ch = world.fake, world.users, world.channel
    fake.token_uses = 1
    await harness.start(PROBE)
    r = await fake.send_interaction("long", {"lines": LINES, "private": True}, user=u["alice"], channel=ch)
    await fake.wait_for(lambda: len(dm_messages(fake, u["alice"])) >= 2, what="the rest by DM")
    await fake.quiet(0.2)
    private = [m for m in r.messages if int(str(m["flags"])) & EPHEMERAL]
    dms = dm_messages(fake, u["alice"])
    assert len(private) == 2 and fake.channel_messages(ch) == [], "nothing private in the channel"
    assert line_numbers(private + dms) == Counter(range(LINES)), "every line exactly once"
    assert "/long" in message_text(dms[0]) and "line" not in message_text(dms[0]), "says what it answers"
    assert all(pings_only(m, u["alice"]) for m in dms)


async def test_a_deferred_private_answer_after_the_token_expired_comes_by_direct_message(
        harness: Harness, world: World) -> None:
    fake, u, ch = world.fake, world.users, world.channel
    fake.interaction_deadline = 0.3
    fake.token_uses = 0  # the "thinking" placeholder was shown; then the 15 minutes passed
    await harness.start(PROBE, defer_after=0.1)
    r = await fake.send_interaction("long", {"lines": 3, "private": True, "delay": 1}, user=u["alice"],
                                    channel=ch)
    await fake.wait_for(lambda: line_numbers(dm_messages(fake, u["alice"])) == Counter(range(3)),
                        what="the answer by DM")
    await fake.quiet(0.2)
    assert r.deferred and fake.channel_messages(ch) == []
    assert line_numbers(dm_messages(fake, u["alice"])) == Counter(range(3))


async def test_an_interaction_acknowledged_too_late_answers_in_the_channel_or_by_dm(
        harness: Harness, world: World) -> None:
    fake, u, ch = world.fake, world.users, world.channel
    fake.interaction_deadline = 0.2  # the answer comes after it, and nothing deferred it
    await harness.start(PROBE, defer_after=5.0)
    public = await fake.send_interaction("long", {"lines": LINES, "delay": 1}, user=u["alice"], channel=ch)
    await fake.wait_for(lambda: set(line_numbers(fake.channel_messages(ch))) == set(range(LINES)),
                        what="the public answer in the channel")
    private = await fake.send_interaction("long", {"lines": 3, "private": True, "delay": 1},
                                          user=u["bob"], channel=ch)
    await fake.wait_for(lambda: line_numbers(dm_messages(fake, u["bob"])) == Counter(range(3)),
                        what="the private answer by DM")
    await fake.quiet(0.2)
    assert public.response_type is None and private.response_type is None
    assert line_numbers(fake.channel_messages(ch)) == Counter(range(LINES))
    assert not [m for m in fake.all_messages() if "went wrong" in message_text(m)]


async def test_a_channel_post_whose_answer_was_lost_is_not_posted_twice(harness: Harness, world: World) -> None:
    fake, u, ch = world.fake, world.users, world.channel
    fake.interaction_deadline = 0.3
    await harness.start(PROBE, defer_after=0.1)  # a deferred public answer is posted in the channel
    fake.lose_answers("POST", rf"^/channels/{ch}/messages$")
    await fake.send_interaction("slow public", {"title": "Only once"}, user=u["alice"], channel=ch)
    await fake.wait_for(lambda: len([r for r in fake.requests if r[1] == f"/channels/{ch}/messages"]) >= 2,
                        what="discord.py's retry of the lost answer")
    await fake.quiet(0.2)
    cards = [m for m in fake.channel_messages(ch) if "Only once" in message_text(m)]
    assert len(cards) == 1, "Discord returned the first message to the retry (nonce)"
    assert fake.reaction_users(int(cards[0]["id"]), "👍") == [fake.bot_id]


@pytest.mark.parametrize("private", [False, True])
async def test_an_acknowledgement_whose_answer_was_lost_is_not_answered_twice(
        harness: Harness, world: World, private: bool) -> None:
    fake, u, ch = world.fake, world.users, world.channel
    await harness.start(PROBE)
    fake.lose_answers("POST", r"^/interactions/\d+/[^/]+/callback$")
    r = await fake.send_interaction("long", {"lines": LINES, "private": private}, user=u["alice"], channel=ch)
    await fake.wait_for(lambda: set(line_numbers(r.messages)) == set(range(LINES)), what="every line")
    await fake.quiet(1.5)  # discord.py waits a second before its retry
    assert {"code": 40060} in r.interaction.errors, "the retry found the interaction answered"
    assert line_numbers(r.messages) == Counter(range(LINES))
    assert all(bool(int(str(m["flags"])) & EPHEMERAL) == private for m in r.messages)
    assert not [m for m in fake.all_messages() if "went wrong" in message_text(m)]
    assert dm_messages(fake, u["alice"]) == []


async def test_a_card_posted_after_the_token_expired_is_live(harness: Harness, world: World) -> None:
    """An event card that had to go to the channel as a plain post (the answer came after
    Discord's deadline) is the event's card all the same: a ✅ on it counts and shows."""
    from tests.adapters.discord.test_discord_features import ALL

    fake, u, ch = world.fake, world.users, world.channel
    fake.interaction_deadline = 0.0  # every first answer comes too late: 10062
    await harness.start(ALL, defer_after=5.0)
    card = await picnic_card(fake, u["alice"], ch)
    mid = int(card["id"])
    await fake.wait_for(lambda: fake.reaction_users(mid, "✅") == [fake.bot_id], what="the card's seeded ✅")
    fake.add_reaction(mid, "✅", u["bob"])
    await fake.wait_for(lambda: "Going (1)" in message_text(fake.messages[mid]), what="bob going on the card")


async def test_a_slow_buttons_private_answer_comes_by_dm(harness: Harness, world: World) -> None:
    """A button press answered after Discord's deadline: what it says only to the presser (here,
    their place on the waitlist, which the card does not number) comes by DM."""
    from tests.adapters.discord.test_discord_features import ALL

    fake, u, ch = world.fake, world.users, world.channel
    await harness.start(ALL, defer_after=5.0)
    await fake.send_interaction("config set", {"key": "rsvp.buttons", "value": "on"}, user=u["mod"], channel=ch)
    await fake.send_interaction("event create", {"title": "Picnic", "when": "tomorrow 7pm", "capacity": 1},
                                user=u["alice"], channel=ch)
    card = await picnic_card(fake, u["alice"], ch, made=True)
    mid = int(card["id"])
    fake.add_reaction(mid, "✅", u["bob"])
    await fake.wait_for(lambda: "Going (1/1)" in message_text(fake.messages[mid]), what="bob going")
    [going] = [c["custom_id"] for row in card["components"] for c in row["components"]
               if c["custom_id"].endswith(":going")]
    fake.interaction_deadline = 0.0
    await fake.press_button(mid, going, user=u["carol"])
    await fake.wait_for(lambda: any("waitlist" in message_text(m) for m in dm_messages(fake, u["carol"])),
                        what="carol's place on the waitlist by DM")
    assert dm_messages(fake, u["bob"]) == []


async def picnic_card(fake: FakeDiscord, user: int, ch: int, *, made: bool = False) -> dict[str, Any]:
    """`/event create Picnic`'s card (made here unless `made`), wherever its answer went (the
    channel, past the token)."""
    if not made:
        await fake.send_interaction("event create", {"title": "Picnic", "when": "tomorrow 7pm"}, user=user,
                                    channel=ch)
    await fake.wait_for(lambda: any("Picnic" in message_text(m) for m in fake.channel_messages(ch)),
                        what="the card in the channel")
    [card] = [m for m in fake.channel_messages(ch) if "Picnic" in message_text(m)]
    return card
