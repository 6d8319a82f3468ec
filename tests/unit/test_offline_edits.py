"""Take it offline when messages change after they were said: a message deleted on the platform
leaves the heat reading of its channel, an edited one is read as edited, a prompt already made
stays as it was (with its reasons), and the core passes edits and deletions on to the cogs."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

from bot.app import Bot
from bot.cog import Cog, on_message_deleted, on_message_edited
from bot.model import ChannelRef, MessageDeleted, MessageEdited, UserRef
from bot.testing import FakeAdapter
from cogs.offline.memory import IDS_KEPT
from cogs.offline.scorer import ChannelHeat, HeatScorer, Msg
from tests.unit.test_offline_cog import CALM, HEATED, chat, prompts

# Two calm lines, then bob turns on alice and she answers in kind: her answer is what makes
# the exchange heated enough to prompt, but only with bob's line before it.
OPENING = CALM[:2]
HOSTILE = ("bob", "stop lying. you twist every single thing people say")
ANSWER = ("alice", "you are the one who never listens. this is ridiculous")
CALMED = "sorry, i misread the rules. the paths are still fine for dogs"
OTHER = ChannelRef("fake", "other", "space1")


async def say(fake: FakeAdapter, bot: Bot, line: tuple[str, str], channel: ChannelRef | None = None) -> str:
    bot.clock.advance(timedelta(seconds=25))
    author, text = line
    return await fake.say(text, author, reply_to="bob" if author == "alice" else "alice", channel=channel)


async def test_a_deleted_hostile_message_leaves_the_reading_of_its_channel(fake: FakeAdapter, bot: Bot) -> None:
    await fake.invoke("!config set offline.auto on", "mod", mod=True)
    # The same exchange in two channels; in one a moderator deletes bob's line before alice answers.
    for channel in (fake.channel, OTHER):
        await chat(fake, bot, OPENING, channel)
    await say(fake, bot, HOSTILE)
    hostile = await say(fake, bot, HOSTILE, OTHER)
    assert prompts(fake) == []
    await fake.delete(hostile)
    await say(fake, bot, ANSWER)
    await say(fake, bot, ANSWER, OTHER)
    [prompt] = prompts(fake)
    assert prompt.ref.channel_id == fake.channel.id
    # What the bot reads of the other channel now is what is there: three messages, no bob's line.
    assert len(bot.cogs["offline"]._channels[OTHER.key].heat) == 3  # type: ignore[attr-defined]


async def test_an_edited_message_is_read_as_edited_both_ways(fake: FakeAdapter, bot: Bot) -> None:
    await fake.invoke("!config set offline.auto on", "mod", mod=True)
    # Bob takes his line back by editing it to something calm: alice's answer makes no prompt.
    await chat(fake, bot, OPENING)
    hostile = await say(fake, bot, HOSTILE)
    await fake.edit_said(hostile, CALMED)
    await say(fake, bot, ANSWER)
    assert prompts(fake) == []
    # In another channel bob edits a calm line into the hostile one: it counts as said so.
    await chat(fake, bot, OPENING, OTHER)
    calm = await say(fake, bot, ("bob", CALMED), OTHER)
    await fake.edit_said(calm, HOSTILE[1])
    await say(fake, bot, ANSWER, OTHER)
    [prompt] = prompts(fake)
    assert prompt.ref.channel_id == OTHER.id
    assert {u.id for u in prompt.out.mentions} == {"alice", "bob"}


async def test_a_prompt_stays_as_it_was_when_the_messages_behind_it_go(fake: FakeAdapter, bot: Bot) -> None:
    await fake.invoke("!config set offline.auto on", "mod", mod=True)
    said = []
    for author, text in HEATED:
        said.append(await say(fake, bot, (author, text)))
    [prompt] = prompts(fake)
    [before] = await fake.invoke("!config show", "mod", mod=True)
    for message_id in said:
        await fake.delete(message_id)
    # Nothing is taken back: the card is as it was, still answerable, and its reasons are those
    # it was made for, in the ❓ answer and in config show alike.
    assert prompt.edits == 0 and bot.is_tracked(prompt.ref)
    before_why = len(fake.log)
    await fake.react(prompt, "❓", "alice")
    [why] = [s for s in fake.log[before_why:] if "I spoke up because" in s.text]
    assert "between two people" in why.text
    [after] = await fake.invoke("!config show", "mod", mod=True)
    assert after.text == before.text
    reasons = next(line for line in after.text.splitlines() if "Last automatic prompt, why:" in line)
    for reason in reasons.split("why:", 1)[1].split(";"):
        assert reason.strip() in why.text
    await fake.react(prompt, "📅", "bob")
    assert "proposed a meetup" in prompt.text


async def test_a_deletion_that_overtakes_its_message_still_counts(fake: FakeAdapter, bot: Bot) -> None:
    await fake.invoke("!config set offline.auto on", "mod", mod=True)
    # The channel's first message waits for its kept scale (a database read) before it is read
    # into the window; its deletion arrives meanwhile.
    hearing = asyncio.create_task(fake.say(HOSTILE[1], "bob", channel=OTHER))
    await asyncio.sleep(0)
    assert not hearing.done(), "the message should be waiting for the database here"
    [message_id] = list(fake.said)
    await fake.delete(message_id)
    await hearing
    heat = bot.cogs["offline"]._channels[OTHER.key].heat  # type: ignore[attr-defined]
    assert heat is not None and len(heat) == 0


def test_forgetting_a_message_reads_as_if_it_was_never_said() -> None:
    scorer = HeatScorer()
    lines = [*OPENING, HOSTILE, ANSWER, *HEATED[5:]]
    seen, never = ChannelHeat(scorer), ChannelHeat(scorer)
    for i, (author, text) in enumerate(lines):
        seen.observe(Msg(author, 25.0 * i, None, text), f"m{i}")
        if i != 2:
            never.observe(Msg(author, 25.0 * i, None, text), f"m{i}")
    assert seen.score() != never.score()
    assert seen.forget("m2") and not seen.forget("m2") and not seen.forget("nope")
    assert seen.score() == never.score() and seen.signals() == never.signals()
    assert seen.participants() == never.participants()


def test_an_edit_reads_as_if_it_had_been_said_so_and_only_its_author_edits() -> None:
    scorer = HeatScorer()
    first, edited = ChannelHeat(scorer), ChannelHeat(scorer)
    for i, (author, text) in enumerate([*OPENING, HOSTILE, ANSWER]):
        first.observe(Msg(author, 25.0 * i, None, text), f"m{i}")
        edited.observe(Msg(author, 25.0 * i, None, CALMED if i == 2 else text), f"m{i}")
    hot = first.score()
    assert not first.reread("m2", "alice", CALMED)  # not hers to edit
    assert first.score() == hot
    assert first.reread("m2", "bob", CALMED)
    assert first.score() == edited.score() < hot and first.signals() == edited.signals()


class Listening(Cog):
    name = "listening"

    def __init__(self, bot: Bot) -> None:
        super().__init__(bot)
        self.heard: list[object] = []

    @on_message_edited()
    async def edited(self, event: MessageEdited) -> None:
        self.heard.append(event)

    @on_message_deleted()
    async def deleted(self, event: MessageDeleted) -> None:
        self.heard.append(event)


class Failing(Cog):
    name = "failing"

    @on_message_edited()
    async def edited(self, event: MessageEdited) -> None:
        raise RuntimeError("a listener that fails")

    @on_message_deleted()
    async def deleted(self, event: MessageDeleted) -> None:
        raise RuntimeError("a listener that fails")


@pytest.mark.allow_errors  # the failing listener's exceptions are logged, by design
async def test_the_core_passes_people_s_edits_and_deletions_to_every_cog(
        fake: FakeAdapter, bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    await bot.add_cog(Failing(bot))
    listening = Listening(bot)
    await bot.add_cog(listening)
    said = await fake.say("hello", "alice")
    await fake.edit_said(said, "hello again")
    robot = UserRef("fake", "helper", "helper", is_bot=True)
    bot_said = await fake.say("beep", robot)
    await fake.edit_said(bot_said, "boop")  # a bot's edit is no person's exchange
    await fake.delete(said)
    assert listening.heard == [MessageEdited(fake.channel, fake.user("alice"), said, "hello again"),
                               MessageDeleted(fake.channel, said)]
    failed = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert failed == [f"message_edited in {fake.channel.key} failed",
                      f"message_deleted in {fake.channel.key} failed"]


async def test_someone_whose_only_recent_message_was_deleted_is_not_addressed(
        fake: FakeAdapter, bot: Bot) -> None:
    await chat(fake, bot, CALM[:2])
    carol = await say(fake, bot, ("carol", "anyone else going to the council meeting?"))
    bob_again = await say(fake, bot, ("bob", "i might, if it is not on a weekday"))
    # Carol's only message is taken down; bob's second one too, but his first is still there.
    await fake.delete(carol)
    await fake.delete(bob_again)
    await fake.invoke("!offline", "dave")
    [prompt] = prompts(fake)
    assert {u.id for u in prompt.out.mentions} == {"alice", "bob", "dave"}
    # A deletion takes back that message only: alice's earlier line still makes her recent.
    await fake.delete(await say(fake, bot, ("alice", "see you all there")))
    await fake.invoke("!offline", "dave")
    assert {u.id for u in prompts(fake)[-1].out.mentions} == {"alice", "bob", "dave"}
    # Someone who wrote more than the ids kept of them is recent while any of it is there.
    said = [await say(fake, bot, ("erin", f"point {i} about the paths")) for i in range(IDS_KEPT + 2)]
    for message_id in said[1:]:
        await fake.delete(message_id)
    await fake.invoke("!offline", "dave")
    assert "erin" in {u.id for u in prompts(fake)[-1].out.mentions}
