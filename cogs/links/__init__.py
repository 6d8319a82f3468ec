from bot.cog import CogHost

from .cog import LinksCog


async def setup(bot: CogHost) -> None:
    await bot.add_cog(LinksCog(bot))
