"""The discord.py client: gateway events go to the adapter, raw ones only (no message or
member caches are needed), and where discord.py connects to."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeGuard

import discord
import yarl
from discord.gateway import DiscordWebSocket

from .refs import PLATFORM
from .views import ActionButton

if TYPE_CHECKING:
    from .adapter import DiscordAdapter

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://discord.com/api/v10"
DEFAULT_GATEWAY = "wss://gateway.discord.gg/"
MESSAGE_EVENTS = frozenset({"MESSAGE_CREATE", "MESSAGE_UPDATE"})


class HideMessages(logging.Filter):
    """discord.py logs every gateway event whole at DEBUG (`logoff run -v`); a person's message
    is logged without its payload, so their text (with message_content, or a message that
    mentions the bot) never reaches the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(map(self._message, record.args)):
            record.args = tuple({**a, "d": "(not logged)"} if self._message(a) else a for a in record.args)
        return True

    @staticmethod
    def _message(arg: object) -> TypeGuard[Mapping[str, Any]]:
        return isinstance(arg, Mapping) and arg.get("t") in MESSAGE_EVENTS


HIDE_MESSAGES = HideMessages()


def intents(message_content: bool = False) -> discord.Intents:
    # guild_messages: metadata (author, time, reply) for offline.auto, and the text too only when
    # the operator asks for the privileged message_content. No members intent: interactions and
    # reaction events carry the member.
    # guild_scheduled_events: who marks a listing "Interested", and listings deleted by hand.
    i = discord.Intents.none()
    i.guilds = True
    i.guild_reactions = True
    i.guild_messages = True
    i.guild_scheduled_events = True
    i.message_content = message_content
    return i


def intents_refused(message_content: bool) -> str:
    """What to do when Discord closes the gateway with 4014 (a privileged intent not enabled)."""
    if message_content:
        return ("Discord refused the Message Content intent: [discord] message_content = true needs "
                "Message Content Intent enabled for the bot in the developer portal (Bot, Privileged "
                "Gateway Intents; in 100 or more servers Discord must approve it), or set "
                "message_content = false")
    return ("Discord refused the gateway intents; logoff needs no privileged intents, so check "
            "the application's settings")


def point_at_server(api_base: str | None, gateway_url: str | None) -> None:
    # discord.py reads these class attributes when it builds each request and each
    # gateway connection, so setting them at start is enough and needs no restore.
    discord.http.Route.BASE = (api_base or DEFAULT_API_BASE).rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url or DEFAULT_GATEWAY)


def count_errors(http: Any, adapter: DiscordAdapter) -> None:
    """Every REST call goes through `HTTPClient.request`; its errors are counted by Discord's
    JSON error code (or the HTTP status when there is none) before they go on as usual."""
    request = http.request

    async def counted(*args: Any, **kwargs: Any) -> Any:
        try:
            return await request(*args, **kwargs)
        except discord.HTTPException as e:
            if adapter.bot is not None:
                adapter.bot.metrics.platform_error(PLATFORM, e.code or e.status)
            raise

    http.request = counted


def tap(parsers: dict[str, Callable[[Any], None]], event: str,
        handler: Callable[[Mapping[str, Any]], None]) -> None:
    """Show `handler` a gateway event's raw payload before discord.py parses it. A parser that
    raises would end the gateway connection, so the handler's errors are only logged."""
    parse = parsers[event]

    def tapped(data: Any) -> None:
        try:
            if isinstance(data, Mapping):
                handler(data)
        except Exception:
            log.exception("Discord: handling %s failed", event)
        parse(data)

    parsers[event] = tapped


