"""Where the web part and the metrics listen: whether two `listen` addresses would take one
socket, which `check-config` refuses before anything starts (else the second bind fails in
`run`), and how such an address is written."""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def address(host: str, port: int) -> str:
    """host:port as it is written (an IPv6 address in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _addresses(host: str) -> set[IPAddress]:
    """The addresses a listener on `host` binds: a literal as it is, `localhost` as 127.0.0.1
    and ::1 (as aiohttp binds it); every address (an empty host, `*`) as `::`. Any other name
    is not looked up: reading the config must not wait on a resolver that may take seconds to
    answer, so its addresses are not known here (a clash is then said by `run`'s bind)."""
    if host in ("", "*"):
        return {ipaddress.ip_address("::")}
    try:
        return {ipaddress.ip_address(host.partition("%")[0])}
    except ValueError:
        pass
    if host.lower().rstrip(".") == "localhost":
        return {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")}
    return set()


def _overlap(a: IPAddress, b: IPAddress) -> bool:
    """Would binding `b` fail where `a` is bound, on one port? IPv4 and IPv6 are separate:
    0.0.0.0 takes every IPv4 address, not ::1; `::` takes both (Linux binds it dual-stack),
    and an IPv4-mapped address (::ffff:127.0.0.1) is the IPv4 address it maps."""
    a, b = _unmapped(a), _unmapped(b)
    if a == b or any(x.version == 6 and x.is_unspecified for x in (a, b)):
        return True
    return a.version == b.version == 4 and (a.is_unspecified or b.is_unspecified)


def _unmapped(x: IPAddress) -> IPAddress:
    mapped = x.ipv4_mapped if isinstance(x, ipaddress.IPv6Address) else None
    return mapped if mapped is not None else x


def same_socket(a: tuple[str, int], b: tuple[str, int]) -> bool:
    """Would the second bind fail on the first one's port? (Port 0 is a new port each time.)"""
    if a[1] != b[1] or a[1] == 0:
        return False
    if a[0].lower() == b[0].lower():
        return True
    return any(_overlap(x, y) for x in _addresses(a[0]) for y in _addresses(b[0]))


def clash(web: tuple[str, int], metrics: tuple[str, int]) -> str:
    if web[0].lower() == metrics[0].lower():
        return f"[web] listen and [metrics] listen are both {address(*web)}"
    both = f"[web] listen {address(*web)} and [metrics] listen {address(*metrics)} take the same port"
    wide = next((h for h in ("", "*", "::", "0.0.0.0") if h in (web[0], metrics[0])), None)
    if wide is not None:
        return f"{both} ({address(wide, web[1])} is every address{'' if wide == '0.0.0.0' else ', IPv4 and IPv6'})"
    # Two ways of writing one address: say which address the name is.
    named = next((h for h in (web[0], metrics[0]) if not _literal(h)), web[0])
    other = metrics[0] if named == web[0] else web[0]
    shared = sorted(str(x) for x in _addresses(named) if any(_overlap(x, y) for y in _addresses(other)))
    return f"{both} ({named} is {' and '.join(shared)} on this machine)"


def _literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        return False
    return True
