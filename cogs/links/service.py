"""What the links feature offers other features (`bot.service(LinkService)`): which channels
are linked now, and where a poll or an event was shared when it was made (it stays there
after an unlink)."""

from __future__ import annotations

from bot.model import ChannelRef, SpaceRef
from bot.timelinks import LinkedChannels


class LinkService(LinkedChannels):
    """The interface; the links cog implements it (a nominal base for the registry). The core
    asks it too, as `LinkedChannels`, for the zones whose letters a linked space reads."""

    async def linked(self, channel: ChannelRef) -> list[ChannelRef]:
        """The channels linked with `channel` now (without it); [] when it is not linked."""
        raise NotImplementedError

    async def share(self, owner: str, object_id: int, channels: list[ChannelRef]) -> None:
        """Remember that `owner`'s object (e.g. "events/event") was posted in these channels too."""
        raise NotImplementedError

    async def shared(self, owner: str, object_id: int) -> list[ChannelRef]:
        """The channels besides its own where the object was posted."""
        raise NotImplementedError

    async def shared_into(self, owner: str, space: SpaceRef) -> list[int]:
        """The objects of `owner` shared into any channel of `space`."""
        raise NotImplementedError
