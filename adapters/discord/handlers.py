"""What the Discord adapter does with what the gateway delivers (a part of DiscordAdapter):
raw reactions and deletions go to the card's lane, slash commands and buttons run through
an InteractionResponder, message metadata (and people's edits and deletions of their
messages) feeds the offline prompt, with their text only when the operator asked for it."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import discord

from bot.adapter import AdapterHost
from bot.context import Context
from bot.model import (
    ActionInvoked,
    ChannelRef,
    MessageDeleted,
    MessageEdited,
    MessageRef,
    MessageSeen,
    ReactionChanged,
    UserRef,
)
from bot.render import warning

from . import autocomplete
from . import commands as cmd
from .config import DiscordConfig
from .gateway import LogoffClient
from .lanes import Early, Lanes, Reread
from .refs import is_moderator, space_of, user_ref
from .responder import InteractionResponder

if TYPE_CHECKING:
    from .adapter import DiscordAdapter

log = logging.getLogger(__name__)
UNREADABLE = "I could not read that command; please try again, or type /help"
CHANGED = "that command has changed; try again in a minute, or type /help"
# Cards, reactions, settings and moderators all belong to a server's channels. Discord offers the
# commands in servers only (`contexts`), but a client can still send one from a DM (a command list
# it had before, during a re-registration): it gets this rather than a card nobody else can see.
IN_SERVERS = ("logoff's commands work in a server's channels, not in direct messages; "
              "type it in a channel of your server (/help works anywhere)")
ANYWHERE = {("help",)}
REREAD_AT_ONCE = 4  # cards of a deleted channel read at once
EDITS_KEPT = 4096  # messages whose last edit time is remembered, to tell a new edit from an update
# Only these are a person's own words. Every other type (a member joining, a pin, a boost, a
# thread started) is Discord's notice of something a person did, posted under their name: it
# would make them a writer in the exchange, and a wordless message in its heat.
CHAT = frozenset({discord.MessageType.default, discord.MessageType.reply})
NOTICES_KEPT = 1024  # notices seen lately, whose deletion (ids alone) is no chat message gone


class DiscordInbound:
    platform: str
    config: DiscordConfig
    bot: AdapterHost | None
    lanes: Lanes
    table: cmd.CommandTable
    _edit_times: OrderedDict[int, str]  # message id -> its `edited_timestamp` last passed on
    _not_chat: OrderedDict[int, None]  # ids of notices seen lately, not passed on (`CHAT`)
    _awaited: Callable[[MessageRef], bool]  # a card being sent, not tracked yet (seeding.py)

    # --- what DiscordAdapter provides ------------------------------------------------------------

    def _client(self) -> LogoffClient:
        raise NotImplementedError

    def _adapter(self) -> DiscordAdapter:
        raise NotImplementedError

    def _text(self, message: discord.Message) -> str | None:
        """A person's text for the core, only with `[discord] message_content`: without it Discord
        still sends the text of a message that mentions the bot, which must not make that one
        message read differently from the rest. Never logged, never stored."""
        return message.content if self.config.message_content else None

    # --- events ----------------------------------------------------------------------------------

    def _on_reaction(self, payload: discord.RawReactionActionEvent, added: bool) -> None:
        client, bot = self._client(), self.bot
        if bot is None or (client.user is not None and payload.user_id == client.user.id):
            return
        # A super reaction (`burst`) is a reaction of its own type beside the normal one of the
        # same emoji, which a person may hold too: taking it back leaves their ✅. Re-reading a
        # card lists only normal reactions (Discord's default type), so these never count,
        # here as there: the RSVPs are the pills the bot seeded.
        if payload.burst:
            return
        message = MessageRef(self.platform, str(payload.channel_id), str(payload.message_id),
                             space_of(payload.guild_id))
        tracked = bot.is_tracked(message)
        if not tracked and not self._awaited(message):  # no card of the bot's, nor one it is sending
            return
        # Discord sends `member` only with an ADD. A REMOVE names the user by id alone, so
        # the name is unknown (""), never the id: the core keeps the name it has.
        member = payload.member
        user = UserRef(self.platform, str(payload.user_id), member.display_name if member else "",
                       is_bot=bool(member and member.bot))
        event = ReactionChanged(message, user, str(payload.emoji), added)
        # On a card still being sent (its first pill is up, the rest are being seeded), it waits
        # in the card's lane for the core to track it, ahead of any later reaction there.
        self.lanes.put(bot, message, event if tracked else Early(event, self._awaited))

    def _on_reactions_cleared(self, channel_id: int, message_id: int, guild_id: int | None,
                              emoji: str | None) -> None:
        """A moderator removed all reactions of a card, or all of one `emoji`. Discord sends no
        event per user, so the card's reactions are read again as at a start (the RSVPs and
        votes they carried go), after the bot's own are put back; in the card's lane, so
        reactions made after the clear count after it."""
        bot = self.bot
        if bot is None:
            return
        message = MessageRef(self.platform, str(channel_id), str(message_id), space_of(guild_id))
        if not bot.is_tracked(message):
            return
        adapter = self._adapter()

        async def reread() -> None:
            await adapter._reseed(message, emoji)
            await bot.reconcile(adapter, lambda m: m.key == message.key, at_once=1)

        self.lanes.put(bot, message, Reread(reread))

    async def _on_deleted(self, channel_id: int, message_ids: Iterable[int],
                          guild_id: int | None) -> None:
        """Messages deleted on Discord (by a moderator, say): a card among them is no longer
        tracked, edited or counted; any other in a server's channel is a chat message gone,
        unless it was one of Discord's notices the core never saw (`CHAT`). The raw event names
        only ids, so it is the same for messages never cached."""
        if self.bot is None:
            return
        channel = ChannelRef(self.platform, str(channel_id), space_of(guild_id))
        for mid in sorted(message_ids):
            self._edit_times.pop(mid, None)
            if mid in self._not_chat:  # a notice the core never saw, so no message of a person
                del self._not_chat[mid]
                continue
            message = MessageRef(self.platform, str(channel_id), str(mid), space_of(guild_id))
            if self.bot.is_tracked(message):
                self.lanes.put(self.bot, message, message)
            elif guild_id is not None:  # chat in DMs is not watched (`_on_message`)
                await self.bot.message_deleted(MessageDeleted(channel, str(mid)))

    def _on_channel_deleted(self, data: Mapping[str, Any]) -> None:
        """CHANNEL_DELETE or THREAD_DELETE, read raw (discord.py reports a channel only if it had
        it cached). Discord deletes a channel's messages with it and sends no MESSAGE_DELETE for
        them, so the cards that were there are read again as at a start: found gone, they are
        no longer edited, counted or read."""
        bot, channel = self.bot, str(data.get("id") or "")
        if bot is None or not channel.isdigit():
            return
        adapter = self._adapter()
        adapter._spawn(bot.reconcile(adapter, lambda m: m.channel_id == channel, at_once=REREAD_AT_ONCE))

    async def _on_edited(self, payload: discord.RawMessageUpdateEvent) -> None:
        """A person edited a message's content. Discord sends MESSAGE_UPDATE also when a link's
        preview unfolds, a message is pinned or its flags change; those leave `edited_timestamp`
        as it was (null on a message never edited), so only a new edit time is an edit. One
        remembered from before a restart, or long ago, is passed on again: reading a message
        again as it is changes nothing."""
        bot, message = self.bot, payload.message
        if bot is None or payload.guild_id is None or message.author.bot or message.type not in CHAT:
            return
        edited = payload.data.get("edited_timestamp")
        if not isinstance(edited, str) or self._edit_times.get(payload.message_id) == edited:
            return
        self._edit_times[payload.message_id] = edited
        self._edit_times.move_to_end(payload.message_id)
        while len(self._edit_times) > EDITS_KEPT:
            self._edit_times.popitem(last=False)
        channel = ChannelRef(self.platform, str(payload.channel_id), space_of(payload.guild_id))
        await bot.message_edited(MessageEdited(channel, user_ref(message.author),
                                               str(payload.message_id), self._text(message)))

    async def _on_message(self, message: discord.Message) -> None:
        if self.bot is None or message.author.bot or message.guild is None:
            return
        if message.type not in CHAT:
            self._not_chat[message.id] = None
            while len(self._not_chat) > NOTICES_KEPT:
                self._not_chat.popitem(last=False)
            return
        reply_to = None
        resolved = message.reference.resolved if message.reference else None
        if isinstance(resolved, discord.Message):
            reply_to = user_ref(resolved.author)
        channel = ChannelRef(self.platform, str(message.channel.id), str(message.guild.id))
        await self.bot.message_seen(MessageSeen(channel, user_ref(message.author), message.created_at,
                                                str(message.id), reply_to, self._text(message)))

    def _context(self, interaction: discord.Interaction[Any], responder: InteractionResponder) -> Context:
        assert self.bot is not None
        channel = ChannelRef(self.platform, str(interaction.channel_id), space_of(interaction.guild_id))
        mod = interaction.guild_id is not None and is_moderator(interaction.permissions)
        return self.bot.command_context(self._adapter(), user_ref(interaction.user), channel, mod, responder)

    async def _on_command(self, interaction: discord.Interaction[Any]) -> None:
        assert self.bot is not None
        responder = InteractionResponder(self._adapter(), interaction, component=False)
        found = self.table.resolve(interaction.data)
        if isinstance(found, cmd.Unreadable):
            log.warning("Discord: unreadable command from user %s (interaction %s): %s",
                        interaction.user.id, interaction.id, found.reason)
            await responder(warning(UNREADABLE), True)
            return
        if found is None:
            await responder(warning(CHANGED), True)
            return
        spec, raw = found
        if interaction.guild_id is None and spec.path not in ANYWHERE:
            await responder(warning(IN_SERVERS), True)
            return
        await responder.run(self.bot.run_command(spec, raw, self._context(interaction, responder)))

    async def _on_autocomplete(self, interaction: discord.Interaction[Any]) -> None:
        """Someone is typing an option registered with autocomplete: answer with the core's
        suggestions (none from a DM, for a command not ours, or when anything fails)."""
        assert self.bot is not None
        found = autocomplete.read(self.table, interaction.data)
        if isinstance(found, cmd.Unreadable):
            log.warning("Discord: unreadable autocomplete from user %s (interaction %s): %s",
                        interaction.user.id, interaction.id, found.reason)
        offered: list[dict[str, Any]] = []
        if isinstance(found, autocomplete.Typing) and interaction.guild_id is not None:
            channel = ChannelRef(self.platform, str(interaction.channel_id), space_of(interaction.guild_id))
            ask = self.bot.suggest(self._adapter(), found.spec, found.option, found.typed, found.given,
                                   user=user_ref(interaction.user), channel=channel,
                                   is_moderator=is_moderator(interaction.permissions))
            suggested = await autocomplete.within_deadline(ask, f"/{found.spec.name} {found.option}")
            offered = autocomplete.choices(suggested, found.kind)
        try:
            await interaction.response.autocomplete(
                [discord.app_commands.Choice(name=c["name"], value=c["value"]) for c in offered])
        except discord.HTTPException as e:
            log.warning("Discord: answering autocomplete %s failed (%s %s): %s", interaction.id,
                        e.status, e.code, e.text)

    async def on_action(self, interaction: discord.Interaction[Any], action_id: str) -> None:
        assert self.bot is not None
        responder = InteractionResponder(self._adapter(), interaction, component=True)
        msg = interaction.message
        ref = MessageRef(self.platform, str(interaction.channel_id), str(msg.id if msg else 0),
                         space_of(interaction.guild_id))
        ctx = self._context(interaction, responder)
        await responder.run(self.bot.action_invoked(ActionInvoked(ref, ctx.user, action_id), ctx))


