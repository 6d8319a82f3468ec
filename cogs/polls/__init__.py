from bot.app import Bot

from .cog import PollsCog


async def setup(bot: Bot) -> None:
    await bot.add_cog(PollsCog(bot))
