"""A prompt's card once it is answered or has lapsed. A part of the offline cog (a mixin).

The card stops taking answers at once, but stays live in the database until the edit that
closes it has landed on it: a stop or a kill before that leaves it to the next start's
reconcile of its reactions, which closes it then (`close_answered`), rather than leave a card
answered already still inviting answers. Who answered is not stored (only how it was
received), so a card closed at that reconcile says what became of it without the name."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import ClassVar

from bot.cog import CogHost
from bot.model import MessageRef, UserRef
from bot.render import Card, Out
from bot.storage import Database
from cogs.polls.service import PollService

from . import repo
from .render import closed_card
from .slots import slot_labels, slot_poll_closes, time_slots


def poll_key(prompt_id: int) -> str:
    """The meetup poll a prompt made: asked again (a re-run, a reconcile), the same poll."""
    return f"offline:{prompt_id}:poll"


class PromptClosing:
    bot: CogHost
    db: Database
    name: ClassVar[str]
    # Prompts whose proposal is being made in this process: a reconcile meanwhile (the database
    # back, a gateway resume) sees them proposed without a poll yet, and must not take them back.
    _proposing: set[int]

    def _live_since(self) -> datetime:
        raise NotImplementedError

    def _quieter(self, message: MessageRef) -> None:
        raise NotImplementedError

    async def _close_card(self, message: MessageRef, prompt_id: int, card: Card) -> None:
        async def render() -> Out:
            return card

        self.bot.refresh_card(message, render, partial(self.bot.untrack, self.name, "prompt", prompt_id,
                                                       card=message))

    async def _close_lapsed(self, prompt_id: int) -> None:
        cards = self.bot.tracked_messages(self.name, "prompt", prompt_id)
        if not cards:  # answered
            return
        await self.bot.untrack(self.name, "prompt", prompt_id, durably=False)
        for message in cards:
            await self._close_card(message, prompt_id, closed_card(
                f"This suggestion has lapsed; {self.bot.prefix_for(message.platform)}offline makes a new one."))

    async def _dismiss(self, message: MessageRef, prompt_id: int, user: UserRef) -> bool:
        if not await repo.answered(self.db, prompt_id, "dismissed", self._live_since()):
            return False
        self._quieter(message)
        await self.bot.untrack(self.name, "prompt", prompt_id, durably=False)
        await self._close_card(message, prompt_id, closed_card("Not now — ", user.display, " waved this off. Carry on!"))
        return True

    async def _propose(self, message: MessageRef, prompt_id: int, user: UserRef) -> bool:
        polls = self.bot.service(PollService)
        if polls is None or prompt_id in self._proposing:
            return False
        # Marked before the answer's write: its commit, seen by a reconcile before this resumes.
        self._proposing.add(prompt_id)
        try:
            return await self._proposed(message, prompt_id, user, polls)
        finally:
            self._proposing.discard(prompt_id)

    async def _proposed(self, message: MessageRef, prompt_id: int, user: UserRef, polls: PollService) -> bool:
        if not await repo.answered(self.db, prompt_id, "proposed", self._live_since()):
            return False
        self._quieter(message)
        await self.bot.untrack(self.name, "prompt", prompt_id, durably=False)
        channel = message.channel
        try:
            tz = await self.bot.timezone(channel.space)
            now = self.bot.clock.now()
            slots = time_slots(now, tz)
            poll_id = await polls.post_poll(channel, user, "When could we meet?", slot_labels(slots), multi=True,
                                            closes_at=slot_poll_closes(now, slots),
                                            idempotency_key=poll_key(prompt_id))
        except Exception:
            made = await polls.made_for(poll_key(prompt_id))
            if made is None:
                await self._take_back(message, prompt_id)
            else:  # made, its card not posted: the prompt's card names it, and how to vote by command
                await self._close_card(message, prompt_id, closed_card(
                    user.display, " proposed a meetup: ", self._vote_on(message, made)))
            raise
        await self._close_card(message, prompt_id, closed_card(
            user.display, " proposed a meetup: ", self._vote_on(message, poll_id)))
        return True

    async def _take_back(self, message: MessageRef, prompt_id: int) -> None:
        """A proposal that made no poll: the card takes answers again (the poll's key stays
        the same, so answering again can never make a second poll)."""
        await repo.unpropose(self.db, prompt_id)
        await self.bot.track(message, self.name, "prompt", prompt_id)

    def _vote_on(self, message: MessageRef, poll_id: int) -> str:
        prefix = self.bot.prefix_for(message.platform)
        return (f"vote on poll #{poll_id} (on its card, or {prefix}poll vote {poll_id} <number>), then "
                f"{prefix}event create <title> when=poll:{poll_id}")

    async def close_answered(self, message: MessageRef, prompt_id: int) -> bool:
        """At a reconcile: whether the prompt was answered already (its card, still live, missed
        the edit closing it, which is made now). Its answer is shown even once it has lapsed:
        a proposal's card is the pointer to its poll. A proposal whose poll was never made is
        taken back (False): the card's 📅 read again makes it, under the same key. One being
        proposed in this process is left to that proposal (True: its readings are not answers)."""
        answer = await repo.answer(self.db, prompt_id)
        if prompt_id in self._proposing and answer != "dismissed":
            return True
        if answer is None:
            return False
        if answer == "dismissed":
            card = closed_card("Not now — this was waved off. Carry on!")
        else:
            polls = self.bot.service(PollService)
            poll_id = await polls.made_for(poll_key(prompt_id)) if polls is not None else None
            if polls is None or poll_id is None:
                await repo.unpropose(self.db, prompt_id)
                return False
            card = closed_card("A meetup was proposed: ", self._vote_on(message, poll_id))
        await self.bot.untrack(self.name, "prompt", prompt_id, durably=False)
        await self._close_card(message, prompt_id, card)
        return True
