"""Direct messages (a part of DiscordAdapter): a DM channel opened per person, its posts made
once per key like a channel's, and Discord's refusal told apart from its passing trouble."""

from __future__ import annotations

from collections.abc import Sequence

import aiohttp
import discord

from bot.adapter import DeliveryFailed
from bot.model import ChannelRef, MessageRef, UserRef
from bot.render import Out

from .gateway import LogoffClient
from .refs import DiscordPermissionError
from .render import Rendered, render_all

CANNOT_DM = 50007  # "Cannot send messages to this user": they do not accept DMs from the server's members


class DirectMessages:
    platform: str

    def _client(self) -> LogoffClient:
        raise NotImplementedError

    async def post(self, channel: ChannelRef, parts: Sequence[Rendered], idempotency_key: str | None = None,
                   posted: list[MessageRef] | None = None, *, skip: int = 0) -> MessageRef:
        raise NotImplementedError

    async def post_again(self, channel: ChannelRef, parts: Sequence[Rendered], key: str, mark: str) -> MessageRef:
        raise NotImplementedError

    async def send_dm(self, user: UserRef, out: Out, *, idempotency_key: str | None = None) -> MessageRef | None:
        """None only when Discord refuses it (403, 50007: they do not accept DMs from the
        server's members). Its own trouble (5xx, a rate limit discord.py gave up on, the
        network) fails only this DM: `DeliveryFailed`. A key is a nonce, as in `post`."""
        return await self.dm_parts(user, render_all(out), idempotency_key)

    async def dm_parts(self, user: UserRef, parts: Sequence[Rendered], idempotency_key: str | None = None,
                       mark: str | None = None) -> MessageRef | None:
        """With a `mark` (and a key), a send run again: what of it is in the DM already stays (ownposts.py)."""
        if user.platform != self.platform or not user.id.isdigit():
            return None
        client = self._client()
        try:
            data = await client.http.start_private_message(int(user.id))
            channel = ChannelRef(self.platform, str(data["id"]), "")
            if mark is not None and idempotency_key is not None:
                return await self.post_again(channel, parts, idempotency_key, mark)
            return await self.post(channel, parts, idempotency_key)
        except (discord.Forbidden, DiscordPermissionError):
            return None  # `send` makes a 403 a DiscordPermissionError
        except discord.HTTPException as e:
            if e.code == CANNOT_DM:  # a 403 is caught above; the code is a refusal with any status
                return None
            raise DeliveryFailed(f"Discord: could not DM {user.key} this time: {e}") from e
        except (discord.RateLimited, aiohttp.ClientError, OSError) as e:  # OSError: timeouts too
            raise DeliveryFailed(f"Discord: could not DM {user.key} this time: {e!r}") from e
