"""Polls: agree where and when. Vote by number reactions (or `poll vote`), close by
hand or at a deadline, results with counts and ties shown as ties."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta
from functools import partial

from bot.cog import Cog, on_reaction, on_reconcile
from bot.commands import Option, command
from bot.context import Context, Refusal
from bot.model import ChannelRef, MessageRef, ReactionChanged, SpaceRef, UserRef
from bot.render import Out, format_time, line, text
from bot.settings import SettingSpec, on_off, switch_text

from . import repo
from .agreed import AgreedPolls
from .closing import close_key
from .migrations import MIGRATIONS
from .render import NUMBERS, option, poll_card, results_text
from .repo import Poll, marks
from .service import PollService
from .suggest import PollSuggestions
from .times import option_times

MAX_POLL_DURATION = timedelta(days=90)
# A one-word question and a first option holding "?" and more words, typed on one line with
# neither quoted: an unquoted question ran on into the options (its first word alone fills
# the question). A quote there, or a field of its own for each, says where the user ended it.
QUESTION_RUNS_ON = re.compile(r"^(.*?\?)\s+(\S.*)$", re.DOTALL)


class PollsCog(Cog, AgreedPolls, PollSuggestions, PollService):  # the interface last: its stubs lose
    name = "polls"
    migrations = MIGRATIONS

    async def setup(self) -> None:
        self.register_closing()
        self.register_linked()
        self.bot.provide(PollService, self, self.name)
        self.settings.register(SettingSpec(
            "polls.native", "on", on_off, "on or off",
            "polls also as the platform's own native polls, whose votes count like reactions",
            normalize=switch_text, requires="native_polls"))

    # --- commands ----------------------------------------------------------------------------

    @command("poll create", "start a poll; options separated by |",
             Option("question", "what to decide", max_length=200),
             Option("options", "2 to 10 choices separated by |", kind="list", rest=True, min=2, max=10,
                    max_length=100, placeholder="options"),
             Option("multi", "yes to allow several choices", kind="bool", required=False,
                    positional=False, placeholder="yes"),
             Option("closes", "when voting ends: a time or a duration like 2h", kind="when_or_duration",
                    required=False, positional=False, greedy=True, placeholder="when or duration"))
    async def create(self, ctx: Context, question: str, options: list[str], multi: bool | None,
                     closes: datetime | None) -> None:
        if ran_on(ctx, question) and (m := QUESTION_RUNS_ON.match(options[0])):
            raise Refusal(f"the question is only '{question}', and option 1 is '{options[0]}'; to ask more "
                          f"than a word, quote the question: {ctx.prefix}poll create \"{question} {m[1]}\" "
                          f"{m[2]} | …")
        if closes is not None and closes - ctx.now > MAX_POLL_DURATION:
            tz, named = await ctx.timezone(), "closes:" if ctx.usage_style == "slash" else "closes="
            raise Refusal(f"{named} reads as {format_time(closes, tz)}, further away than a poll can stay open "
                          f"({MAX_POLL_DURATION.days} days); pick a close up to "
                          f"{format_time(ctx.now + MAX_POLL_DURATION, tz)}")
        poll = await self.create_poll(ctx.channel, ctx.user, question, options, bool(multi), closes)
        ref = await ctx.reply(await self.card(poll))
        if ref is not None:
            await self.bot.track(ref, self.name, "poll", poll.id)
        await self._share(poll, ctx.channel)

    async def create_poll(self, channel: ChannelRef, creator: UserRef, question: str, options: list[str],
                          multi: bool = False, closes_at: datetime | None = None,
                          key: str | None = None) -> Poll:
        """Also used by other features (e.g. the offline prompt proposing time slots); with a
        `key`, the poll made for it before, if there is one."""
        now = self.clock.now()
        tz = await self.bot.timezone(channel.space)
        times = option_times(options, tz, now)

        def unit(conn: sqlite3.Connection) -> tuple[Poll, tuple[int, datetime] | None]:
            made = repo.made_for(conn, key) if key is not None else None
            if made is not None:
                return made, None
            poll = repo.insert(conn, space=channel.space.key, platform=channel.platform,
                               channel_id=channel.id, creator=creator.key, question=question,
                               options=options, multi=multi, closes_at=closes_at, now=now,
                               option_times=times, made_for=key)
            handle = self.scheduler.put(conn, "poll.close", close_key(poll.id), closes_at,
                                        {"poll_id": poll.id}, channel.space.key) if closes_at else None
            return poll, handle

        poll, handle = await self.db.write(unit)
        if handle:
            self.scheduler.arm(handle)
        return poll

    @command("poll close", "close a poll now and post the results (for its creator and moderators)",
             Option("id", "the poll's number", kind="int", min=1, suggest="suggest_open_poll"))
    async def close_cmd(self, ctx: Context, id: int) -> None:
        poll = await self._poll_here(ctx, id)
        if poll.creator != ctx.user.key and not ctx.is_moderator:
            raise Refusal(f"only the poll's creator or a moderator can close poll #{id}")
        if poll.closed:
            raise Refusal(f"poll #{id} is already closed; see {ctx.prefix}poll results {id}")
        await self._close(poll.id, reply=ctx.reply, here=ctx.channel)

    @command("poll results", "show the current tally of a poll",
             Option("id", "the poll's number", kind="int", min=1, suggest="suggest_poll"))
    async def results(self, ctx: Context, id: int) -> None:
        poll = await self._poll_here(ctx, id)
        tally = await self.db.read(lambda c: repo.tally(c, poll))
        await ctx.reply(results_text(poll, tally))

    @command("poll vote", "vote by number (instead of reacting)",
             Option("id", "the poll's number", kind="int", min=1, suggest="suggest_open_poll"),
             Option("choice", "the option's number", kind="int", min=1, max=10, placeholder="n",
                    suggest="suggest_choice"))
    async def vote(self, ctx: Context, id: int, choice: int) -> None:
        poll = await self._poll_here(ctx, id)
        if past_deadline(poll, ctx.now):
            raise Refusal(f"poll #{id} is closed, so it takes no more votes; see {ctx.prefix}poll results {id}")
        if choice > len(poll.options):
            raise Refusal(f"poll #{id} has options 1 to {len(poll.options)}; vote with one of those")
        value = str(choice - 1)

        def unit(conn: sqlite3.Connection) -> bool:
            current = repo.get(conn, poll.id)
            if current is None or past_deadline(current, ctx.now):
                raise Refusal(f"poll #{id} is closed, so it takes no more votes")
            # In a multi-choice poll text votes add up; in a single-choice one the latest counts.
            return marks.add(conn, poll.id, ctx.user.key, value, "text", ctx.user.name,
                             exclusive=not poll.multi)

        await self.db.write(unit)
        self.refresh(poll.id)
        await ctx.reply(text(line(f"✅ Your vote for {choice} (", option(poll, choice - 1),
                                  f") in poll #{id} counts.")), ephemeral=True)

    # --- reactions ---------------------------------------------------------------------------------

    @on_reaction("poll")
    async def on_vote(self, event: ReactionChanged, poll_id: int) -> None:
        if event.emoji not in NUMBERS:
            return
        value = str(NUMBERS.index(event.emoji))
        now = event.made(self.clock.now())  # a vote made before the deadline counts however late it arrives

        def unit(conn: sqlite3.Connection) -> bool:
            poll = repo.get(conn, poll_id)
            if poll is None or past_deadline(poll, now) or int(value) >= len(poll.options):
                return False
            if event.added:
                return marks.add(conn, poll_id, event.user.key, value, "reaction", event.user.name)
            return marks.remove(conn, poll_id, event.user.key, value)

        if await self.db.write(unit):
            self.refresh(poll_id)

    @on_reconcile("poll")
    async def on_reconcile(self, poll_id: int, readings: dict[MessageRef, dict[str, list[UserRef]]], whole: bool) -> None:
        # One card per platform (linked channels are on different platforms): its people's truth.
        truths = {m.platform: {str(i): [(u.key, u.name) for u in reactions.get(e, [])] for i, e in enumerate(NUMBERS)}
                  for m, reactions in readings.items()}

        def unit(conn: sqlite3.Connection) -> set[str] | None:
            poll = repo.get(conn, poll_id)
            if poll is None:
                return set()
            if poll.closed:
                return None
            return set().union(*(marks.reconcile(conn, poll_id, {k: v for k, v in truth.items()
                                                                 if int(k) < len(poll.options)}, platform)
                                 for platform, truth in truths.items()))

        changed = await self.db.write(unit)
        if changed is None:
            # Closed, its card still live: a stop came between the close and its card's edit.
            # The close is finished here (the card frozen, a native poll beside it ended).
            await self.freeze(poll_id)
        elif changed:
            self.refresh(poll_id)

    # --- helpers for cards and other features ---------------------------------------------------------

    async def get(self, poll_id: int) -> Poll | None:
        return await self.db.read_small(lambda c: repo.get(c, poll_id))

    async def tally(self, poll: Poll) -> repo.Tally:
        return await self.db.read(lambda c: repo.tally(c, poll))

    async def card(self, poll: Poll, channel: ChannelRef | None = None) -> Out:
        """The card as `channel` shows it (the poll's own by default): a linked channel's card
        speaks its own platform's command syntax and follows its own space's settings."""
        platform = channel.platform if channel else poll.platform
        space = channel.space if channel else SpaceRef.from_key(poll.space)
        return poll_card(poll, await self.tally(poll), self.bot.prefix_for(platform),
                         native=await self._native(poll, platform, space))

    async def _native(self, poll: Poll, platform: str, space: SpaceRef) -> bool:
        """Whether the card carries its choices for a native poll. A closed card always does
        where the platform has them, so a native poll started before the setting was turned
        off is still ended with its card."""
        caps = self.bot.capabilities(platform)
        if caps is None or not caps.native_polls:
            return False
        return poll.closed or bool(await self.settings.get(space, "polls.native"))

    def refresh(self, poll_id: int) -> None:
        for message in self.bot.tracked_messages(self.name, "poll", poll_id):
            self.bot.refresh_card(message, partial(self._render, poll_id, message.channel))

    async def freeze(self, poll_id: int) -> None:
        """The poll is closed: its cards are to show it so, and are no longer live. In the
        database each is until that edit has landed on it, so a stop or a kill before it
        leaves it to the next start's reconcile (`on_reconcile`), which freezes it then. A
        card on a platform this process does not run is left to the process that runs it
        (its reconcile freezes it): waiting for it would keep every card live for good."""
        messages = self.bot.tracked_messages(self.name, "poll", poll_id)
        for message in messages:
            if self.bot.capabilities(message.platform) is None:
                continue
            self.bot.refresh_card(message, partial(self._render, poll_id, message.channel),
                                  partial(self.bot.untrack, self.name, "poll", poll_id, card=message))
        await self.bot.untrack(self.name, "poll", poll_id, durably=False)

    async def _render(self, poll_id: int, channel: ChannelRef) -> Out:
        poll = await self.get(poll_id)
        assert poll is not None
        return await self.card(poll, channel)

    async def post_poll(self, channel: ChannelRef, creator: UserRef, question: str,
                        options: list[str], *, multi: bool = False,
                        closes_at: datetime | None = None, idempotency_key: str | None = None) -> int:
        poll = await self.create_poll(channel, creator, question, options, multi, closes_at, idempotency_key)
        # Asked again (its job re-run): a card already out here is not posted twice.
        if not any(m.channel.key == channel.key for m in self.bot.tracked_messages(self.name, "poll", poll.id)):
            ref = await self.bot.send(channel, await self.card(poll), idempotency_key=idempotency_key)
            await self.bot.track(ref, self.name, "poll", poll.id)
        await self._share(poll, channel)
        return poll.id

    async def made_for(self, key: str) -> int | None:
        made = await self.db.read_small(lambda c: repo.made_for(c, key))
        return made.id if made is not None else None

    async def _poll_here(self, ctx: Context, poll_id: int) -> Poll:
        poll = await self.get(poll_id)
        if poll is not None and poll.space != ctx.space.key and any(
                c.key == ctx.channel.key for c in await self._elsewhere(poll)):
            return poll  # shared here from a linked channel
        if poll is None or poll.space != ctx.space.key:
            raise Refusal(f"there is no poll #{poll_id} here; check the number on the poll's card")
        return poll


def ran_on(ctx: Context, question: str) -> bool:
    """Whether a one-word question may be the first word of a longer one that ran on into the
    options: typed on one line, with neither it nor the options' first word quoted."""
    return (ctx.typed and not {"question", "options"} & ctx.quoted and " " not in question
            and not question.endswith("?"))


def past_deadline(poll: Poll, now: datetime) -> bool:
    """Whether it takes no more votes: closed, or its deadline passed (the close may lag it)."""
    return poll.closed or (poll.closes_at is not None and now >= poll.closes_at)
