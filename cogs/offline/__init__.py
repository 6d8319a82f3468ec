from bot.cog import CogHost

from .cog import OfflineCog


async def setup(bot: CogHost) -> None:
    await bot.add_cog(OfflineCog(bot))
