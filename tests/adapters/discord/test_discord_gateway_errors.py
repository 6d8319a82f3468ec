"""Platform errors (PRODUCT.md "Running at scale": `[metrics] listen` serves platform errors):
a gateway connection the platform drops is counted beside the REST errors, and a stop of our
own is not."""

from __future__ import annotations

from tests.discord_fake.harness import Harness, World


async def test_a_dropped_gateway_connection_is_counted(harness: Harness, world: World) -> None:
    bot, adapter = await harness.start(("cogs.admin",))
    fake = world.fake

    def dropped() -> float:
        return bot.metrics.registry.get_sample_value(
            "logoff_platform_errors_total", {"platform": "discord", "code": "gateway_disconnect"}) or 0.0

    assert dropped() == 0
    await fake.drop_connections(4000)
    await fake.wait_for(lambda: len(fake.resumes) == 1, what="RESUME")
    await fake.wait_for(adapter.connected, what="connected again")
    assert dropped() == 1
    await adapter.stop()
    assert dropped() == 1
