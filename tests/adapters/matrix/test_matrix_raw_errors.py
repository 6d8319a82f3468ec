"""A homeserver error on a request logoff makes itself (the relations read at reconcile, the
key query, a room's encryption state) is a platform error as one through nio is: it moves
logoff_platform_errors_total ("Running at scale"). A 404 M_NOT_FOUND for a state the room does
not have is an answer, not an error. The homeserver here is a small HTTP server answering as a
homeserver in trouble does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from adapters.matrix import relations
from adapters.matrix.client import MatrixError, Transport
from adapters.matrix.config import MatrixConfig

ME = "@logoff:hs.example"
ROOM = "!r:hs.example"


class Homeserver:
    """Answers every request whose path holds a key of `answers` with its (status, body)s in
    turn (the last one again once they run out); anything else 404 M_UNRECOGNIZED."""

    def __init__(self) -> None:
        self.answers: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self.asked: list[str] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.asked.append(request.path)
        for part, answers in self.answers.items():
            if part in request.path:
                status, body = answers.pop(0) if len(answers) > 1 else answers[0]
                return web.json_response(body, status=status)
        return web.json_response({"errcode": "M_UNRECOGNIZED"}, status=404)


@pytest.fixture
async def homeserver() -> AsyncIterator[tuple[Homeserver, Transport, list[str]]]:
    hs = Homeserver()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", hs.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    transport = Transport(MatrixConfig(f"http://127.0.0.1:{port}", ME, access_token_env="MT"),
                          max_retries=2)
    counted: list[str] = []
    transport.on_error = counted.append
    try:
        yield hs, transport, counted
    finally:
        await transport.close()
        await runner.cleanup()


async def test_a_500_on_the_relations_read_is_counted(homeserver) -> None:  # type: ignore[no-untyped-def]
    hs, transport, counted = homeserver
    hs.answers["/relations/"] = [(500, {"errcode": "M_UNKNOWN", "error": "Internal server error"})]
    with pytest.raises(MatrixError, match="500 M_UNKNOWN"):
        await relations.related_events(transport, ROOM, "$e", "m.annotation")
    assert counted == ["M_UNKNOWN"]


async def test_a_500_without_a_matrix_body_is_counted_by_its_status(homeserver) -> None:  # type: ignore[no-untyped-def]
    hs, transport, counted = homeserver
    hs.answers["/keys/query"] = [(502, {})]  # a proxy in front of the homeserver
    status, _ = await transport.post_json("/_matrix/client/v3/keys/query", {"device_keys": {ME: []}})
    assert status == 502 and counted == ["502"]


async def test_rate_limiting_is_counted_once_when_the_retries_run_out(homeserver) -> None:  # type: ignore[no-untyped-def]
    hs, transport, counted = homeserver
    limited = (429, {"errcode": "M_LIMIT_EXCEEDED", "retry_after_ms": 0})
    hs.answers["/relations/"] = [limited]
    with pytest.raises(MatrixError, match="429"):
        await relations.related_events(transport, ROOM, "$e", "m.annotation")
    assert len(hs.asked) == 3 and counted == ["M_LIMIT_EXCEEDED"]
    # Let through on a retry: no error reached the caller, none is counted.
    hs.asked.clear()
    hs.answers["/relations/"] = [limited, (200, {"chunk": []})]
    assert await relations.related_events(transport, ROOM, "$e", "m.annotation") == []
    assert len(hs.asked) == 2 and counted == ["M_LIMIT_EXCEEDED"]


async def test_a_room_without_encryption_state_is_an_answer_not_an_error(homeserver) -> None:  # type: ignore[no-untyped-def]
    """A room nio has not seen in a sync: whether it is encrypted is asked of the homeserver
    before posting (with no key store, a post in the clear must not go to an encrypted room)."""
    hs, transport, counted = homeserver
    transport.client.access_token = "token"  # as after login, which is not what this is about
    hs.answers["/state/m.room.encryption"] = [(404, {"errcode": "M_NOT_FOUND", "error": "Event not found."})]
    hs.answers["/send/m.room.message/"] = [(200, {"event_id": "$posted"})]
    text = {"msgtype": "m.text", "body": "hi"}
    assert await transport.send_event(ROOM, "m.room.message", text, "t1") == "$posted"
    assert counted == []
    hs.answers["/state/m.room.encryption"] = [(503, {"errcode": "M_UNKNOWN"})]
    with pytest.raises(MatrixError, match="could not tell whether"):
        await transport.send_event(ROOM, "m.room.message", text, "t2")
    assert counted == ["M_UNKNOWN"]
