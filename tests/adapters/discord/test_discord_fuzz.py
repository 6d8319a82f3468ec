"""Fuzzing the Discord adapter at its boundary: random command data and random reactions
through the fake gateway, into the real discord.py and the real adapter.

The envelopes stay valid (discord.py's own parsers raise KeyError on a missing envelope
field and drop the connection; Discord never sends those). What discord.py hands through
untouched is random: an interaction's `data`, a reaction's emoji, which ids it names and
whether it carries a member. Each example must be taken calmly: no exception, no
traceback, at most one WARNING, every interaction answered, nothing changed that the
event was not entitled to change, and the next real command still answered.

Hypothesis runs in a worker thread (so it can shrink) and hands each example to the
test's event loop.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Any

import discord
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from adapters.discord import DiscordAdapter
from bot.app import Bot
from bot.emoji import canonical
from tests.adapters.discord.test_discord_features import ALL, card_id, only_public_card
from tests.discord_fake import message_text
from tests.discord_fake.harness import Harness, World, delivered

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
RSVP_EMOJI = {"✅", "🤔", "❌"}
KEYS = ["name", "type", "options", "value", "id", "guild_id", "focused", "resolved"]

JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=16)
)
JSON = st.recursive(
    JSON_LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@dataclass
class Scene:
    """A bot on the fake with an event card in guild A (bob going), and guild B next door."""

    world: World
    bot: Bot
    adapter: DiscordAdapter
    caplog: pytest.LogCaptureFixture
    card: int  # message id of the event card in guild A
    event: int
    guild_b: int
    channel_b: int
    other_a: int  # a second channel in guild A
    users_b: list[int]

    @property
    def fake(self) -> Any:
        return self.world.fake

    def card_state(self) -> tuple[str, int]:
        return message_text(self.fake.messages[self.card]), len(self.fake.edits_of(self.card))

    async def roster(self) -> str:
        shown = await self.fake.send_interaction(
            "event attendees",
            {"id": self.event},
            user=self.world.users["alice"],
            channel=self.world.channel,
        )
        return shown.text

    def check_logs(self, since: int, events: int) -> int:
        fresh = self.caplog.records[since:]
        assert not [r for r in fresh if r.exc_info or r.levelno >= logging.ERROR], [
            f"{r.name}: {r.getMessage()}" for r in fresh if r.exc_info or r.levelno >= logging.ERROR
        ]
        warnings = [r.getMessage() for r in fresh if r.levelno == logging.WARNING]
        assert len(warnings) <= events, warnings
        return len(self.caplog.records)


@pytest.fixture
async def scene(harness: Harness, world: World, caplog: pytest.LogCaptureFixture) -> Scene:
    fake, u = world.fake, world.users
    guild_b = fake.add_guild("Climbers")
    channel_b = fake.add_channel(guild_b, "crag")
    users_b = [fake.add_member(guild_b, f"climber{i}") for i in range(3)]
    other_a = fake.add_channel(world.guild, "random")
    bot, adapter = await harness.start(ALL)
    created = await fake.send_interaction(
        "event create",
        {"title": "Picnic", "when": "tomorrow 7pm"},
        user=u["alice"],
        channel=world.channel,
    )
    card = only_public_card(created)
    mid = int(card["id"])
    fake.add_reaction(mid, "✅", u["bob"])
    await fake.wait_for(lambda: "Going (1)" in message_text(fake.messages[mid]), what="bob going")
    await delivered(fake, bot, adapter)
    return Scene(
        world, bot, adapter, caplog, mid, card_id(card), guild_b, channel_b, other_a, users_b
    )


def run_hypothesis(
    loop: asyncio.AbstractEventLoop,
    strategy: st.SearchStrategy[Any],
    feed: Callable[[Any], Coroutine[Any, Any, str]],
) -> Callable[[], None]:
    """A sync hypothesis test that sends each example to `loop` and waits for it; what
    `feed` returns labels the example (see --hypothesis-show-statistics)."""

    @SETTINGS
    @given(strategy)
    def check(example: Any) -> None:
        event(asyncio.run_coroutine_threadsafe(feed(example), loop).result(timeout=10))

    return check


# --- interactions -------------------------------------------------------------------------------


def _containers(node: Any) -> Iterator[dict[str, Any] | list[Any]]:
    if isinstance(node, dict | list):
        yield node
        for child in node.values() if isinstance(node, dict) else node:
            yield from _containers(child)


def _retyped(value: Any) -> list[Any]:
    return [str(value), [value], {"value": value}, None, True, 0, -1, 2**53 + 1, 1.5, ""]


@st.composite
def near_valid(draw: st.DrawFn, payloads: list[dict[str, Any]]) -> Any:
    """A real command payload with one to three fields removed, replaced or retyped."""
    data: Any = copy.deepcopy(draw(st.sampled_from(payloads)))
    for _ in range(draw(st.integers(1, 3))):
        containers = list(_containers(data))
        if not containers:
            break
        parent = draw(st.sampled_from(containers))
        keys: list[Any] = list(parent) if isinstance(parent, dict) else list(range(len(parent)))
        if not keys:
            continue
        key = draw(st.sampled_from(keys))
        how = draw(st.sampled_from(["delete", "replace", "retype"]))
        if how == "delete":
            del parent[key]
        elif how == "replace":
            parent[key] = draw(JSON)
        else:
            parent[key] = draw(st.sampled_from(_retyped(parent[key])))
    return data


async def test_fuzzed_command_data_is_always_answered(scene: Scene) -> None:
    fake, w = scene.fake, scene.world
    samples = [
        ("event list", {}),
        ("help", {"command": "poll create"}),
        ("rsvp", {"id": scene.event, "status": "going"}),
        ("event attendees", {"id": scene.event}),
        ("poll create", {"question": "Q?", "options": "a | b"}),
        ("event create", {"title": "T", "when": "tomorrow 7pm", "capacity": 3}),
        ("config set", {"key": "rsvp.buttons", "value": "on"}),
    ]
    payloads = [fake.command_payload(c, o, guild_id=scene.guild_b) for c, o in samples]
    names = sorted({p["name"] for p in payloads})
    shaped = st.fixed_dictionaries(
        {"name": st.sampled_from(names) | JSON},
        optional={"type": JSON, "options": JSON, "id": JSON},
    )
    strategy = st.one_of(JSON, shaped, near_valid(payloads))
    before, roster = scene.card_state(), await scene.roster()
    mark = len(scene.caplog.records)
    users = st.sampled_from(scene.users_b)

    async def feed(example: tuple[Any, int]) -> str:
        nonlocal mark
        data, user = example
        # Commands come from guild B: whatever a fuzzed one does, it cannot touch guild A's event.
        answer = await fake.send_raw_interaction(
            data, user=user, channel=scene.channel_b, settle=0.0
        )
        await delivered(fake, scene.bot, scene.adapter)
        mark = scene.check_logs(mark, 1)
        assert scene.card_state() == before
        return "answer: " + " ".join(answer.text.split()[:3])

    await asyncio.to_thread(
        run_hypothesis(asyncio.get_running_loop(), st.tuples(strategy, users), feed)
    )
    listed = await fake.send_interaction("event list", user=w.users["alice"], channel=w.channel)
    assert "Picnic" in listed.text and not listed.text.startswith("⚠️"), listed.text
    assert scene.card_state() == before and await scene.roster() == roster


# --- reactions ----------------------------------------------------------------------------------

EMOJI_NAMES = [
    "✅",
    "✅\ufe0f",
    "✅\ufe0e",
    "✅\ufe0f\ufe0f",
    "🤔",
    "❌",
    "❌\ufe0e",
    "1️⃣",
    "1\u20e3",
    "1\ufe0e\u20e3",
    "#️⃣",
    "\ufe0f",
    "\ufe0e",
    "\u20e3",
    "\u200d",
    " ",
    "",
    "a",
    "going",
    "👍🏽",
    "👨‍👩‍👧",
    "🏳️‍🌈",
    "\x00",
    "_",
    "✅✅",
    "✅ ",
    "🤔" * 20,
]


def emoji_objects(ids: st.SearchStrategy[int]) -> st.SearchStrategy[dict[str, Any]]:
    unicode = st.builds(
        lambda n: {"id": None, "name": n}, st.sampled_from(EMOJI_NAMES) | st.text(max_size=6)
    )
    custom = st.builds(
        lambda i, n, a: {"id": str(i), "name": n, "animated": a},
        ids,
        st.none() | st.sampled_from(EMOJI_NAMES) | st.text(max_size=6),
        st.booleans(),
    )
    return unicode | custom


def as_adapter_sees(emoji: dict[str, Any]) -> str:
    return str(discord.PartialEmoji.from_dict(emoji))


async def test_fuzzed_reactions_count_only_where_they_may(scene: Scene) -> None:
    fake, w, u = scene.fake, scene.world, scene.world.users
    stranger = st.integers(10**17, 2**63 - 1)
    other_message = int(fake.user_message(w.channel, u["carol"], "hello")["id"])  # not a card
    channels = st.sampled_from([w.channel, scene.other_a, scene.channel_b]) | stranger
    guilds = st.sampled_from([w.guild, scene.guild_b]) | st.none() | stranger
    messages = st.sampled_from([scene.card, other_message]) | stranger
    users = (
        st.sampled_from([u["bob"], u["carol"], u["alice"], fake.bot_id, *scene.users_b]) | stranger
    )
    event = st.fixed_dictionaries(
        {
            "channel_id": channels,
            "guild_id": guilds,
            "message_id": messages,
            "user_id": users,
            "emoji": emoji_objects(stranger),
            "added": st.booleans(),
            "member": st.booleans(),
        }
    )
    genuine = (w.channel, w.guild, scene.card)

    def allowed(e: dict[str, Any]) -> dict[str, Any]:
        # A reaction on the real card, in its channel and server, with an RSVP emoji, is
        # entitled to change it: point such a one at another message instead.
        if (e["channel_id"], e["guild_id"], e["message_id"]) == genuine and canonical(
            as_adapter_sees(e["emoji"])
        ) in RSVP_EMOJI:
            return {**e, "message_id": other_message}
        return e

    before, roster = scene.card_state(), await scene.roster()
    mark = len(scene.caplog.records)

    async def feed(events: list[dict[str, Any]]) -> str:
        nonlocal mark
        fed = list(map(allowed, events))
        for e in fed:
            fake.dispatch_reaction(**e)
        await delivered(fake, scene.bot, scene.adapter)
        mark = scene.check_logs(mark, len(events))
        assert scene.card_state() == before
        return f"on the card's id: {sum(e['message_id'] == scene.card for e in fed)}"

    strategy = st.lists(event, min_size=1, max_size=4)
    await asyncio.to_thread(run_hypothesis(asyncio.get_running_loop(), strategy, feed))
    assert await scene.roster() == roster
    # Genuine reactions still count, and the next command is answered.
    fake.add_reaction(scene.card, "🤔", u["carol"])
    await fake.wait_for(
        lambda: "Maybe (1)" in message_text(fake.messages[scene.card]), what="carol maybe"
    )
    assert "carol" in message_text(fake.messages[scene.card])
    listed = await fake.send_interaction("event list", user=u["alice"], channel=w.channel)
    assert "Picnic" in listed.text
    await scene.bot.cards.idle()
