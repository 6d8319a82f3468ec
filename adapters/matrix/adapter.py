"""The Matrix adapter on matrix-nio: the glue between the homeserver and the core.

Inbound (`receive` in handlers.py, fed by the sync loop in sync.py with raw events checked in
inbound.py): `!` messages become commands, `m.reaction` annotations and their
redactions become `ReactionChanged`, a redacted card is gone, other `m.text` from
humans is `MessageSeen`. Outbound: `m.notice` with HTML (render.py), live cards as
`m.replace` edits, seeded reactions, idempotency keys as txn ids (client.py). A poll card
may also start a native poll, whose responses count as its number reactions (polls.py).

Each room's events are handled in order in a lane of its own (lanes.py), so a slow room
holds up no other. Nothing is lost across restarts: the sync token is stored with its
events queued in the inbox, a `limited` timeline is back-filled, and at start what is left
in the inbox is handled and the reactions of live cards are re-read from /relations
(relations.py).
"""

from __future__ import annotations

import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping, Sequence
from functools import partial
from zoneinfo import ZoneInfo

import aiohttp
import nio
from nio import ErrorResponse

from bot.adapter import AdapterHost, DeliveryFailed, DeliveryRefused
from bot.model import ChannelRef, MessageRef, UserRef
from bot.render import Attachment, Card, Out, zone_for

from . import render
from .caps import CAPABILITIES
from .client import MatrixError, Transport, why
from .config import MatrixConfig
from .dms import DirectRooms
from .handlers import RECONCILE_AT_ONCE, InboundHandlers
from .poll_ends import refused
from .polls import NativePolls
from .relations import own_annotations, present_reactions
from .rooms import PLATFORM, Rooms
from .store import MatrixStore
from .sync import Syncer

log = logging.getLogger(__name__)
# nio logs every event that fails its schema as a multi-line WARNING with the schema and the
# whole event: anyone in a room could fill the log with them. The adapter reads raw events
# through its own checks (inbound.py), so those reports say nothing an operator can act on.
logging.getLogger("nio.events.misc").setLevel(logging.ERROR)

SEEDED_KEPT = 10_000  # cards whose seeded reactions are remembered


