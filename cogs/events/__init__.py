from bot.cog import CogHost

from .cog import EventsCog


async def setup(bot: CogHost) -> None:
    await bot.add_cog(EventsCog(bot))
