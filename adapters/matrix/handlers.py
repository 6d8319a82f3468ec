"""What the Matrix adapter does with each event of a room's timeline (a part of MatrixAdapter):
`!` messages become commands, `m.reaction` annotations and their redactions become
`ReactionChanged`, native poll responses count as the card's number reactions, a redacted card
is gone; other `m.text` from humans, its edits and its redaction are people's chat (chat.py)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from bot.adapter import Adapter, AdapterHost
from bot.context import Responder
from bot.model import ChannelRef, MessageRef, ReactionChanged, UserRef
from bot.render import Out, Text, line

from . import inbound
from .chat import ChatHandlers, strip_reply_fallback
from .client import Transport
from .early import EarlyEvents
from .inbox_form import inbox_form
from .poll_events import START_TYPES
from .polls import NativePolls
from .relations import thread_root
from .rooms import PLATFORM, Rooms
from .store import MatrixStore, StoredReaction
from .sync import Syncer

log = logging.getLogger(__name__)

RECONCILE_AT_ONCE = 4


class InboundHandlers(EarlyEvents, ChatHandlers):
    transport: Transport
    rooms: Rooms
    polls: NativePolls
    store: MatrixStore | None
    syncer: Syncer

    # --- what MatrixAdapter provides -------------------------------------------------------------

    def _bot(self) -> AdapterHost:
        raise NotImplementedError

    def _user(self, room_id: str, user_id: str) -> UserRef:
        raise NotImplementedError

    async def send(self, channel: ChannelRef, out: Out, *, idempotency_key: str | None = None,
                   thread: tuple[str, str] | None = None) -> MessageRef:
        raise NotImplementedError

    def _adapter(self) -> Adapter:
        raise NotImplementedError

    # --- events ----------------------------------------------------------------------------------

    async def receive(self, room_id: str, events: Sequence[dict[str, Any]]) -> None:
        """A room's timeline events, raw as the homeserver sent them, oldest first, each new
        (the sync loop queued each once, after the bot's join), in the room's lane."""
        try:
            await self._handle_early(room_id)
        except Exception:
            log.exception("matrix: handling early reactions and votes in %s failed", room_id)
        for src in events:
            # Power levels change in timeline order: a command is judged by the levels of
            # its moment, also when a back-filled batch holds a demotion after it.
            try:
                self.rooms.note_state_event(room_id, src)
                ev = inbound.envelope(src)
                if ev is None:
                    continue
                await self._handle_event(room_id, src, ev)
            except Exception:
                # One event must not hold up the ones after it.
                log.exception("matrix: handling an event in %s failed", room_id)

    def inbox_form(self, src: dict[str, Any]) -> dict[str, Any] | None:
        return inbox_form(src, self._bot().prefix)

    async def _handle_event(self, room_id: str, src: dict[str, Any], ev: inbound.Envelope) -> None:
        if ev.type == "m.room.message":
            self.rooms.remember_sender(ev.event_id, ev.sender)
        if ev.sender == self.transport.user_id:
            if ev.type in START_TYPES:  # votes on it may come before its card is tracked
                self.polls.note_start(room_id, ev.event_id)
            return
        if (message := inbound.text_message(ev)) is not None:
            await self._on_message(room_id, ev, message)
        elif (edit := inbound.edit(ev)) is not None:
            await self._on_edit(room_id, ev, edit)
        elif (reaction := inbound.reaction(ev)) is not None:
            await self._on_reaction(room_id, ev, reaction)
        elif (response := inbound.poll_response(ev)) is not None:
            await self._on_poll_response(room_id, ev, response)
        elif (redacts := inbound.redacted(src, ev)) is not None:
            await self._on_redaction(room_id, redacts, ev.sender)
        elif (start := inbound.poll_end(ev)) is not None:
            await self._on_poll_end(room_id, ev, start)

    async def _on_message(self, room_id: str, ev: inbound.Envelope,
                          message: inbound.TextMessage) -> None:
        bot = self._bot()
        body, reply_to = message.body, message.in_reply_to
        if reply_to:
            body = strip_reply_fallback(body)
        user = self._user(room_id, ev.sender)
        channel = ChannelRef(PLATFORM, room_id, room_id)
        if body.startswith(bot.prefix):
            assert self.store is not None
            if not await self.store.claim_command(ev.event_id):
                return
            await bot.run_text_command(
                self._adapter(), body[len(bot.prefix):], user=user, channel=channel,
                is_moderator=self.rooms.is_moderator(room_id, ev.sender),
                responder=self._responder(channel, (message.thread, ev.event_id) if message.thread else None))
            return
        await self._seen(room_id, ev, body, reply_to)

    async def _on_reaction(self, room_id: str, ev: inbound.Envelope, reaction: inbound.Reaction,
                           released: bool = False) -> None:
        bot = self._bot()
        message = MessageRef(PLATFORM, room_id, reaction.target, room_id)
        if not bot.is_tracked(message):
            if self.rooms.sender_of(reaction.target) == self.transport.user_id:
                # The bot's own new card, tracked once its send (reactions seeded) returns:
                # kept and handled then rather than lost (early.py).
                self._hold(room_id, ev, reaction)
            return
        await self._before(room_id, released)
        assert self.store is not None
        stored = StoredReaction(ev.event_id, room_id, reaction.target, ev.sender, reaction.key)
        # A second reaction that is the same emoji to a person (another spelling of it)
        # adds nothing; the choice stays while either is there.
        if not await self.store.add_reaction(stored):
            return  # handled before the last restart, or the same emoji is there already
        # Made while the bot was away, it arrives after the restart: its stamp says when.
        await bot.reaction_changed(ReactionChanged(
            message, self._user(room_id, ev.sender), reaction.key, True, inbound.moment(ev)))

    async def _on_poll_response(self, room_id: str, ev: inbound.Envelope,
                                response: inbound.PollResponse, released: bool = False) -> None:
        bot = self._bot()
        poll = await self.polls.poll_for(room_id, response)
        if poll is None:
            if await self.polls.awaited(room_id, response.start):  # its start is being stored
                self._hold(room_id, ev, response)
            return
        card = MessageRef(PLATFORM, room_id, poll.card_id, room_id)
        if not bot.is_tracked(card):
            # Its card's send has not returned yet: held as a reaction would be (early.py).
            self._hold(room_id, ev, response)
            return
        await self._before(room_id, released)
        user = self._user(room_id, ev.sender)
        for change in await self.polls.respond(poll, ev, response):
            await bot.reaction_changed(ReactionChanged(card, user, change.key, change.added))

    async def _on_poll_end(self, room_id: str, ev: inbound.Envelope, start_id: str) -> None:
        """A native poll ended in Element by someone MSC3381 allows to (someone who may redact
        others' events) is that person's `poll close`, which the core grants or refuses. Only
        a closed card ends the native poll: refused, it keeps counting votes."""
        allowed = self.rooms.can_redact(room_id, ev.sender)
        poll = await self.polls.end_asked(room_id, start_id, allowed)
        if poll is None:
            return
        bot = self._bot()
        number = poll.ref.removeprefix("#")
        card = MessageRef(PLATFORM, room_id, poll.card_id, room_id)
        if not number.isdigit() or not bot.is_tracked(card):
            # No card to close with it (a poll started before its #id was kept, or a card
            # no longer live): the end is ignored, not applied halfway.
            log.info("matrix: the native poll %s was ended; its card is not open to close", start_id)
            return
        channel = ChannelRef(PLATFORM, room_id, room_id)
        responder = self._end_responder(channel, start_id, ev.event_id, number)
        self.polls.ended_elsewhere.add(start_id)  # Element shows the end already: no second one
        try:
            await bot.run_text_command(self._adapter(), f"poll close {number}",
                                       user=self._user(room_id, ev.sender), channel=channel,
                                       is_moderator=self.rooms.is_moderator(room_id, ev.sender),
                                       responder=responder)
        finally:
            if bot.is_tracked(card):  # not closed: a later close ends the poll with the bot's end
                self.polls.ended_elsewhere.discard(start_id)

    def _end_responder(self, channel: ChannelRef, start_id: str, end_id: str, number: str) -> Responder:
        """The results go to the room as any close's do; a refusal goes in the poll's thread,
        answering the end, so those who see the poll ended in Element learn why the card is
        still open and how to vote now (Element offers no more votes on an ended poll)."""
        prefix = self._bot().prefix

        async def respond(out: Out, ephemeral: bool) -> MessageRef | None:
            if not ephemeral:
                return await self.send(channel, out)
            if isinstance(out, Text):
                out = Text((*out.lines, line(
                    f"Element shows poll #{number} as ended, but it is still open here: vote with "
                    f"its number reactions or {prefix}poll vote {number} <option>.")))
            # A poll in a thread is no thread's root (Synapse refuses one): the answer goes
            # in the poll's own thread.
            root = await thread_root(self.transport, channel.id, start_id)
            return await self.send(channel, out, thread=(root or start_id, end_id))

        return respond

    def _responder(self, channel: ChannelRef, thread: tuple[str, str] | None = None) -> Responder:
        """Replies to a command; in the thread it was typed in, if any: (root, command)."""

        async def respond(out: Out, ephemeral: bool) -> MessageRef | None:
            # Matrix has no ephemeral messages: a refusal is said in the room like any reply.
            return await self.send(channel, out, thread=thread)

        return respond

    async def _on_redaction(self, room_id: str, redacts: str, sender: str) -> None:
        assert self.store is not None
        held = self._early.get(redacts)
        if held is not None and held[0] == room_id:
            del self._early[redacts]
            return  # taken back before it was ever counted
        bot = self._bot()
        card = MessageRef(PLATFORM, room_id, redacts, room_id)
        if bot.is_tracked(card):
            # Only someone who may redact others' events takes a card away (a server over
            # federation delivers a redaction before anyone has checked it).
            if self.rooms.can_redact(room_id, sender):
                await bot.message_gone(card)
            return
        recount = await self.polls.redacted(room_id, redacts, self.rooms.can_redact(room_id, sender))
        if recount is not None:  # a poll response taken back: its sender's previous one counts
            await bot.reconcile(self._adapter(), lambda m: m.id == recount, RECONCILE_AT_ONCE)
            return
        stored = await self.store.pop_reaction(redacts)
        if stored is None:
            # The bot remembers the senders of messages only: one known here was a message.
            if (author := self.rooms.sender_of(redacts)) is not None:
                await self._on_message_redacted(room_id, redacts, author, sender)
            return
        message = MessageRef(PLATFORM, stored.room_id, stored.target, stored.room_id)
        await bot.reaction_changed(ReactionChanged(
            message, self._user(stored.room_id, stored.sender), stored.key, False))
