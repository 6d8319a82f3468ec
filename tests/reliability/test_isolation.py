"""Isolation: an exception inside one handler is logged with its context, the user gets a ⚠️,
and the bot keeps serving everyone else (commands, reactions, buttons, chat, jobs)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

import cogs.events.repo
from bot.cog import Cog, on_action, on_message, on_reaction
from bot.commands import Option, command
from bot.context import Context
from bot.model import ActionInvoked, MessageSeen, ReactionChanged
from bot.scheduler import Job, Scheduler
from tests.reliability.reliability_kit import MakeBot


class Boom(RuntimeError):
    pass


class BrokenCog(Cog):
    """Every way a feature can be called, each one raising."""

    name = "broken"

    async def setup(self) -> None:
        self.scheduler.register("broken.job", self._job)

    @command("boom", "always fails", Option("what", "anything", required=False, rest=True))
    async def boom(self, ctx: Context, what: str | None) -> None:
        await asyncio.sleep(0.01)  # fail while others are being served
        raise Boom(f"kaboom {what}")

    @on_reaction("thing")
    async def on_thing(self, event: ReactionChanged, object_id: int) -> None:
        raise Boom("reaction kaboom")

    @on_action("broken")
    async def on_press(self, ctx: Context, action: ActionInvoked, arg: str) -> None:
        raise Boom("button kaboom")

    @on_message()
    async def on_chat(self, event: MessageSeen) -> None:
        raise Boom("chat kaboom")

    async def _job(self, job: Job) -> None:
        raise Boom("job kaboom")


def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.allow_errors  # the point: they are logged
async def test_a_failing_command_is_logged_with_context_and_others_are_served(
        make_bot: MakeBot, caplog: pytest.LogCaptureFixture) -> None:
    bot, fake = await make_bot()
    await bot.add_cog(BrokenCog(bot))
    boom, poll, event = await asyncio.gather(
        fake.invoke("!boom now", "mallory"),
        fake.invoke("!poll create Q A | B", "ann"),
        fake.invoke('!event create Picnic when="in 72 hours"', "ben"))
    assert len(boom) == 1 and boom[0].text.startswith("⚠️") and "went wrong" in boom[0].text
    assert poll[0].text.startswith("📊") and event[0].text.startswith("📅")
    [rec] = errors(caplog)
    msg = rec.getMessage()
    assert "boom" in msg and "fake:mallory" in msg and "fake:general" in msg
    assert rec.exc_info is not None and isinstance(rec.exc_info[1], Boom)
    # ...and it keeps working afterwards, for everyone, including the user who hit the bug.
    assert (await fake.invoke("!poll vote 1 1", "mallory"))[0].text.startswith("✅")
    assert (await fake.invoke("!rsvp 1 going", "ann"))[0].text.startswith("✅")


@pytest.mark.allow_errors
async def test_failing_listeners_and_jobs_do_not_stop_the_rest(make_bot: MakeBot,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    bot, fake = await make_bot()
    await bot.add_cog(BrokenCog(bot))
    card = (await fake.invoke('!event create Picnic when="in 2 hours"', "host"))[0]
    other = (await fake.invoke("!help", "host"))[0]
    await bot.track(other.ref, "broken", "thing", 1)

    await fake.react(other, "👍", "ann")  # the broken reaction listener
    assert await fake.press(other, "broken:1", "ann") and fake.last(public=False).text.startswith("⚠️")
    await fake.say("hello there", "ann")  # the broken chat listener
    prompt = (await fake.invoke("!offline", "host"))[0]
    assert "ann" in prompt.text, "the chat was still seen by the offline cog"
    await bot.db.write(lambda c: Scheduler.put(c, "broken.job", "broken:1", bot.clock.now()
                                               + timedelta(minutes=30)))
    await fake.react(card, "✅", "ann")
    await bot.scheduler.advance(timedelta(hours=1, minutes=30))  # broken job, then the reminder

    assert "Going (1)" in fake.messages[card.id].text
    reminders = [s for s in fake.log if s.text.startswith("⏰ Reminder")]
    assert len(reminders) == 1 and [u.key for u in reminders[0].out.mentions] == ["fake:ann"]
    logged = " | ".join(r.getMessage() for r in errors(caplog))
    for context in ("reaction on fake:", "action broken:1", "message in fake:general", "broken:1"):
        assert context in logged, f"no error logged with context {context!r}: {logged}"
    assert all(r.exc_info for r in errors(caplog)), "every error carries its traceback"


@pytest.mark.allow_errors
async def test_a_real_cog_failing_inside_is_contained(make_bot: MakeBot, caplog: pytest.LogCaptureFixture,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    bot, fake = await make_bot()
    await fake.invoke('!event create Picnic when="in 72 hours"', "host")
    real = cogs.events.repo.card_roster

    def broken(*a: object, **k: object) -> object:
        raise Boom("roster kaboom")

    monkeypatch.setattr(cogs.events.repo, "card_roster", broken)
    r = await fake.invoke("!event show 1", "ann")
    assert r[0].text.startswith("⚠️") and len(r) == 1
    assert (await fake.invoke("!poll create Q A | B", "ben"))[0].text.startswith("📊")
    assert any("event show" in rec.getMessage() and "fake:ann" in rec.getMessage() for rec in errors(caplog))
    monkeypatch.setattr(cogs.events.repo, "card_roster", real)
    assert (await fake.invoke("!event show 1", "ann"))[0].text.startswith("📅")
