from bot.app import Bot

from .cog import EventsCog


async def setup(bot: Bot) -> None:
    await bot.add_cog(EventsCog(bot))
