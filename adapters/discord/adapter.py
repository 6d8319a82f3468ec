"""The Discord adapter: discord.py in, neutral events out; neutral output in, embeds out.

Only raw gateway events are used (`on_raw_reaction_*`, `on_interaction`), so nothing
depends on discord.py's message or member caches: reactions on messages sent before a
restart count; no members intent, and message content only with `[discord] message_content`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any

import discord

from bot.adapter import AdapterHost, DestinationGone
from bot.model import ChannelRef, MessageRef, UserRef
from bot.render import Out

from . import commands as cmd
from .caps import CAPABILITIES
from .config import DiscordConfig
from .dms import DirectMessages
from .edits import edit_refusal
from .gateway import LogoffClient, intents_refused, make_client, point_at_server
from .handlers import DiscordInbound
from .lanes import Lanes
from .locks import THREAD_ARCHIVED, LockedThreads
from .ownposts import OwnPosts
from .refs import PLATFORM, DiscordPermissionError, not_allowed, short_nonce, user_ref
from .renamestore import RenameStore
from .render import Rendered, render, render_all
from .seeding import Seeding
from .surfaces import DiscordSurfaces

UNKNOWN_CHANNEL = 10003  # Discord's JSON code for a channel that is not there (deleted)

log = logging.getLogger(__name__)

RECONCILE_AT_ONCE = 4


class DiscordAdapter(DiscordSurfaces, DiscordInbound, Seeding, OwnPosts, DirectMessages):
    platform = PLATFORM
    capabilities = CAPABILITIES

    def __init__(self, config: DiscordConfig, *, guild_ready_timeout: float = 2.0, defer_after: float = 2.0,
                 ready_timeout: float = 60.0, sync_commands: bool = True,
                 identify_interval: float = 5.0) -> None:
        self.config = config
        self.identify_interval = identify_interval
        self.guild_ready_timeout = guild_ready_timeout
        # Discord drops an interaction not acknowledged within 3 s of its creation.
        self.defer_after = defer_after
        self.ready_timeout = ready_timeout
        self.sync_commands = sync_commands
        self.bot: AdapterHost | None = None
        self.client: LogoffClient | None = None
        self.table = cmd.CommandTable()
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._readies = 0
        self._links_down: set[int | None] = set()  # shards (None: the only one) not connected now
        self._tasks: set[asyncio.Task[Any]] = set()
        self.lanes = Lanes(self._spawn)
        self._seeded: OrderedDict[str, list[str]] = OrderedDict()
        self._fresh: OrderedDict[str, tuple[MessageRef, float]] = OrderedDict()
        self._edit_times: OrderedDict[int, str] = OrderedDict()
        self._not_chat: OrderedDict[int, None] = OrderedDict()
        self._locked = LockedThreads()
        self._init_listings()

    # --- lifecycle ---------------------------------------------------------------------------

    def attach(self, bot: AdapterHost) -> None:
        self.bot = bot

    async def start(self) -> None:
        assert self.bot is not None, "attach the adapter to a bot first"
        token = self.config.token()
        if token is None:
            raise RuntimeError(f"the Discord token is missing: set {self.config.token_named()}")
        point_at_server(self.config.api_base, self.config.gateway_url)
        self._renames.store = store = RenameStore(self.bot.db)
        await store.migrate()
        self._ready = asyncio.Event()
        self._readies = 0
        self._shard_readies: dict[int, int] = {}
        self._links_down = set()
        self.table = cmd.build(self.bot.commands)
        client = self.client = make_client(self, self.config.shard_count, self.config.shards,
                                           self.config.message_content)
        try:
            await client.login(token)
        except discord.LoginFailure:
            await client.close()
            raise RuntimeError(f"Discord rejected the token in {self.config.token_named()}; "
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
                raise RuntimeError(intents_refused(self.config.message_content)) from error
            raise RuntimeError(f"could not connect to the Discord gateway: {error or 'timed out'}") from error
        if self.sync_commands:
            assert client.application_id is not None
            await cmd.sync(client.http, client.application_id, self.table)
        await self._resume_renames(self.serves)
        await self.reconcile()
        n = self.config.shard_count
        shards = f" on shards {list(self.config.shards or range(n))} of {n}" if n else ""
        log.info("Discord: logged in as %s (%s) in %d guilds%s", client.user, client.user and client.user.id,
                 len(client.guilds), shards)

    def serves(self, space_id: str) -> bool:
        """Whether the guild is on one of this process's shards (Discord's routing rule)."""
        n, shards = self.config.shard_count, self.config.shards
        if n is None or shards is None:
            return True
        return space_id.isdigit() and (int(space_id) >> 22) % n in shards

    def connected(self) -> bool:
        # discord.py stays "ready" while it reconnects, so the gateway's own comings and
        # goings say whether events are arriving now.
        c = self.client
        return c is not None and c.is_ready() and not c.is_closed() and not self._links_down

    def _gateway_link(self, shard: int | None, up: bool) -> None:
        if up:
            self._links_down.discard(shard)
            return
        # A gateway connection lost (not closed by us) is a platform error like a REST one.
        closing = self.client is None or self.client.is_closed()
        if shard not in self._links_down and not closing and self.bot is not None:
            self.bot.metrics.platform_error(PLATFORM, "gateway_disconnect")
        self._links_down.add(shard)

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

    async def _on_shard_ready(self, shard_id: int) -> None:
        # After start, a shard that comes back with a new session (not a RESUME) lost its
        # guilds' events meanwhile: re-read those guilds only.
        self._shard_readies[shard_id] = self._shard_readies.get(shard_id, 0) + 1
        if self._shard_readies[shard_id] > 1 and self._ready.is_set() and self.client is not None:
            guilds = {str(g.id) for g in self.client.guilds if g.shard_id == shard_id}
            assert self.bot is not None
            self._spawn(self.bot.reconcile(self, lambda m: m.space_id in guilds,
                                           at_once=RECONCILE_AT_ONCE))

    async def _on_guild_available(self, guild_id: int) -> None:
        # After a server outage ends, reactions made during it were never delivered.
        # (At start this fires before READY completes; start() reconciles everything then.)
        if self._ready.is_set():
            self._spawn(self.reconcile(str(guild_id)))

    def _spawn(self, aw: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(aw)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- reconciliation ---------------------------------------------------------------------------

    async def reconcile(self, space_id: str | None = None) -> None:
        """Re-read reactions of every live card (of one server, if given), so votes and
        RSVPs made while the bot was away count (raw events are not replayed across sessions)."""
        assert self.bot is not None
        # Only this process's shards: the other shards' processes re-read their own guilds' cards.
        await self.bot.reconcile(self, lambda m: self.serves(m.space_id) and space_id in (None, m.space_id),
                                 at_once=RECONCILE_AT_ONCE)

    async def fetch_reactions(self, message: MessageRef) -> Mapping[str, Sequence[UserRef]] | None:
        try:
            msg = await self._channel(message.channel).fetch_message(int(message.id))
        except discord.NotFound:
            return None
        except discord.Forbidden as e:
            raise DiscordPermissionError(self._why(e, "read the reactions", message.channel)) from e
        self._remember(message, [str(r.emoji) for r in msg.reactions if r.me], replace=True)
        out: dict[str, list[UserRef]] = {}
        for reaction in msg.reactions:
            out[str(reaction.emoji)] = [user_ref(u) async for u in reaction.users(limit=None)]
        return out

    def space_name(self, space_id: str) -> str | None:
        """The server's name as its members see it, from the gateway's guild cache."""
        guild = self.client.get_guild(int(space_id)) if self.client is not None and space_id.isdigit() else None
        return guild.name if guild is not None else None

    # --- outbound ---------------------------------------------------------------------------------

    def _client(self) -> LogoffClient:
        if self.client is None:
            raise RuntimeError("the Discord adapter is not started")
        return self.client

    def _channel(self, channel: ChannelRef) -> discord.PartialMessageable:
        guild_id = int(channel.space_id) if channel.space_id.isdigit() else None
        return self._client().get_partial_messageable(int(channel.id), guild_id=guild_id)

    _why = staticmethod(not_allowed)

    def _explain(self, e: discord.Forbidden, what: str, channel: ChannelRef) -> str:
        msg = self._why(e, what, channel)
        log.warning(msg)
        return msg

    async def send(self, channel: ChannelRef, out: Out, *, idempotency_key: str | None = None) -> MessageRef:
        """Post `out`; a text over Discord's limit goes as several messages (the first is returned)."""
        return await self.post(channel, render_all(out), idempotency_key)

    async def post(self, channel: ChannelRef, parts: Sequence[Rendered], idempotency_key: str | None = None,
                   posted: list[MessageRef] | None = None, *, skip: int = 0) -> MessageRef:
        """Post rendered parts in order (from the `skip`th: the others are out already); each one
        posted is added to `posted`, so a caller whose post fails part-way knows which are out."""
        first: MessageRef | None = None
        for n, r in enumerate(parts[skip:], start=skip):
            kwargs = r.send_kwargs()
            if idempotency_key is not None:
                # discord.py sends enforce_nonce=true with any nonce (a random one when none is
                # given, so its own retries of a 5xx land once): a re-post of the same job within
                # Discord's window returns the first message instead of a second one.
                kwargs["nonce"] = short_nonce(idempotency_key if n == 0 else f"{idempotency_key}/{n}")
            try:
                msg = await self._channel(channel).send(**kwargs)
            except discord.Forbidden as e:
                raise DiscordPermissionError(self._explain(e, "post", channel)) from e
            except discord.NotFound as e:
                if e.code == UNKNOWN_CHANNEL:
                    raise DestinationGone(f"Discord: channel {channel.id} is gone") from e
                raise
            except discord.HTTPException as e:
                if e.code != THREAD_ARCHIVED:
                    raise
                raise self._locked.refused(channel.id) from e  # closed for now: kept, tried again later
            self._locked.unlocked(channel.id)
            self._thread_open(channel.id)  # a message reopens an archived thread
            ref = MessageRef(self.platform, str(msg.channel.id), str(msg.id), channel.space_id)
            if posted is not None:
                posted.append(ref)
            await self._seed(ref, r)
            first = first or ref
        assert first is not None, "render_all gives at least one message, and a re-post one not out"
        return first

    async def edit(self, message: MessageRef, out: Out) -> None:
        partial, r = self._channel(message.channel).get_partial_message(int(message.id)), render(out)
        try:
            edited = await partial.edit(**r.edit_kwargs())
        except discord.NotFound:
            log.info("Discord: message %s is gone; not updating it", message.key)
            return
        except discord.Forbidden as e:
            self._explain(e, "edit its message", message.channel)
            return
        except discord.HTTPException as e:
            raise edit_refusal(message, e) from e
        if r.reactions:  # a card that now asks for a reaction more (📍 once check-in opens)
            had = self._seeded.get(message.key)
            if had is None:  # sent before a restart: the edited message says what is there
                had = self._remember(message, [str(x.emoji) for x in edited.reactions if x.me])
            # Adding one that is there already changes nothing on Discord (PUT is idempotent).
            await self._seed(message, r, [e for e in r.reactions[: self.capabilities.max_reactions]
                                          if e not in had])

    def _adapter(self) -> DiscordAdapter:
        return self
