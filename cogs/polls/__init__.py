from bot.cog import CogHost

from .cog import PollsCog


async def setup(bot: CogHost) -> None:
    await bot.add_cog(PollsCog(bot))
