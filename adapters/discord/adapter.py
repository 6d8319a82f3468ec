"""The Discord adapter: discord.py in, neutral events out; neutral output in, embeds out.

Only raw gateway events are used (`on_raw_reaction_*`, `on_interaction`), so nothing
depends on discord.py's message or member caches: reactions on messages sent before a
restart count, and the bot needs neither the members nor the message-content intent.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket

from bot.adapter import Capabilities, DeliveryRefused
from bot.app import Bot
from bot.config import DiscordConfig
from bot.context import Context
from bot.model import ActionInvoked, ChannelRef, MessageRef, MessageSeen, ReactionChanged, UserRef
from bot.render import Out, text

from . import commands as cmd
from .render import Rendered, is_refusal, render
from .views import ActionButton

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://discord.com/api/v10"
DEFAULT_GATEWAY = "wss://gateway.discord.gg/"
NONCE_MAX = 25
MISSING_PERMISSIONS = 50013
NEEDED = "View Channel, Send Messages, Embed Links, Add Reactions, Read Message History and Attach Files"


class DiscordPermissionError(DeliveryRefused):
    """The bot lacks a permission in a channel; the message says which and where."""


def intents() -> discord.Intents:
    # guild_messages without message_content: metadata (author, time, reply) only, for
    # offline.auto. No members intent: interactions and reaction events carry the member.
    i = discord.Intents.none()
    i.guilds = True
    i.guild_reactions = True
    i.guild_messages = True
    return i


def short_nonce(key: str) -> str:
    """Discord nonces are at most 25 characters; longer keys are hashed stably."""
    if len(key) <= NONCE_MAX:
        return key
    return "k" + base64.b32encode(hashlib.sha256(key.encode()).digest()).decode()[:24].lower()


def user_ref(user: discord.abc.User | discord.Member) -> UserRef:
    return UserRef("discord", str(user.id), user.display_name, is_bot=user.bot)


def _space(guild_id: int | None) -> str:
    return str(guild_id) if guild_id else ""


def is_moderator(perms: discord.Permissions) -> bool:
    return bool(perms.administrator or perms.manage_guild or perms.manage_events)


class LogoffClient(discord.Client):
    """discord.py client whose events go to the adapter; the adapter is also the sink
    for persistent buttons (`ActionButton` finds it as `client.action_sink`)."""

    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        super().__init__(**options)
        self.action_sink = adapter
        self.adapter = adapter

    async def setup_hook(self) -> None:
        self.add_dynamic_items(ActionButton)

    async def on_ready(self) -> None:
        await self.adapter._on_ready()

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        self.adapter._on_reaction(payload, True)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        self.adapter._on_reaction(payload, False)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.type is discord.InteractionType.application_command:
            await self.adapter._on_command(interaction)

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter._on_message(message)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self.adapter._on_guild_available(guild.id)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        log.info("joined guild %s (%s)", guild.name, guild.id)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        log.info("left guild %s (%s)", guild.name, guild.id)


class DiscordAdapter:
    platform = "discord"
    capabilities = Capabilities(buttons=True, reactions=True, ephemeral=True, dm=True,
                                edits_per_window=5, edit_window_s=5.0, max_reactions=20,
                                command_prefix="/")

    def __init__(self, config: DiscordConfig, *, guild_ready_timeout: float = 2.0, defer_after: float = 2.0,
                 ready_timeout: float = 60.0, sync_commands: bool = True) -> None:
        self.config = config
        self.guild_ready_timeout = guild_ready_timeout
        # Discord drops an interaction not acknowledged within 3 s of its creation.
        self.defer_after = defer_after
        self.ready_timeout = ready_timeout
        self.sync_commands = sync_commands
        self.bot: Bot | None = None
        self.client: LogoffClient | None = None
        self.table = cmd.CommandTable()
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._readies = 0
        self._lanes: dict[str, asyncio.Queue[ReactionChanged]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    # --- lifecycle ---------------------------------------------------------------------------

    def attach(self, bot: Bot) -> None:
        self.bot = bot

    def _point_at_server(self) -> None:
        # discord.py reads these class attributes when it builds each request and each
        # gateway connection, so setting them at start is enough and needs no restore.
        discord.http.Route.BASE = (self.config.api_base or DEFAULT_API_BASE).rstrip("/")
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.config.gateway_url or DEFAULT_GATEWAY)

    async def start(self) -> None:
        assert self.bot is not None, "attach the adapter to a bot first"
        token = self.config.token()
        if token is None:
            raise RuntimeError(f"the Discord token is missing: set ${self.config.token_env}")
        self._point_at_server()
        self._ready = asyncio.Event()
        self._readies = 0
        self.table = cmd.build(self.bot.commands)
        client = LogoffClient(
            self, intents=intents(), guild_ready_timeout=self.guild_ready_timeout, max_messages=None,
            chunk_guilds_at_startup=False, member_cache_flags=discord.MemberCacheFlags.none(),
            allowed_mentions=discord.AllowedMentions.none())
        self.client = client
        try:
            await client.login(token)
        except discord.LoginFailure:
            await client.close()
            raise RuntimeError(f"Discord rejected the token in ${self.config.token_env}; "
                               "copy the bot token again from the developer portal") from None
        self._task = asyncio.create_task(client.connect(reconnect=True), name="discord-gateway")
        ready = asyncio.create_task(self._ready.wait())
        done, _ = await asyncio.wait({ready, self._task}, timeout=self.ready_timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            error = self._task.exception() if self._task in done else None
            await self.stop()
            if isinstance(error, discord.PrivilegedIntentsRequired):
                raise RuntimeError("Discord refused the gateway intents; logoff needs no privileged "
                                   "intents, so check the application's settings") from error
            raise RuntimeError(f"could not connect to the Discord gateway: {error or 'timed out'}") from error
        if self.sync_commands:
            await self._sync_commands()
        await self.reconcile()
        log.info("Discord: logged in as %s (%s) in %d guilds", client.user, client.user and client.user.id,
                 len(client.guilds))

    async def stop(self) -> None:
        for t in list(self._tasks):
            t.cancel()
        if self.client is not None:
            await self.client.close()
        if self._task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await self._task
            self._task = None

    async def _on_ready(self) -> None:
        self._readies += 1
        if self._readies > 1:
            # A new session (not a RESUME): events during the gap are lost, so re-read.
            self._spawn(self.reconcile())
        self._ready.set()

    async def _on_guild_available(self, guild_id: int) -> None:
        # After a server outage ends, reactions made during it were never delivered.
        # (At start this fires before READY completes; start() reconciles everything then.)
        if self._ready.is_set():
            self._spawn(self.reconcile(str(guild_id)))

    def _spawn(self, aw: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(aw)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _sync_commands(self) -> None:
        assert self.client is not None and self.client.application_id is not None
        http, app = self.client.http, self.client.application_id
        try:
            existing = await http.get_global_commands(app)
            if cmd.same_commands(list(existing), self.table.payload):
                log.info("Discord: %d slash commands already up to date", len(self.table.payload))
                return
            await http.bulk_upsert_global_commands(app, self.table.payload)  # type: ignore[arg-type]
            log.info("Discord: registered %d slash commands", len(self.table.payload))
        except discord.HTTPException as e:
            log.error("Discord: registering slash commands failed (%s %s): %s", e.status, e.code, e.text)

    # --- reconciliation ---------------------------------------------------------------------------

    async def reconcile(self, space_id: str | None = None) -> None:
        """Re-read reactions of every live card (of one server, if given), so votes and
        RSVPs made while the bot was away count (raw events are not replayed across sessions)."""
        assert self.bot is not None
        gate = asyncio.Semaphore(4)

        async def one(message: MessageRef) -> None:
            async with gate:
                try:
                    reactions = await self.fetch_reactions(message)
                except discord.Forbidden as e:
                    self._explain(e, "read the reactions", message.channel)
                    return
                except discord.HTTPException as e:
                    log.warning("Discord: could not read reactions of %s: %s", message.key, e)
                    return
                await self.bot.reconcile_reactions(message, reactions)  # type: ignore[union-attr]

        await asyncio.gather(*(one(m) for m in self.bot.live_messages(self.platform)
                               if space_id is None or m.space_id == space_id))

    async def fetch_reactions(self, message: MessageRef) -> Mapping[str, Sequence[UserRef]] | None:
        try:
            msg = await self._channel(message.channel).fetch_message(int(message.id))
        except discord.NotFound:
            return None
        out: dict[str, list[UserRef]] = {}
        for reaction in msg.reactions:
            out[str(reaction.emoji)] = [user_ref(u) async for u in reaction.users(limit=None)]
        return out

    # --- outbound ---------------------------------------------------------------------------------

    def _client(self) -> LogoffClient:
        if self.client is None:
            raise RuntimeError("the Discord adapter is not started")
        return self.client

    def _channel(self, channel: ChannelRef) -> discord.PartialMessageable:
        guild_id = int(channel.space_id) if channel.space_id.isdigit() else None
        return self._client().get_partial_messageable(int(channel.id), guild_id=guild_id)

    def _explain(self, e: discord.Forbidden, what: str, channel: ChannelRef) -> str:
        if e.code == MISSING_PERMISSIONS:
            msg = (f"Discord: missing permission to {what} in channel {channel.id} (server {channel.space_id}); "
                   f"give logoff's role {NEEDED} in that channel")
        else:
            msg = f"Discord: not allowed to {what} in channel {channel.id}: {e.text or e}"
        log.warning(msg)
        return msg

    async def send(self, channel: ChannelRef, out: Out, *, idempotency_key: str | None = None) -> MessageRef:
        r = render(out)
        kwargs = r.send_kwargs()
        if idempotency_key is not None:
            # discord.py sends enforce_nonce=true with any nonce: a re-post of the same job
            # within Discord's window returns the first message instead of a second one.
            kwargs["nonce"] = short_nonce(idempotency_key)
        try:
            msg = await self._channel(channel).send(**kwargs)
        except discord.Forbidden as e:
            raise DiscordPermissionError(self._explain(e, "post", channel)) from e
        ref = MessageRef(self.platform, str(msg.channel.id), str(msg.id), channel.space_id)
        await self._seed(ref, r)
        return ref

    async def _seed(self, ref: MessageRef, r: Rendered) -> None:
        if not r.reactions:
            return
        partial = self._channel(ref.channel).get_partial_message(int(ref.id))
        for emoji in r.reactions[: self.capabilities.max_reactions]:
            try:
                await partial.add_reaction(emoji)
            except discord.Forbidden as e:
                self._explain(e, "add reactions", ref.channel)
                return
            except discord.HTTPException as e:
                log.warning("Discord: could not add %s to %s: %s", emoji, ref.key, e)

    async def edit(self, message: MessageRef, out: Out) -> None:
        partial = self._channel(message.channel).get_partial_message(int(message.id))
        try:
            await partial.edit(**render(out).edit_kwargs())
        except discord.NotFound:
            log.info("Discord: message %s is gone; not updating it", message.key)
        except discord.Forbidden as e:
            self._explain(e, "edit its message", message.channel)

    async def send_dm(self, user: UserRef, out: Out) -> MessageRef | None:
        if user.platform != self.platform or not user.id.isdigit():
            return None
        client = self._client()
        try:
            data = await client.http.start_private_message(int(user.id))
            channel = ChannelRef(self.platform, str(data["id"]), "")
            return await self.send(channel, out)
        except (discord.Forbidden, DiscordPermissionError):
            return None  # the user does not accept DMs from server members
        except discord.HTTPException as e:
            log.warning("Discord: could not DM %s: %s", user.key, e)
            return None

    # --- inbound ----------------------------------------------------------------------------------

    def _on_reaction(self, payload: discord.RawReactionActionEvent, added: bool) -> None:
        client, bot = self._client(), self.bot
        if bot is None or (client.user is not None and payload.user_id == client.user.id):
            return
        message = MessageRef(self.platform, str(payload.channel_id), str(payload.message_id),
                             _space(payload.guild_id))
        if not bot.is_tracked(message):
            return
        member = payload.member
        user = UserRef(self.platform, str(payload.user_id), member.display_name if member else "",
                       is_bot=bool(member and member.bot))
        event = ReactionChanged(message, user, str(payload.emoji), added)
        # discord.py runs each event in its own task; one lane per message keeps a user's
        # add-then-remove in order while other cards proceed in parallel.
        lane = self._lanes.get(message.key)
        if lane is None:
            lane = self._lanes[message.key] = asyncio.Queue()
            self._spawn(self._drain(message.key, lane))
        lane.put_nowait(event)

    async def _drain(self, key: str, lane: asyncio.Queue[ReactionChanged]) -> None:
        assert self.bot is not None
        try:
            while not lane.empty():
                await self.bot.reaction_changed(lane.get_nowait())
        finally:
            if self._lanes.get(key) is lane:
                del self._lanes[key]

    async def _on_message(self, message: discord.Message) -> None:
        if self.bot is None or message.author.bot or message.guild is None:
            return
        reply_to = None
        resolved = message.reference.resolved if message.reference else None
        if isinstance(resolved, discord.Message):
            reply_to = user_ref(resolved.author)
        channel = ChannelRef(self.platform, str(message.channel.id), str(message.guild.id))
        await self.bot.message_seen(MessageSeen(channel, user_ref(message.author), message.created_at,
                                                str(message.id), reply_to, None))

    def _context(self, interaction: discord.Interaction[Any], responder: InteractionResponder) -> Context:
        assert self.bot is not None
        channel = ChannelRef(self.platform, str(interaction.channel_id), _space(interaction.guild_id))
        mod = interaction.guild_id is not None and is_moderator(interaction.permissions)
        return Context(self.bot, self, user_ref(interaction.user), channel, mod, responder, "/")

    async def _on_command(self, interaction: discord.Interaction[Any]) -> None:
        assert self.bot is not None
        responder = InteractionResponder(self, interaction, component=False)
        found = self.table.resolve(interaction.data or {})  # type: ignore[arg-type]
        if found is None:
            await responder(text("⚠️ that command has changed; try again in a minute, or type /help"), True)
            return
        spec, raw = found
        await responder.run(self.bot.run_command(spec, raw, self._context(interaction, responder)))

    async def on_action(self, interaction: discord.Interaction[Any], action_id: str) -> None:
        assert self.bot is not None
        responder = InteractionResponder(self, interaction, component=True)
        msg = interaction.message
        ref = MessageRef(self.platform, str(interaction.channel_id), str(msg.id if msg else 0),
                         _space(interaction.guild_id))
        ctx = self._context(interaction, responder)
        await responder.run(self.bot.action_invoked(ActionInvoked(ref, ctx.user, action_id), ctx))


class InteractionResponder:
    """Context.responder for one interaction: answers within Discord's deadline.

    If the handler has not answered after `defer_after` seconds, the interaction is
    deferred: a command with an ephemeral "thinking" placeholder (so a refusal stays
    private), a button silently. A public answer after that is posted in the channel
    and the placeholder removed; a private one replaces the placeholder.
    """

    def __init__(self, adapter: DiscordAdapter, interaction: discord.Interaction[Any], *, component: bool) -> None:
        self.adapter = adapter
        self.interaction = interaction
        self.component = component
        self.lock = asyncio.Lock()
        self.placeholder = False
        self.answered = False

    async def run(self, handler: Awaitable[None]) -> None:
        task = asyncio.ensure_future(handler)
        done, _ = await asyncio.wait({task}, timeout=self.adapter.defer_after)
        if not done:
            async with self.lock:
                await self._defer()
        try:
            await task
        finally:
            await self._finish()

    async def _defer(self) -> None:
        response = self.interaction.response
        if response.is_done():
            return
        try:
            if self.component:
                await response.defer()
            else:
                await response.defer(ephemeral=True, thinking=True)
                self.placeholder = True
        except discord.HTTPException as e:
            log.warning("Discord: deferring interaction %s failed: %s", self.interaction.id, e)

    async def _finish(self) -> None:
        async with self.lock:
            try:
                if not self.interaction.response.is_done():
                    if self.component:
                        await self.interaction.response.defer()
                    else:
                        await self.interaction.response.send_message("✅ done", ephemeral=True)
                elif self.placeholder:
                    await self.interaction.delete_original_response()
                    self.placeholder = False
            except discord.HTTPException as e:
                log.warning("Discord: closing interaction %s failed: %s", self.interaction.id, e)

    def _ref(self, message_id: int) -> MessageRef:
        i = self.interaction
        return MessageRef("discord", str(i.channel_id), str(message_id), _space(i.guild_id))

    async def __call__(self, out: Out, ephemeral: bool) -> MessageRef | None:
        ephemeral = ephemeral or is_refusal(out)
        r = render(out)
        i = self.interaction
        async with self.lock:
            message_id: int | None = None
            if not i.response.is_done():
                callback = await i.response.send_message(**r.send_kwargs(), ephemeral=ephemeral)
                message_id = callback.message_id
            elif self.placeholder and ephemeral:
                message_id = (await i.edit_original_response(**r.edit_kwargs())).id
                self.placeholder = False
            elif self.placeholder:
                channel = ChannelRef("discord", str(i.channel_id), _space(i.guild_id))
                try:
                    ref = await self.adapter.send(channel, out)
                except DiscordPermissionError:
                    # Cannot post in the channel: at least the user sees the answer.
                    await i.edit_original_response(**r.edit_kwargs())
                    self.placeholder = False
                    return None
                await i.delete_original_response()
                self.placeholder = False
                self.answered = True
                return ref
            else:
                message_id = (await i.followup.send(**r.send_kwargs(), ephemeral=ephemeral, wait=True)).id
            self.answered = True
            if ephemeral or message_id is None:
                return None
            ref = self._ref(message_id)
            await self.adapter._seed(ref, r)
            return ref
