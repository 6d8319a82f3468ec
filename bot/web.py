"""The web part's host: one aiohttp server on `[web] listen` that features add pages to (the
events feature: calendar feed and event pages). Off unless configured (or `logoff try --web`).

Every answer carries a strict Content-Security-Policy (no external anything; inline styles and
scripts only by their hash, which each page passes), no referrer, no sniffing; GET and HEAD
only, everything else 405; anything not routed 404.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def csp_hash(source: str) -> str:
    """The CSP source expression allowing exactly this inline script or style."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


@dataclass(frozen=True, slots=True)
class WebConfig:
    host: str
    port: int
    public_url: str  # how people reach it, without a trailing slash


class WebHost:
    def __init__(self) -> None:
        self.config: WebConfig | None = None
        self._routes: list[tuple[str, Handler]] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def enabled(self) -> bool:
        return self.config is not None

    def url(self, path: str) -> str | None:
        """The public address of a path, or None when the web part is off."""
        return None if self.config is None else self.config.public_url + path

    def add_get(self, path: str, handler: Handler) -> None:
        self._routes.append((path, handler))

    def app(self) -> web.Application:
        app = web.Application(middlewares=[_headers])
        for path, handler in self._routes:
            app.router.add_get(path, handler)
        return app

    async def start(self, config: WebConfig) -> None:
        self.config = config
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, config.host, config.port).start()
        self.port = int(self._runner.addresses[0][1]) if config.port == 0 else config.port
        if config.port == 0:  # an ephemeral port (tests): the public address follows it
            self.config = WebConfig(config.host, self.port,
                                    config.public_url.replace(":0", f":{self.port}", 1))
        log.info("web pages on http://%s:%s (public address %s)", config.host, self.port,
                 self.config.public_url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


@web.middleware
async def _headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as e:
        # Nothing about what was asked goes back: a bare status line.
        response = web.Response(status=e.status, text=f"{e.status} {e.reason}\n")
        if "Allow" in e.headers:
            response.headers["Allow"] = e.headers["Allow"]
    response.headers.setdefault("Content-Security-Policy", "default-src 'none'; base-uri 'none'; "
                                "form-action 'none'; frame-ancestors 'none'")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response
