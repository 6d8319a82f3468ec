"""A loopback TCP proxy in front of a real PostgreSQL that can break a connection at its COMMIT,
the way a network cut or a crashed router does. It reads the client's side of the wire protocol
(startup, then typed messages) and passes everything through, except one armed COMMIT:

- "after": the COMMIT reaches the server, which answers; the client is cut off before it hears
  the answer. The transaction committed, and the client cannot know.
- "before": both sides are closed instead of passing the COMMIT on. The server rolls back.
- "silent": the client is cut off and the COMMIT is never passed on, but the server's side stays
  open, as in a cut that sends no close. The server still holds the transaction open.

`refuse` turns new connections away (the server unreachable); `stall` lets new connections
log in and then passes none of their queries on (a server that hangs)."""

from __future__ import annotations

import asyncio
import contextlib
import struct
from typing import Literal

Mode = Literal["after", "before", "silent"]
_SSL_REQUEST = 80877103
_GSS_REQUEST = 80877104


class CommitCutter:
    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self.armed: Mode | None = None
        self.refuse = False
        self.stall = False
        self.cuts = 0
        self.port = 0
        self._server: asyncio.base_events.Server | None = None
        self._held: list[asyncio.StreamWriter] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._readers: dict[asyncio.StreamWriter, asyncio.StreamReader] = {}

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for w in self._held:
            w.close()
        for t in list(self._tasks):
            t.cancel()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        if self.refuse:
            client_w.close()
            return
        try:
            server_r, server_w = await asyncio.open_connection(*self._target)
        except OSError:
            client_w.close()
            return
        back = asyncio.create_task(self._pipe(server_r, client_w))
        self._readers[server_w] = server_r
        self._tasks.add(back)
        back.add_done_callback(self._tasks.discard)
        try:
            await self._client_side(client_r, client_w, server_w, back)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            if server_w not in self._held:
                server_w.close()
            client_w.close()

    async def _client_side(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter,
                           server_w: asyncio.StreamWriter, back: asyncio.Task[None]) -> None:
        started = False
        stalled = self.stall
        while True:
            if not started:  # untyped: SSL or GSS request, then the startup message
                head = await client_r.readexactly(4)
                (length,) = struct.unpack("!i", head)
                body = await client_r.readexactly(length - 4)
                server_w.write(head + body)
                code = struct.unpack("!i", body[:4])[0]
                started = code not in (_SSL_REQUEST, _GSS_REQUEST)
                continue
            head = await client_r.readexactly(5)
            (length,) = struct.unpack("!i", head[1:])
            body = await client_r.readexactly(length - 4)
            if stalled and head[:1] != b"p":  # past the password, nothing more reaches it
                continue
            if head[:1] == b"Q" and body.rstrip(b"\0").strip() == b"COMMIT" and self.armed:
                mode, self.armed = self.armed, None
                self.cuts += 1
                await self._cut(mode, head + body, client_w, server_w, back)
                return
            server_w.write(head + body)
            await server_w.drain()

    async def _cut(self, mode: Mode, commit: bytes, client_w: asyncio.StreamWriter,
                   server_w: asyncio.StreamWriter, back: asyncio.Task[None]) -> None:
        back.cancel()  # the client hears nothing more
        with contextlib.suppress(asyncio.CancelledError):
            await back
        if mode == "after":  # the server has committed before the client is cut off
            server_w.write(commit)
            await server_w.drain()
            server_r = self._readers[server_w]
            while True:
                kind = await server_r.readexactly(1)
                (length,) = struct.unpack("!i", await server_r.readexactly(4))
                await server_r.readexactly(length - 4)
                if kind == b"Z":  # ready for the next query: the COMMIT is done
                    break
        elif mode == "silent":
            self._held.append(server_w)
        client_w.transport.abort()

    @staticmethod
    async def _pipe(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        try:
            while data := await r.read(65536):
                w.write(data)
                await w.drain()
        except (ConnectionError, OSError):
            pass
        w.close()  # not when cancelled: a cut decides how the client hears of it
