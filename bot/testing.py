"""FakeAdapter: an in-memory platform for tests and for the console.

It behaves like a platform should: it keeps the truth about reactions (so reconciliation can
be tested), de-duplicates sends by idempotency key as real platforms do with a message nonce
or transaction id, and records every send and edit."""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import datetime

from .adapter import AdapterHost, Capabilities, DeliveryFailed
from .context import Context
from .fake_sent import Sent, SentLog
from .model import (
    ActionInvoked,
    ChannelRef,
    MessageDeleted,
    MessageEdited,
    MessageRef,
    MessageSeen,
    ReactionChanged,
    UserRef,
)
from .render import Card, Out, plain

__all__ = ["FakeAdapter", "Sent"]


SAID_KEPT = 10_000  # people's messages that can still be edited or deleted (ids, never text)


class FakeAdapter(SentLog):
    def connected(self) -> bool:
        return True

    def __init__(self, platform: str = "fake", *, space: str = "space1", channel: str = "general",
                 capabilities: Capabilities | None = None) -> None:
        self.platform = platform
        self.capabilities = capabilities or Capabilities(
            buttons=True, ephemeral=True, edits_per_window=0, direct_messages=True)
        self.dms_closed: set[str] = set()  # user ids whose DMs fail, as closed DMs do
        self.dms_failing: set[str] = set()  # user ids whose DMs fail this time (the platform's trouble)
        self.dm_attempts: list[str] = []
        self.space_id = space
        self.channel = ChannelRef(platform, channel, space)
        self.bot: AdapterHost | None = None
        self.messages: dict[str, Sent] = {}
        self.log: list[Sent] = []
        self.by_key: dict[str, Sent] = {}
        self.sends_with_key: list[str] = []  # every send attempt's key, duplicates included
        self.reactions: dict[str, dict[str, list[UserRef]]] = {}  # the platform's truth
        self.moderators: set[str] = set()
        self.users: dict[str, UserRef] = {}
        self.said: OrderedDict[str, tuple[UserRef, ChannelRef]] = OrderedDict()  # whose, where
        self._ids = itertools.count(1)
        self.started = False
        self.me = UserRef(platform, "logoff", "logoff", is_bot=True)

    # --- Adapter protocol ----------------------------------------------------------------

    def attach(self, bot: AdapterHost) -> None:
        self.bot = bot

    async def start(self) -> None:
        self.started = True
        assert self.bot is not None
        # All at once (reading is free here): each card's write would otherwise wait for its
        # own commit (and disk sync) before the next card is looked at; together they share
        # a few commits.
        await self.bot.reconcile(self, at_once=1_000_000)

    async def stop(self) -> None:
        self.started = False

    async def send(self, channel: ChannelRef, out: Out, *, idempotency_key: str | None = None) -> MessageRef:
        if idempotency_key is not None:
            self.sends_with_key.append(idempotency_key)
            if idempotency_key in self.by_key:
                return self.by_key[idempotency_key].ref
        sent = await self._record(channel, out, key=idempotency_key)
        return sent.ref

    async def edit(self, message: MessageRef, out: Out) -> None:
        sent = self.messages[message.id]
        if sent.deleted:
            sent.edits_after_delete += 1
            return
        sent.history.append(sent.text)
        sent.out = out
        sent.text = await self._plain(message.channel, out)
        sent.edits += 1
        self.on_output(sent, edited=True)

    async def send_dm(self, user: UserRef, out: Out, *,
                      idempotency_key: str | None = None) -> MessageRef | None:
        self.dm_attempts.append(user.id)
        if user.id in self.dms_closed:
            return None
        if user.id in self.dms_failing:
            raise DeliveryFailed(f"{self.platform}: the direct message to {user.id} failed this time")
        if idempotency_key is not None and idempotency_key in self.by_key:
            return self.by_key[idempotency_key].ref
        sent = await self._record(ChannelRef(self.platform, f"dm-{user.id}", self.space_id), out,
                                  key=idempotency_key, to_user=user)
        return sent.ref

    async def take_back_own_reaction(self, message: MessageRef, emoji: str) -> None:
        on_card = self.reactions.get(message.id, {})
        if self.me in on_card.get(emoji, []):
            on_card[emoji].remove(self.me)
            await self.on_reactions_changed(message.id)

    async def fetch_reactions(self, message: MessageRef) -> Mapping[str, Sequence[UserRef]] | None:
        if message.id not in self.messages or self.messages[message.id].deleted:
            return None
        return {e: list(users) for e, users in self.reactions.get(message.id, {}).items()}

    # --- rendering hooks (the console prints) ---------------------------------------------

    def on_output(self, sent: Sent, *, edited: bool = False) -> None:
        """Called for every message and edit; the console prints it."""

    async def _plain(self, channel: ChannelRef, out: Out) -> str:
        assert self.bot is not None
        return plain(out, await self.bot.timezone(channel.space), self.bot.clock.now())

    async def _record(self, channel: ChannelRef, out: Out, *, key: str | None = None, ephemeral: bool = False,
                      to_user: UserRef | None = None, reply_to: UserRef | None = None) -> Sent:
        ref = MessageRef(self.platform, channel.id, f"m{next(self._ids)}", channel.space_id or self.space_id)
        sent = Sent(ref, out, await self._plain(channel, out), key, ephemeral, to_user, reply_to)
        self.messages[ref.id] = sent
        self.log.append(sent)
        if key is not None:
            self.by_key[key] = sent
        if isinstance(out, Card):  # the platform shows the bot's own reactions under its card
            for emoji in out.reactions[: self.capabilities.max_reactions]:
                self.reactions.setdefault(ref.id, {}).setdefault(emoji, []).append(self.me)
        try:
            await self.on_recorded(sent)
        except BaseException:  # not on the platform after all: a retry sends it afresh
            del self.messages[ref.id]
            self.log.remove(sent)
            if key is not None:
                self.by_key.pop(key, None)
            self.reactions.pop(ref.id, None)
            raise
        self.on_output(sent)
        return sent

    # --- driving it ---------------------------------------------------------------------------

    def user(self, name: str, *, mod: bool | None = None) -> UserRef:
        u = self.users.get(name)
        if u is None:
            u = UserRef(self.platform, name.lower(), name)
            self.users[name] = u
        if mod is not None:
            (self.moderators.add if mod else self.moderators.discard)(u.key)
        return u

    def _ctx(self, user: UserRef, channel: ChannelRef, replies: list[Sent]) -> Context:
        assert self.bot is not None

        async def respond(out: Out, ephemeral: bool) -> MessageRef | None:
            sent = await self._record(channel, out, ephemeral=ephemeral, reply_to=user)
            replies.append(sent)
            return sent.ref

        return self.bot.command_context(self, user, channel, user.key in self.moderators, respond)

    async def invoke(self, line: str, user: str | UserRef = "alice", *, mod: bool | None = None,
                     channel: ChannelRef | None = None) -> list[Sent]:
        """Run a text command ("poll create ..." or "!poll create ..."); return the replies."""
        assert self.bot is not None
        u = user if isinstance(user, UserRef) else self.user(user, mod=mod)
        ch = channel or self.channel
        replies: list[Sent] = []
        ctx = self._ctx(u, ch, replies)
        text = line[len(self.bot.prefix):] if line.startswith(self.bot.prefix) else line.lstrip("/")
        await self.bot.run_text_command(self, text, user=u, channel=ch, is_moderator=ctx.is_moderator,
                                        responder=ctx.responder)
        await self.bot.settle()
        return replies

    async def say(self, text: str, user: str | UserRef = "alice", *, at: datetime | None = None,
                  reply_to: str | UserRef | None = None, channel: ChannelRef | None = None) -> str:
        """A person's chat message; returns its id."""
        assert self.bot is not None
        u = user if isinstance(user, UserRef) else self.user(user)
        r = reply_to if isinstance(reply_to, UserRef) or reply_to is None else self.user(reply_to)
        message_id = f"u{next(self._ids)}"
        ch = channel or self.channel
        self.said[message_id] = (u, ch)
        while len(self.said) > SAID_KEPT:
            self.said.popitem(last=False)
        await self.on_said(message_id, u, ch, text)
        event = MessageSeen(ch, u, at or self.bot.clock.now(), message_id, r, text)
        await self.bot.message_seen(event)
        await self.bot.settle()
        return message_id

    async def on_recorded(self, sent: Sent) -> None:
        """A message is on the platform, before anyone is shown it (the console keeps it then,
        so what it printed is never printed again after a crash)."""

    async def on_said(self, message_id: str, user: UserRef, channel: ChannelRef, text: str) -> None:
        """A person's message is on the platform, before anyone is shown it or the bot hears
        of it (the console keeps its id then, so a crash never hands that id out again)."""

    async def edit_said(self, message_id: str, text: str) -> None:
        """The person who said `message_id` (an id `say` returned) edits it to `text`."""
        assert self.bot is not None
        user, channel = self.said[message_id]
        await self.bot.message_edited(MessageEdited(channel, user, message_id, text))
        await self.bot.settle()

    async def on_reactions_changed(self, message_id: str) -> None:
        """A person's reaction changed the platform's truth, before the bot hears of it
        (the console keeps that truth between runs)."""

    async def react(self, message: str | Sent | MessageRef, emoji: str, user: str | UserRef = "alice", *,
                    added: bool = True, dispatch: bool = True, at: datetime | None = None) -> None:
        """A user reacts. `dispatch=False` changes only the platform's truth, as if the
        bot were offline at the time; `at`: when the platform says it was made."""
        assert self.bot is not None
        ref = self._ref(message)
        u = user if isinstance(user, UserRef) else self.user(user)
        users = self.reactions.setdefault(ref.id, {}).setdefault(emoji, [])
        if added:
            if u in users:
                return  # platforms ignore a duplicate reaction
            users.append(u)
        else:
            if u not in users:
                return
            users.remove(u)
        await self.on_reactions_changed(ref.id)
        if dispatch:
            await self.bot.reaction_changed(ReactionChanged(ref, u, emoji, added, at))
            await self.bot.settle()

    async def clear_reactions(self, message: str | Sent | MessageRef, emoji: str | None = None) -> None:
        """A moderator removes every reaction of a card (or of `emoji`), naming nobody: the core
        re-reads that card alone, the bot's own reactions put back (as a platform's adapter does)."""
        assert self.bot is not None
        ref = self._ref(message)
        on_card = self.reactions.setdefault(ref.id, {})
        for e in [e for e in on_card if emoji in (None, e)]:
            on_card[e] = [u for u in on_card[e] if u == self.me]
        await self.on_reactions_changed(ref.id)
        await self.bot.reconcile(self, lambda m: m.key == ref.key, at_once=1)
        await self.bot.settle()

    async def delete(self, message: str | Sent | MessageRef) -> None:
        """A moderator deletes a message on the platform: a person's (an id `say` returned)
        or one of the bot's."""
        assert self.bot is not None
        if isinstance(message, str) and message in self.said:
            _, channel = self.said.pop(message)
            await self.bot.message_deleted(MessageDeleted(channel, message))
            await self.bot.settle()
            return
        ref = self._ref(message)
        self.messages[ref.id].deleted = True
        self.reactions.pop(ref.id, None)
        await self.bot.message_gone(ref)

    async def press(self, message: str | Sent | MessageRef, action_id: str,
                    user: str | UserRef = "alice") -> list[Sent]:
        assert self.bot is not None
        ref = self._ref(message)
        u = user if isinstance(user, UserRef) else self.user(user)
        replies: list[Sent] = []
        ctx = self._ctx(u, ref.channel, replies)
        await self.bot.action_invoked(ActionInvoked(ref, u, action_id), ctx)
        await self.bot.settle()
        return replies
