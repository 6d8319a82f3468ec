"""The operator's window: Prometheus text at /metrics and a health verdict at /healthz, on
the address of `[metrics] listen` (aiohttp; off when the section is absent).

/healthz answers 200 only when every platform is connected and the database answers a query;
otherwise 503, with what is down in the JSON body. GET and HEAD only.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

if TYPE_CHECKING:
    from .app import Bot

log = logging.getLogger(__name__)
DB_TIMEOUT_S = 2.0


async def health(bot: Bot) -> dict[str, Any]:
    platforms = {}
    for name, adapter in bot.adapters.items():
        up = bool(adapter.connected())
        platforms[name] = up
        bot.metrics.connected.labels(name).set(1.0 if up else 0.0)
    try:
        await asyncio.wait_for(bot.db.fetchone("SELECT 1"), DB_TIMEOUT_S)
        database = True
    except Exception as e:  # noqa: BLE001 - any failure means "does not answer"
        log.warning("health: the database does not answer: %s", e)
        database = False
    return {"ok": database and all(platforms.values()), "database": database,
            "platforms": platforms}


class HealthServer:
    def __init__(self, bot: Bot, host: str, port: int) -> None:
        self.bot, self.host, self.port = bot, host, port
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        app = web.Application()
        # aiohttp answers HEAD for a GET route by itself; every other method gets 405.
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._healthz)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:  # an ephemeral port (tests): learn which one
            self.port = int(self._runner.addresses[0][1])
        log.info("metrics and /healthz on http://%s:%s", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _metrics(self, request: web.Request) -> web.Response:
        await health(self.bot)  # refresh the connected gauges
        self.bot.metrics.card_edit_queue.set(self.bot.cards.pending)
        body = generate_latest(self.bot.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _healthz(self, request: web.Request) -> web.Response:
        verdict = await health(self.bot)
        return web.json_response(verdict, status=200 if verdict["ok"] else 503)
