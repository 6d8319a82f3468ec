"""A pass-through proxy in front of the test Synapse that can answer chosen requests with
the homeserver's own kind of failure (a 500 with a Matrix error body, or a 429
M_LIMIT_EXCEEDED with `retry_after_ms`), as a homeserver in trouble does, or hold them until
the test lets them through (a slow homeserver, without timing anything), or let them take
effect and answer a 500 (the answer lost, as to a bot that crashed before it came), or let
them take effect only in part (a field of their body left out, as a part of the request
that failed on the homeserver); everything else reaches Synapse unchanged."""

from __future__ import annotations

import asyncio
import json
import re

import aiohttp
from aiohttp import web

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host"}


class FaultyProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.failing: list[tuple[str, re.Pattern[str]]] = []
        self.failed: list[str] = []
        self.refusing: list[tuple[str, re.Pattern[str], int, str]] = []  # answered once each
        self.losing: list[tuple[str, re.Pattern[str], int, str]] = []
        self.lost: list[str] = []  # requests that took effect and had their answer lost
        self.stripping: list[tuple[str, re.Pattern[str], str]] = []  # applied once each
        self.holding: list[tuple[str, re.Pattern[str]]] = []
        self.held: list[str] = []  # requests held so far (each goes on once released)
        self._release = asyncio.Event()
        self.limiting: list[tuple[str, re.Pattern[str], int]] = []  # (method, path, retry_after_ms)
        self.limited: list[str] = []
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail(self, method: str, path_pattern: str) -> None:
        """Requests matching answer 500 M_UNKNOWN until `heal()`."""
        self.failing.append((method, re.compile(path_pattern)))

    def refuse(self, method: str, path_pattern: str, status: int, errcode: str) -> None:
        """The next request matching answers `status` with `errcode`, as Synapse refuses one."""
        self.refusing.append((method, re.compile(path_pattern), status, errcode))

    def lose(self, method: str, path_pattern: str, status: int = 500, errcode: str = "M_UNKNOWN") -> None:
        """Requests matching reach Synapse, and answer 500 M_UNKNOWN (or `status` with
        `errcode`, as Synapse answers a createRoom whose invite was refused) instead of its
        answer, until `heal()`."""
        self.losing.append((method, re.compile(path_pattern), status, errcode))

    def strip(self, method: str, path_pattern: str, field: str) -> None:
        """The next request matching reaches Synapse without `field` in its JSON body: the
        part of it that field asks for did not happen (with `lose`, the homeserver did the
        rest and then failed, as Synapse does when an invite inside createRoom fails)."""
        self.stripping.append((method, re.compile(path_pattern), field))

    def heal(self) -> None:
        self.failing.clear()
        self.losing.clear()

    def hold(self, method: str, path_pattern: str) -> None:
        """Requests matching wait (unanswered) until `release()`."""
        self._release.clear()
        self.holding.append((method, re.compile(path_pattern)))

    def release(self) -> None:
        self.holding.clear()
        self._release.set()

    def limit(self, method: str, path_pattern: str, *, times: int, retry_after_ms: int) -> None:
        """The next `times` requests matching answer 429 M_LIMIT_EXCEEDED."""
        self.limiting += [(method, re.compile(path_pattern), retry_after_ms)] * times

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        for i, (m, p, wait_ms) in enumerate(self.limiting):
            if m == request.method and p.search(request.path):
                del self.limiting[i]
                self.limited.append(f"{request.method} {request.path}")
                return web.json_response({"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests",
                                          "retry_after_ms": wait_ms}, status=429)
        if any(m == request.method and p.search(request.path) for m, p in self.holding):
            self.held.append(f"{request.method} {request.path}")
            await self._release.wait()
        for i, (m, p, status, errcode) in enumerate(self.refusing):
            if m == request.method and p.search(request.path):
                del self.refusing[i]
                self.failed.append(f"{request.method} {request.path}")
                return web.json_response({"errcode": errcode, "error": "Refused"}, status=status)
        if any(m == request.method and p.search(request.path) for m, p in self.failing):
            self.failed.append(f"{request.method} {request.path}")
            return web.json_response({"errcode": "M_UNKNOWN", "error": "Internal server error"}, status=500)
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        data = await request.read()
        for i, (m, p, field) in enumerate(self.stripping):
            if m == request.method and p.search(request.path):
                del self.stripping[i]
                body = json.loads(data)
                body.pop(field, None)
                data = json.dumps(body).encode()
                break
        async with self._session.request(request.method, self.upstream + request.raw_path,
                                         data=data, headers=headers) as up:
            body = await up.read()
            for m, p, status, errcode in self.losing:
                if m == request.method and p.search(request.path):
                    self.lost.append(f"{request.method} {request.path} -> {up.status}")
                    return web.json_response({"errcode": errcode, "error": "Refused" if status < 500
                                              else "Internal server error"}, status=status)
            out = {k: v for k, v in up.headers.items() if k.lower() not in HOP_BY_HOP}
            return web.Response(body=body, status=up.status, headers=out)