class LogoffClient(discord.Client):
    """discord.py client whose events go to the adapter; the adapter is also the sink
    for persistent buttons (`ActionButton` finds it as `client.action_sink`)."""

    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        super().__init__(**options)
        self.action_sink = adapter
        self.adapter = adapter
        count_errors(self.http, adapter)
        # discord.py drops these for members it has not cached (nearly everyone, without the
        # members intent), so they are read raw, before its own parser.
        for event in ("GUILD_SCHEDULED_EVENT_USER_ADD", "GUILD_SCHEDULED_EVENT_USER_REMOVE"):
            tap(self._connection.parsers, event, adapter._on_listing_interest)
        for event in ("CHANNEL_DELETE", "THREAD_DELETE"):
            tap(self._connection.parsers, event, adapter._on_channel_deleted)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(ActionButton)

    async def on_ready(self) -> None:
        await self.adapter._on_ready()

    async def on_connect(self) -> None:
        self.adapter._gateway_link(None, True)

    async def on_resumed(self) -> None:
        self.adapter._gateway_link(None, True)

    async def on_disconnect(self) -> None:
        self.adapter._gateway_link(None, False)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        self.adapter._on_reaction(payload, True)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        self.adapter._on_reaction(payload, False)

    async def on_raw_reaction_clear(self, payload: discord.RawReactionClearEvent) -> None:
        self.adapter._on_reactions_cleared(payload.channel_id, payload.message_id, payload.guild_id, None)

    async def on_raw_reaction_clear_emoji(self, payload: discord.RawReactionClearEmojiEvent) -> None:
        self.adapter._on_reactions_cleared(payload.channel_id, payload.message_id, payload.guild_id,
                                           str(payload.emoji))

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        await self.adapter._on_deleted(payload.channel_id, (payload.message_id,), payload.guild_id)

    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        await self.adapter._on_deleted(payload.channel_id, payload.message_ids, payload.guild_id)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        await self.adapter._on_edited(payload)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.type is discord.InteractionType.application_command:
            await self.adapter._on_command(interaction)
        elif interaction.type is discord.InteractionType.autocomplete:
            await self.adapter._on_autocomplete(interaction)

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter._on_message(message)

    async def on_scheduled_event_delete(self, event: discord.ScheduledEvent) -> None:
        self.adapter._on_listing_gone(event, event.status)

    async def on_scheduled_event_update(self, before: discord.ScheduledEvent,
                                        after: discord.ScheduledEvent) -> None:
        if after.status is discord.EventStatus.canceled and before.status is not after.status:
            self.adapter._on_listing_gone(after, before.status)

    async def on_raw_thread_update(self, payload: discord.RawThreadUpdateEvent) -> None:
        # Raw: discord.py drops archived threads from its cache, and this one may be reopening.
        meta = payload.data.get("thread_metadata") or {}
        if not meta.get("locked"):
            self.adapter._locked.unlocked(str(payload.thread_id))
        if not meta.get("archived"):
            self.adapter._thread_open(str(payload.thread_id))

    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self.adapter._on_guild_available(guild.id)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        log.info("joined guild %s (%s)", guild.name, guild.id)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        log.info("left guild %s (%s)", guild.name, guild.id)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # Discord allows one IDENTIFY per 5 s per bucket; discord.py's default waits so.
        # A Discord-compatible test server may allow more (`identify_interval`).
        if not initial and self.adapter.identify_interval:
            await asyncio.sleep(self.adapter.identify_interval)


class LogoffShardedClient(LogoffClient, discord.AutoShardedClient):
    """The same client over several shards, with discord.py's own shard management."""

    async def on_shard_ready(self, shard_id: int) -> None:
        await self.adapter._on_shard_ready(shard_id)

    # Each shard comes and goes on its own; the unnumbered events above stand for any of them.
    async def on_connect(self) -> None:
        pass

    async def on_resumed(self) -> None:
        pass

    async def on_disconnect(self) -> None:
        pass

    async def on_shard_connect(self, shard_id: int) -> None:
        self.adapter._gateway_link(shard_id, True)

    async def on_shard_resumed(self, shard_id: int) -> None:
        self.adapter._gateway_link(shard_id, True)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        self.adapter._gateway_link(shard_id, False)




def make_client(adapter: DiscordAdapter, shard_count: int | None,
                shards: tuple[int, ...] | None, message_content: bool = False) -> LogoffClient:
    """The client for this process: sharded (those shards, all by default) when a shard count is
    configured. No caches beyond guilds: events come raw, members with each event."""
    options: dict[str, Any] = dict(
        intents=intents(message_content), guild_ready_timeout=adapter.guild_ready_timeout, max_messages=None,
        chunk_guilds_at_startup=False, member_cache_flags=discord.MemberCacheFlags.none(),
        allowed_mentions=discord.AllowedMentions.none())
    # logoff never joins voice, so "voice will NOT be supported" warnings at every start
    # would only make an operator look for a missing package.
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
    logging.getLogger("discord.gateway").addFilter(HIDE_MESSAGES)  # once: the same filter is kept once
    if shard_count is None:
        return LogoffClient(adapter, **options)
    return LogoffShardedClient(adapter, shard_count=shard_count,
                               shard_ids=list(shards or range(shard_count)), **options)
