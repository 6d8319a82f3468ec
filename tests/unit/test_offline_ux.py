"""Take it offline as members and moderators meet it: what an automatic prompt is about
(only what the bot read, only words there are) and the edges of asking for one."""

from __future__ import annotations

from datetime import timedelta

from bot.testing import FakeAdapter
from tests.unit.test_offline_cog import CALM, HEATED, chat, prompts


def addressed(prompt) -> set[str]:  # type: ignore[no-untyped-def]
    return {u.id for u in prompt.out.mentions}


async def test_a_quick_swap_of_photos_is_not_a_heated_exchange(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    """A message of only an attachment comes with empty text: no words, not a curt reply. Two
    people trading pictures fast in a calm channel get no prompt, at any sensitivity."""
    await fake.invoke("!config set offline.auto on", "mod", mod=True)
    await fake.invoke("!config set offline.sensitivity high", "mod", mod=True)
    for _ in range(20):  # the channel's own scale: calm talk
        await chat(fake, bot, CALM)
    assert prompts(fake) == []
    for i in range(12):
        bot.clock.advance(timedelta(seconds=10))
        who, other = ("alice", "bob") if i % 2 else ("bob", "alice")
        await fake.say("", who, reply_to=other)
    assert prompts(fake) == []


async def test_switched_off_and_on_again_the_bot_reads_a_new_exchange(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    """What is said while offline.auto is off is not read. Switched on again, the bot must not
    take up the exchange from before as if nothing had been said since: the exchange is the
    people talking now, not someone who left while the bot was not watching."""
    await fake.invoke("!config set offline.auto on", "mod", mod=True)
    await fake.invoke("!config set offline.cooldown 10m", "mod", mod=True)
    await chat(fake, bot, HEATED)
    [first] = prompts(fake)
    assert addressed(first) == {"alice", "bob"}
    await fake.invoke("!config set offline.auto off", "mod", mod=True)
    for _ in range(3):  # twelve minutes of alice and carol, unread; bob has left
        for author, line in CALM:
            bot.clock.advance(timedelta(seconds=30))
            await fake.say(line, "carol" if author == "bob" else "alice")
    await fake.invoke("!config set offline.auto on", "mod", mod=True)
    for author, line in HEATED:
        bot.clock.advance(timedelta(seconds=25))
        who = "carol" if author == "bob" else "alice"
        await fake.say(line, who, reply_to="alice" if who == "carol" else "carol")
    # Read with bob's old lines, it was a three-way chat, and a three-way chat gets no prompt.
    assert [addressed(p) for p in prompts(fake)[1:]] == [{"alice", "carol"}]


async def test_a_caption_taken_off_a_photo_leaves_no_words_to_read(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    """An edit that leaves only the attachment is read as the photo alone, as if sent so."""
    await fake.invoke("!config set offline.auto on", "mod", mod=True)
    await fake.invoke("!config set offline.sensitivity high", "mod", mod=True)
    for _ in range(20):
        await chat(fake, bot, CALM)
    said = []
    for i in range(11):
        bot.clock.advance(timedelta(seconds=10))
        who, other = ("alice", "bob") if i % 2 else ("bob", "alice")
        said.append(await fake.say("thanks, lovely photo of the park", who, reply_to=other))
    assert prompts(fake) == []
    for message_id in said:
        await fake.edit_said(message_id, "")
    bot.clock.advance(timedelta(seconds=10))
    await fake.say("", "alice", reply_to="bob")
    assert prompts(fake) == []


async def test_the_cooldown_is_each_channels_own_and_outlasts_a_restart(databases, clock) -> None:  # type: ignore[no-untyped-def]
    from bot.app import build_bot
    from bot.model import ChannelRef

    other = ChannelRef("fake", "other", "space1")

    async def started():  # type: ignore[no-untyped-def]
        bot = await build_bot(databases(), clock=clock)
        fake = FakeAdapter()
        bot.add_adapter(fake)
        await bot.start()
        return bot, fake

    bot, fake = await started()
    try:
        await fake.invoke("!config set offline.auto on", "mod", mod=True)
        await chat(fake, bot, HEATED)
        assert [p.ref.channel_id for p in prompts(fake)] == ["general"]
    finally:
        await bot.stop()
    clock.advance(timedelta(hours=1))
    bot, fake = await started()
    try:
        await chat(fake, bot, HEATED)
        await chat(fake, bot, HEATED, other)  # the other channel has had no prompt yet
        assert [p.ref.channel_id for p in prompts(fake)] == ["other"]
    finally:
        await bot.stop()


async def test_anyone_in_the_channel_may_ask_why_or_wave_a_prompt_off(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    """The reasons name no one and quote nothing, and the prompt invites everyone to ask: a
    member gets them as a moderator would. A "not now" is the channel's answer, whoever gives
    it; the card says who did, and it counts towards the channel being quieter."""
    await fake.invoke("!config set offline.auto on", "mod", mod=True)
    await chat(fake, bot, HEATED)
    [prompt] = prompts(fake)
    await fake.react(prompt, "❓", "zed")
    [why] = fake.containing("I spoke up because")
    assert "between two people" in why.text and "alice" not in why.text and "bob" not in why.text
    await fake.react(prompt, "🔕", "zed")
    assert "zed waved this off" in prompt.text
    assert await bot.cogs["offline"]._dismissals_in_a_row(fake.channel) == 1


async def test_the_meetup_slots_are_sociable_local_times_across_a_clock_change(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    """Asked on the Friday evening before Berlin's clocks go forward: the slots are the
    weekend's late morning and weekday evenings in the space's zone, summer time where it
    applies, none sooner than the next day, and they stay those moments if the zone changes."""
    from datetime import UTC, datetime

    await fake.invoke("!config set timezone Europe/Berlin", "mod", mod=True)
    bot.clock.advance(datetime(2026, 3, 27, 20, 0, tzinfo=UTC) - bot.clock.now())
    await chat(fake, bot, CALM[:2])
    [prompt] = await fake.invoke("!offline")
    await fake.react(prompt, "📅", "bob")
    [poll] = fake.containing("When could we meet?")
    assert "Sun 29 Mar 2026 11:00 CEST" in poll.text and "Mon 30 Mar 2026 18:30 CEST" in poll.text
    assert "Wed 01 Apr 2026 18:30 CEST" in poll.text
    assert "Closes Sat 28 Mar 2026 21:00 CET" in poll.text
    await fake.invoke("!config set timezone UTC", "mod", mod=True)
    [results] = await fake.invoke("!poll results 1")
    assert "Sun 29 Mar 2026 09:00 UTC" in results.text
