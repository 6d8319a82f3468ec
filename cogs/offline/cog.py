"""Take it offline: a nudge to meet in person when an online exchange heats up.

Message text is read only in memory by the scorer and never stored; what is stored
is that a prompt happened, how sure the bot was, and how it was received.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from datetime import datetime, timedelta

from bot.cog import (
    Cog,
    on_action,
    on_message,
    on_message_deleted,
    on_message_edited,
    on_reaction,
    on_reconcile,
)
from bot.commands import Option, command
from bot.context import Context, Refusal
from bot.converters import row_id
from bot.model import (
    ActionInvoked,
    ChannelRef,
    MessageDeleted,
    MessageEdited,
    MessageRef,
    MessageSeen,
    ReactionChanged,
    SpaceRef,
    UserRef,
)
from bot.render import Text, text
from bot.scheduler import Job

from . import keys, memory, repo, summary
from .closing import PromptClosing
from .migrations import MIGRATIONS
from .render import DISMISS, PROPOSE, WHY, prompt_card, why_text
from .scorer import ChannelHeat, HeatScorer, Msg
from .signals import describe
from .wording import pick

MAX_CHANNELS = 10_000  # channels watched at once; the least recently active are forgotten
# An unanswered prompt is for the exchange it was about: after this its card says it lapsed
# and its reactions stop being followed (nor re-read at every start).
PROMPT_LIVE = timedelta(days=1)


class OfflineCog(Cog, PromptClosing):
    name = "offline"
    migrations = MIGRATIONS

    async def setup(self) -> None:
        keys.register(self.settings)
        self.scheduler.register("offline.lapse", self._lapse)  # no grace: late, it still lapses
        self.scorer = HeatScorer()
        self._channels: OrderedDict[str, memory.Channel] = OrderedDict()
        self._keeping: set[asyncio.Task[None]] = set()  # channels forgotten, being kept
        self._proposing: set[int] = set()

    def _channel(self, channel: ChannelRef) -> memory.Channel:
        state = self._channels.get(channel.key)
        if state is None:
            state = memory.Channel(None)
            self._channels[channel.key] = state
            if len(self._channels) > MAX_CHANNELS:
                self._forget(*self._channels.popitem(last=False))
        else:
            self._channels.move_to_end(channel.key)
        return state

    def _forget(self, key: str, state: memory.Channel) -> None:
        """A channel quiet the longest leaves memory; what it learned is kept first."""
        if state.heat is not None and state.unsaved:
            task = asyncio.create_task(memory.keep(self.db, [(key, state)], self.scorer.fingerprint,
                                                   self.clock.now()))
            self._keeping.add(task)
            task.add_done_callback(self._keeping.discard)

    async def stopping(self) -> None:
        if self._keeping:
            await asyncio.gather(*self._keeping, return_exceptions=True)
        await memory.keep(self.db, list(self._channels.items()), self.scorer.fingerprint, self.clock.now())

    # --- watching -----------------------------------------------------------------------------

    @on_message()
    async def on_message(self, event: MessageSeen) -> None:
        # Before anything awaits, so a deletion that comes meanwhile finds the channel.
        state = self._channel(event.channel)
        # The platform's time for a message is the sender's word: one stamped ahead of the
        # bot's clock would stay recent, outlast the cooldown and hold the window open.
        at = min(event.at, self.clock.now())
        state.wrote(event.author, at, event.message_id)
        if not await self.settings.get(event.channel.space, "offline.auto"):
            if state.heat is not None:  # unread, this message would leave a gap in the exchange:
                state.heat.reset()      # switched on again, the bot reads a new one from there
            return
        if state.heat is None:
            kept = await memory.load(self.db, event.channel, self.scorer.fingerprint)
            if state.heat is None:  # another message may have started it meanwhile
                state.heat = ChannelHeat(self.scorer, scores=kept)
        heat = state.heat
        if state.was_deleted(event.message_id):  # while this one waited for the database
            return
        if heat.behind(at.timestamp()):  # delivered late, after messages of a later exchange
            return
        score = heat.observe(Msg(event.author.key, at.timestamp(),
                                 event.reply_to_user.key if event.reply_to_user else None,
                                 memory.readable(event.text)),
                             event.message_id)
        state.unsaved += 1
        try:
            await self._maybe_prompt(event, at, state, heat, score)
        finally:
            if state.unsaved >= memory.SAVE_EVERY:
                await memory.keep(self.db, [(event.channel.key, state)], self.scorer.fingerprint, at)

    async def _maybe_prompt(self, event: MessageSeen, at: datetime, state: memory.Channel, heat: ChannelHeat,
                            score: float) -> None:
        space = event.channel.space
        if len(heat.participants()) < 2:
            return
        sensitivity = await self.settings.get(space, "offline.sensitivity")
        if state.dismissals is None:
            state.dismissals = await self._dismissals_in_a_row(event.channel)
        if not heat.crosses(score, sensitivity, state.dismissals):
            return
        cooldown: timedelta = await self.settings.get(space, "offline.cooldown")
        kept = await repo.last_prompt(self.db, event.channel) if state.last_prompt is None else None
        # From here to claiming the cooldown nothing awaits: messages arriving at once all
        # reached this point, and only the first may prompt.
        last = max((t for t in (state.last_prompt, kept) if t is not None), default=None)
        if last is not None and at - last < cooldown:
            return
        people = state.people(self.clock.now(), heat.participants())
        if len(people) < 2:  # an exchange that is over (delivered late, after a restart)
            return
        state.last_prompt = self.clock.now()
        signals = heat.signals()
        heat.reset()
        await self._prompt(event.channel, people, note=None, by=None, auto=True,
                           sensitivity=sensitivity, score=score, signals=signals)

    async def _dismissals_in_a_row(self, channel: ChannelRef) -> int:
        return await repo.dismissals_in_a_row(self.db, channel)

    # A message edited or deleted on the platform changes the reading of its exchange from now
    # on; a prompt it led to stays as it was, with the reasons it was given for.

    @on_message_edited()
    async def on_message_edited(self, event: MessageEdited) -> None:
        if (state := self._channels.get(event.channel.key)) is not None:
            state.edited(event.message_id, event.author.key, event.text)

    @on_message_deleted()
    async def on_message_deleted(self, event: MessageDeleted) -> None:
        if (state := self._channels.get(event.channel.key)) is not None:
            state.deleted(event.message_id)

    # --- the command ---------------------------------------------------------------------------

    @command("offline", "suggest taking the current conversation offline",
             Option("note", "a few words to add", required=False, rest=True, max_length=300))
    async def offline(self, ctx: Context, note: str | None) -> None:
        state = self._channel(ctx.channel)
        others = [p for p in state.people(self.clock.now()) if p.key != ctx.user.key]
        # Alone in the exchange, the asker is not pinged by their own prompt: it is for all.
        people = [*others[: memory.MAX_ADDRESSED - 1], ctx.user] if others else []
        await self._prompt(ctx.channel, people, note=note, by=ctx.user, auto=False, sensitivity="", score=None,
                           reply=ctx)

    async def _prompt(self, channel: ChannelRef, people: list[UserRef], *, note: str | None,
                      by: UserRef | None, auto: bool, sensitivity: str, score: float | None,
                      reply: Context | None = None, signals: list[str] | None = None) -> None:
        now = self.clock.now()

        def unit(c):  # type: ignore[no-untyped-def]
            pid = repo.insert(c, channel, now, auto=auto, sensitivity=sensitivity, score=score,
                              addressed=len(people), signals=signals)
            return pid, self.scheduler.put(c, "offline.lapse", f"offline:{pid}:lapse", now + PROMPT_LIVE,
                                           {"prompt_id": pid}, channel.space.key)

        prompt_id, handle = await self.db.write(unit)
        self.scheduler.arm(handle)
        state = self._channel(channel)
        state.last_prompt = max(now, state.last_prompt or now)
        caps = self.bot.capabilities(channel.platform)
        card = prompt_card(prompt_id, people, note, by, bool(caps and caps.buttons), pick(prompt_id),
                           auto)
        ref = await (reply.reply(card) if reply else self.bot.send(channel, card))
        if ref is not None:
            await self.bot.track(ref, self.name, "prompt", prompt_id)

    def _live_since(self) -> datetime:
        return self.clock.now() - PROMPT_LIVE

    def _quieter(self, message: MessageRef) -> None:
        self._channel(message.channel).dismissals = None  # re-read: an answer changes the streak

    async def _lapse(self, job: Job) -> None:
        await self._close_lapsed(int(job.payload["prompt_id"]))

    # --- answers to a prompt ----------------------------------------------------------------------

    @on_reaction("prompt")
    async def on_prompt_reaction(self, event: ReactionChanged, prompt_id: int) -> None:
        if not event.added:
            return
        if event.emoji == PROPOSE:
            await self._propose(event.message, prompt_id, event.user)
        elif event.emoji == DISMISS:
            await self._dismiss(event.message, prompt_id, event.user)
        elif event.emoji == WHY:
            await self._explain(event.message, prompt_id)

    @on_reconcile("prompt")
    async def on_prompt_reconcile(self, prompt_id: int, readings: dict[MessageRef, dict[str, list[UserRef]]],
                                  whole: bool) -> None:
        """Answers given while the bot was away count once it is back; someone wanting to
        meet outweighs a "not now". A prompt answered before the stop shows its answer, lapsed
        or not; one that lapsed unanswered takes none: the bot reads its cards before its lapse
        job runs (and prompts older than that job have none)."""
        unanswered = [(message, reactions) for message, reactions in readings.items()
                      if not await self.close_answered(message, prompt_id)]
        if not unanswered:
            return
        if await repo.lapsed(self.db, prompt_id, self._live_since()):
            await self._close_lapsed(prompt_id)
            return
        for message, reactions in unanswered:
            await self._answered_meanwhile(message, prompt_id, reactions)

    async def _answered_meanwhile(self, message: MessageRef, prompt_id: int,
                                  reactions: dict[str, list[UserRef]]) -> None:
        if reactions.get(PROPOSE):
            await self._propose(message, prompt_id, reactions[PROPOSE][0])
        elif reactions.get(DISMISS):
            await self._dismiss(message, prompt_id, reactions[DISMISS][0])
        if reactions.get(WHY):
            await self._explain(message, prompt_id)

    async def _explain(self, message: MessageRef, prompt_id: int) -> None:
        """The reasons, once per prompt, however many people ask."""
        signals = await repo.explain(self.db, prompt_id)
        if signals is not None:
            await self.bot.send(message.channel, text(why_text(describe(signals))))

    @on_action("offline")
    async def on_prompt_action(self, ctx: Context, action: ActionInvoked, arg: str) -> None:
        what, _, number = arg.partition(":")
        prompt_id = row_id(number)
        if what not in ("meet", "dismiss") or prompt_id is None:
            raise Refusal("that button is out of date")
        if what == "meet":
            done = await self._propose(action.message, prompt_id, ctx.user)
        else:
            done = await self._dismiss(action.message, prompt_id, ctx.user)
        if not done:  # pressed on a card not yet redrawn without its buttons
            if await repo.answer(self.db, prompt_id) is None and await repo.lapsed(
                    self.db, prompt_id, self._live_since()):
                raise Refusal(f"this suggestion has lapsed; {ctx.prefix}offline makes a new one")
            raise Refusal("this prompt was already answered; to plan a meetup, start a poll "
                          f"with {ctx.prefix}poll create")
        await ctx.reply(self._thanks(what), ephemeral=True)

    @staticmethod
    def _thanks(what: str) -> Text:
        return text("👍 Done." if what == "meet" else "👍 Got it, not now.")

    # --- for moderators (config show) ------------------------------------------------------------------

    async def config_summary(self, space: SpaceRef) -> list[str]:
        return await summary.lines(self.db, space)
