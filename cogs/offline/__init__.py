from bot.app import Bot

from .cog import OfflineCog


async def setup(bot: Bot) -> None:
    await bot.add_cog(OfflineCog(bot))
