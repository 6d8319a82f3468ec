"""The web part's host: one aiohttp server on `[web] listen` that features add pages to (the
events feature: calendar feed and event pages). Off unless configured (or `logoff try --web`).

Every answer carries a strict Content-Security-Policy (no external anything; inline styles and
scripts only by their hash, which each page passes), no referrer, no sniffing; GET and HEAD
only, everything else 405; anything not routed 404. That holds for aiohttp's own answers too
(a request it cannot parse, a handler that raised): they are as bare as ours.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus
from typing import Any

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
        self._runner = _Runner(self.app(), access_log=None)
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


def _bare(status: int) -> web.Response:
    """Nothing about what was asked goes back: a bare status line."""
    return web.Response(status=status, text=f"{status} {HTTPStatus(status).phrase}\n")


def _secured(response: web.StreamResponse) -> web.StreamResponse:
    response.headers.setdefault("Content-Security-Policy", "default-src 'none'; base-uri 'none'; "
                                "form-action 'none'; frame-ancestors 'none'")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@web.middleware
async def _headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as e:
        response = _bare(e.status)
        if "Allow" in e.headers:
            response.headers["Allow"] = e.headers["Allow"]
    return _secured(response)


class _Protocol(web.RequestHandler):
    """A connection. What aiohttp answers by itself, below the middleware (a request line or
    header it cannot parse or finds too long, a handler that raised), would quote the request
    back and lack the headers above."""

    def handle_error(self, request: web.BaseRequest, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        if status >= 500:
            super().handle_error(request, status, exc, "")  # logs it; refuses once an answer has begun
        else:  # the sender's mistake (before any handler ran): not an error of ours to log loudly
            log.debug("unreadable request answered %s: %s", status, type(exc).__name__)
        response = _bare(status)
        response.force_close()
        return _secured(response)


class _Server(web.Server):
    def __init__(self, made: web.Server, loop: asyncio.AbstractEventLoop, **kwargs: Any) -> None:
        super().__init__(made.request_handler, request_factory=made.request_factory, loop=loop, **kwargs)
        self._connection = partial(_Protocol, self, loop=loop, **kwargs)

    def __call__(self) -> web.RequestHandler:
        return self._connection()


class _Runner(web.AppRunner):
    """The app's runner, serving each connection with `_Protocol`: `_make_server` is where
    aiohttp's runners say which server they run."""

    async def _make_server(self) -> web.Server:
        made = await super()._make_server()  # starts the app, routes frozen
        return _Server(made, asyncio.get_running_loop(), access_log=None)
