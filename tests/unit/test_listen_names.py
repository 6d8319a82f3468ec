"""Which `listen` addresses would take one socket, decided when the config is read
(bot/listen.py): without asking a resolver, which may take seconds to answer or none at all,
and with an IPv4-mapped IPv6 address counted as the IPv4 address it is."""

from __future__ import annotations

import socket
import tomllib

import pytest

from bot.config import ConfigError, parse
from bot.listen import same_socket


def test_reading_the_config_asks_no_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[object] = []

    def resolver(*args: object, **kwargs: object) -> list[object]:
        asked.append(args[0])
        raise socket.gaierror(-3, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    config = parse(tomllib.loads('[metrics]\nlisten = "127.0.0.1:8080"\n[web]\nlisten = "meetups.internal:8080"\n'
                                 'public_url = "https://meetups.example.org"\n'))
    assert config.web is not None and config.web.host == "meetups.internal"
    # localhost is known without asking: the clash with its address is still refused.
    with pytest.raises(ConfigError, match="localhost is 127.0.0.1"):
        parse(tomllib.loads('[metrics]\nlisten = "localhost:8080"\n[web]\nlisten = "127.0.0.1:8080"\n'))
    assert asked == []


@pytest.mark.parametrize("a, b", [("127.0.0.1", "::ffff:127.0.0.1"), ("0.0.0.0", "::ffff:10.0.0.1"),
                                  ("::ffff:0.0.0.0", "127.0.0.1"), ("localhost", "::ffff:127.0.0.1")])
def test_an_ipv4_mapped_address_is_the_ipv4_address_it_maps(a: str, b: str) -> None:
    assert same_socket((a, 8080), (b, 8080)) and same_socket((b, 8080), (a, 8080))
    assert not same_socket(("127.0.0.2", 8080), ("::ffff:127.0.0.1", 8080))
