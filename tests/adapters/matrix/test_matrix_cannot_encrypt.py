"""Into an encrypted room, a bot with no key store can post nothing however often it tries: that is
a refusal with a sentence for moderators (a post is not tried again, a DM room is given up), not a
failure "this time". The homeserver's side: test_matrix_e2ee_keystore.py."""

from __future__ import annotations

import pytest
from nio.rooms import MatrixRoom

from adapters.matrix.client import MatrixError, Transport
from adapters.matrix.config import MatrixConfig
from bot.adapter import DeliveryRefused

ME = "@logoff:example.org"
ROOM = "!secret:example.org"


async def test_a_post_into_an_encrypted_room_without_a_key_store_is_refused() -> None:
    transport = Transport(MatrixConfig("http://localhost:1", ME))
    assert transport.client.olm is None  # no key store
    room = transport.client.rooms[ROOM] = MatrixRoom(ROOM, ME)
    room.encrypted = True
    with pytest.raises(DeliveryRefused, match="the room is encrypted") as caught:
        await transport.send_event(ROOM, "m.room.message", {"msgtype": "m.text", "body": "hi"}, None)
    assert isinstance(caught.value, MatrixError) and caught.value.refused
    await transport.client.close()
