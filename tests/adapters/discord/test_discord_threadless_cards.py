"""An event whose card is in a thread (another event's discussion thread) or in a channel
that holds no threads: with events.thread on it simply has no thread of its own. Discord's
answer to a thread in a thread (400 50024) is no fault to tell anyone about, and no member
ever sees Discord's raw error text."""

from __future__ import annotations

from typing import Any

from tests.adapters.discord.test_discord_features import ALL, only_public_card
from tests.discord_fake import message_text
from tests.discord_fake.harness import Harness, World

RAW = "Cannot execute action"


def thread_warnings(fake: Any) -> list[str]:
    return [t for t in map(message_text, fake.all_messages()) if t.startswith("⚠️") and "thread" in t or RAW in t]


def threads_under(fake: Any, channel: int) -> list[Any]:
    return [c for c in fake.channels.values() if c.get("parent_id") == str(channel)]


async def test_events_made_in_an_events_thread_have_none_and_nothing_is_said(harness: Harness, world: World) -> None:
    await harness.start(ALL)
    fake, u, ch = world.fake, world.users, world.channel
    await fake.send_interaction("config set", {"key": "events.thread", "value": "on"}, user=u["mod"], channel=ch)
    card = only_public_card(await fake.send_interaction(
        "event create", {"title": "Picnic", "when": "tomorrow 7pm"}, user=u["alice"], channel=ch))
    thread = int(card["id"])
    await fake.wait_for(lambda: thread in fake.channels, what="the Picnic thread")
    for i in range(2):
        inner = only_public_card(await fake.send_interaction(
            "event create", {"title": f"Afterparty {i}", "when": "tomorrow 10pm"}, user=u["bob"], channel=thread))
        assert inner["channel_id"] == str(thread)
        # An event made in the channel gets its thread as before (and clears any note).
        hike = int(only_public_card(await fake.send_interaction(
            "event create", {"title": f"Hike {i}", "when": "tomorrow 9am"}, user=u["alice"], channel=ch))["id"])
        await fake.wait_for(lambda h=hike: h in fake.channels, what="the Hike thread")  # type: ignore[misc]
    # Turning it on again catches up the events without a thread: still nothing to tell.
    again = await fake.send_interaction("config set", {"key": "events.thread", "value": "on"},
                                        user=u["mod"], channel=ch)
    assert "✅" in again.text
    await fake.quiet(0.3)
    assert thread_warnings(fake) == []
    assert threads_under(fake, thread) == []
    assert len(threads_under(fake, ch)) == 3


async def test_a_card_in_a_channel_discord_says_holds_no_threads_gets_none_quietly(harness: Harness, world: World) -> None:
    await harness.start(ALL)
    fake, u, ch = world.fake, world.users, world.channel
    # A voice channel's text chat, made after logoff connected: its type is known only to
    # Discord, which answers the thread's creation with 400 50024.
    lounge = fake.add_channel(world.guild, "lounge", kind=2)
    await fake.send_interaction("config set", {"key": "events.thread", "value": "on"}, user=u["mod"], channel=ch)
    card = only_public_card(await fake.send_interaction(
        "event create", {"title": "Karaoke", "when": "tomorrow 8pm"}, user=u["alice"], channel=lounge))
    assert card["channel_id"] == str(lounge)
    await fake.quiet(0.3)
    assert [m for m in fake.all_messages() if RAW in message_text(m)] == []
    assert thread_warnings(fake) == []
    assert threads_under(fake, lounge) == []
