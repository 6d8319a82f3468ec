from bot.app import Bot

from .cog import AdminCog


async def setup(bot: Bot) -> None:
    await bot.add_cog(AdminCog(bot))