class MatrixAdapter(InboundHandlers):
    platform = PLATFORM
    capabilities = CAPABILITIES

    def __init__(self, config: MatrixConfig, *, sync_timeout_ms: int = 30_000,
                 max_retries: int = 3, max_retry_wait_s: float = 10.0,
                 request_timeout_s: float = 60.0) -> None:
        self.config = config
        self.sync_timeout_ms = sync_timeout_ms
        self.transport = Transport(config, max_retries=max_retries,
                                   max_retry_wait_s=max_retry_wait_s,
                                   request_timeout_s=request_timeout_s)
        self.client = self.transport.client
        self.rooms = Rooms(self.client, config.bridge_puppets)
        self.polls = NativePolls(self.transport)
        self.bot: AdapterHost | None = None
        self.store: MatrixStore | None = None
        self.syncer = Syncer(self.transport, self.rooms, self.receive, self._reconcile_room,
                             timeout_ms=sync_timeout_ms)
        self.syncer.inbox_form = self.inbox_form
        self._early = OrderedDict()  # see handlers.py
        self._early_task = None
        self._seeded: OrderedDict[str, set[str]] = OrderedDict()  # card event id -> reactions added

    @property
    def user_id(self) -> str:
        return self.transport.user_id

    # --- Adapter protocol ----------------------------------------------------------------------

    def attach(self, bot: AdapterHost) -> None:
        self.bot = bot
        self.transport.on_error = lambda code: bot.metrics.platform_error(self.platform, code)

    async def start(self) -> None:
        bot = self._bot()
        self.store = self.polls.store = MatrixStore(bot.db)
        self.polls.bot_time = lambda: bot.clock.now().timestamp()
        await self.store.migrate()
        await self.transport.login(self.store)
        # The first sync is handled before start() returns: state (power levels, creators)
        # is complete and what happened while the bot was down is applied before reconcile.
        await self.syncer.start(self.store)
        await self.polls.end_dead_cards()
        self.polls.send_ends()  # closed before a stop, their end not known to have landed
        await bot.reconcile(self, at_once=RECONCILE_AT_ONCE)
        self.syncer.run()
        log.info("matrix: connected as %s (device %s)", self.user_id, self.client.device_id)

    def connected(self) -> bool:
        return self.syncer.healthy

    async def stop(self) -> None:
        self.syncer.healthy = False
        await self.polls.stop()
        if self._early_task is not None:
            self._early_task.cancel()
        await self.syncer.stop()
        await self.transport.close()

    async def send(self, channel: ChannelRef, out: Out, *, idempotency_key: str | None = None,
                   thread: tuple[str, str] | None = None) -> MessageRef:
        """`thread`: (its root, the event answered) for a reply in a thread."""
        room_id = channel.id
        tz = zone_for(out, await self._tz(room_id))
        if isinstance(out, Attachment):
            encrypted = await self.transport.encrypted(room_id)
            content = render.file_message(out, *await self.transport.upload(out, encrypt=encrypted))
        else:
            content = render.notice(out, tz, encrypted=await self.transport.encrypted(room_id))
        if thread is not None:
            content["m.relates_to"] = render.in_thread(*thread)
        # Synapse answers a repeated txn_id with the first event id, so a reminder re-sent
        # after a crash lands once.
        event_id = await self.transport.send_event(room_id, "m.room.message", content, idempotency_key)
        ref = MessageRef(PLATFORM, room_id, event_id, room_id)
        self.rooms.remember_sender(event_id, self.user_id)
        if isinstance(out, Card) and out.reactions:
            await self._seed(ref, out.reactions, idempotency_key)
        if isinstance(out, Card) and out.choices is not None:
            await self.polls.open(ref, out, tz, idempotency_key, thread[0] if thread else None)
        return ref

    async def edit(self, message: MessageRef, out: Out) -> None:
        if isinstance(out, Attachment):
            raise MatrixError("a file message cannot be edited into place")
        tz = zone_for(out, await self._tz(message.channel_id))
        try:
            content = render.replacement(message.id, out, tz,
                                         encrypted=await self.transport.encrypted(message.channel_id))
            await self.transport.send_event(message.channel_id, "m.room.message", content, None)
            if isinstance(out, Card) and out.reactions:  # a reaction more (📍 once check-in opens)?
                had = self._seeded.get(message.id)  # unknown after a restart: the homeserver
                # refuses a second copy of one (M_DUPLICATE_ANNOTATION), so each is tried once
                await self._seed(message, [k for k in out.reactions if had is None or k not in had], None)
        except MatrixError as e:
            if refused(e):  # for good (the bot kicked, its power taken): no later try lands
                raise DeliveryRefused(f"Matrix: the bot's message in {message.channel_id} "
                                      f"cannot be edited: {e}") from e
            raise
        finally:
            # Closed in the core whether or not its card's edit landed: the native poll ends
            # too, or Element would go on taking votes that count nowhere.
            if isinstance(out, Card) and out.choices is not None and out.choices.closed:
                await self.polls.end(message, out, tz)

    async def send_dm(self, user: UserRef, out: Out, *,
                      idempotency_key: str | None = None) -> MessageRef | None:
        """Into the room the bot opened with this person (dms.py), the key as the txn id as in
        `send`. None when the homeserver refuses; `DeliveryFailed` when it failed only this time."""
        if user.platform != PLATFORM or self.store is None:
            return None
        try:
            room_id = await DirectRooms(self.transport, self.store).room_for(user.id)
            if room_id is None:
                return None
            return await self.send(ChannelRef(PLATFORM, room_id, room_id), out, idempotency_key=idempotency_key)
        except MatrixError as e:
            if not e.refused:  # the room is kept for the next one
                raise DeliveryFailed(f"matrix: direct message to {user.id} failed this time: {e}") from e
            # Refused (the bot is no longer in the room, say): a new room when they ask again.
            log.warning("matrix: direct message to %s refused: %s", user.id, e)
            await self.store.save_dm_room(user.id, None)
            return None
        except (aiohttp.ClientError, OSError) as e:  # nio gave up on the homeserver (OSError: timeouts too)
            raise DeliveryFailed(f"matrix: direct message to {user.id} failed this time: {e!r}") from e

    async def fetch_reactions(self, message: MessageRef) -> Mapping[str, Sequence[UserRef]] | None:
        assert self.store is not None
        own: set[str] = set()
        present = await present_reactions(self.transport, message.channel_id, message.id, self.user_id, own)
        if present is None:
            return None
        native, votes = await self.polls.present(message)  # a native poll's answers, as reactions
        await self.store.replace_reactions(message.id, [*present, *native], votes)
        out: dict[str, list[UserRef]] = {}
        for r in present:
            self.syncer.mark_seen(r.event_id)
        for r in [*present, *native]:
            out.setdefault(r.key, []).append(self._user(message.channel_id, r.sender))
        for key in own:  # the bot's own, as an emoji on the card with nobody under it
            out.setdefault(key, [])
        return out

    # --- for operators and tests ---------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """Hold the sync loop: the sync in flight finishes, the next waits until exit."""
        async with self.syncer.paused():
            yield

    async def wait_synced(self, n: int = 1) -> None:
        await self.syncer.wait_synced(n)

    def is_moderator(self, room_id: str, user_id: str) -> bool:
        return self.rooms.is_moderator(room_id, user_id)

    def space_name(self, space_id: str) -> str | None:
        """The room's name as Element shows it (its m.room.name, else one made from its members)."""
        room = self.client.rooms.get(space_id)
        return room.display_name if room is not None else None

    # --- outbound -------------------------------------------------------------------------------

    async def take_back_own_reaction(self, message: MessageRef, emoji: str) -> None:
        """Redact the bot's annotation of the card with `emoji`, found through /relations (what
        was seeded is kept without its event id), and forget it: the next edit asking adds it."""
        room = message.channel_id
        for event_id in await own_annotations(self.transport, room, message.id, self.user_id, emoji):
            resp = await self.transport.call(partial(self.client.room_redact, room, event_id))
            if isinstance(resp, ErrorResponse):
                raise MatrixError(f"taking back {emoji} on {message.id}: {why(resp)}")
        if (seeded := self._seeded.get(message.id)) is not None:
            seeded.discard(emoji)

    async def _seed(self, ref: MessageRef, keys: Sequence[str], idempotency_key: str | None) -> None:
        client = self.client
        seeded = self._seeded.setdefault(ref.id, set())
        self._seeded.move_to_end(ref.id)
        while len(self._seeded) > SEEDED_KEPT:
            self._seeded.popitem(last=False)
        for i, key in enumerate(keys[: self.capabilities.max_reactions]):
            content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": ref.id, "key": key}}
            txn = f"{idempotency_key}-r{i}" if idempotency_key else None
            resp = await self.transport.call(
                partial(client.room_send, ref.channel_id, "m.reaction", content, tx_id=txn))
            if isinstance(resp, nio.RoomSendResponse):
                seeded.add(key)
                continue
            if isinstance(resp, ErrorResponse) and resp.status_code == "M_DUPLICATE_ANNOTATION":
                # Seeded before a crash (or by an earlier attempt): the reaction is there.
                log.debug("matrix: %s was already seeded on %s", key, ref.id)
                seeded.add(key)
                continue
            log.warning("matrix: seeding %s on %s failed: %s", key, ref.id, why(resp))

    # --- helpers --------------------------------------------------------------------------------

    async def _reconcile_room(self, room_id: str) -> None:
        await self._bot().reconcile(self, lambda m: m.channel_id == room_id, RECONCILE_AT_ONCE)

    def _user(self, room_id: str, user_id: str) -> UserRef:
        return self.rooms.user(room_id, user_id, self.user_id)

    def _adapter(self) -> MatrixAdapter:
        return self

    def _bot(self) -> AdapterHost:
        if self.bot is None:
            raise RuntimeError("the Matrix adapter is not attached to a bot")
        return self.bot

    async def _tz(self, room_id: str) -> ZoneInfo:
        return await self._bot().timezone(ChannelRef(PLATFORM, room_id, room_id).space)

