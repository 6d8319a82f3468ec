from bot.cog import CogHost

from .cog import AdminCog


async def setup(bot: CogHost) -> None:
    await bot.add_cog(AdminCog(bot))
