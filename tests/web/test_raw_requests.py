"""Requests no browser sends, written byte by byte on a socket: what aiohttp answers by itself
(it cannot parse them) must be as bare as the app's own answers and carry the same headers."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest

HOSTILE = b"<script>alert(1)</script>"


async def raw(base: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    where = urlsplit(base)
    reader, writer = await asyncio.open_connection(where.hostname, where.port)
    writer.write(request)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize("request_bytes", [
    b"GET /e/" + b"A" * 9000 + HOSTILE + b" HTTP/1.1\r\nHost: x\r\n\r\n",  # request line too long
    b"GET /e/\x01" + HOSTILE + b" HTTP/1.1\r\nHost: x\r\n\r\n",  # a control byte in the path
    b"GET /e/x HTTP/1.1\r\nHost: x\r\nX-A: " + HOSTILE * 400 + b"\r\n\r\n",  # a header too long
    HOSTILE + b"\r\n\r\n",  # not HTTP at all
    b"GET /e/x HTTP/1.1\r\nHost: x\r\nContent-Length: " + HOSTILE + b"\r\n\r\n",
], ids=["long-path", "control-byte", "long-header", "not-http", "bad-length"])
async def test_unparseable_requests_get_a_bare_answer_with_our_headers(web: str, request_bytes: bytes) -> None:
    status, headers, body = await raw(web, request_bytes)
    assert status == 400
    assert body == b"400 Bad Request\n"  # nothing of the request quoted back
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


async def test_the_server_still_answers_after_a_bad_request(web: str) -> None:
    await raw(web, b"GET /e/\x01 HTTP/1.1\r\nHost: x\r\n\r\n")
    status, headers, body = await raw(web, b"GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status == 404 and body == b"404 Not Found\n" and headers["x-content-type-options"] == "nosniff"
