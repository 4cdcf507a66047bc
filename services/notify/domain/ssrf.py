"""Which webhook targets notify may call, so that a subscription cannot turn notify into a proxy
into the province's own network (server-side request forgery).

Always: the scheme is http or https, there is a host, no user:password part, a valid port.
In production mode also: every address the host stands for is public. Refused are loopback,
private (RFC 1918, unique local fc00::/7), link-local (169.254/16 with the cloud metadata
endpoint, fe80::/10), multicast, reserved, unspecified and anything else not globally
routable (e.g. 100.64/10), IPv4 addresses hidden in IPv6 (::ffff:a.b.c.d, 6to4, NAT64, Teredo)
included. Numeric hosts other than dotted quads ("2130706433", "127.1", "0x7f.0.0.1") are
refused in every mode: resolvers read them as IPv4 addresses in ways that differ.

The decisions here are pure: over a URL's parts and over the addresses its host resolved to.
Parsing the URL and resolving the host are `adapters/targets.py`'s (`check_url`), which feeds
them in; a host name with one private address among public ones is refused.

The allowlist (networks, host names) exempts targets in production mode: tests deliver to
127.0.0.1 with `TargetPolicy(allowed_networks=(ip_network("127.0.0.0/8"),))`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from servicekit.errors import Invalid
from servicekit.messages import Msg

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Reason = Literal["url", "scheme", "host", "address", "resolution"]

MAX_URL_LENGTH = 2048
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+))*\.?$", re.I)


class UnsafeUrl(Invalid):
    """The text says what is wrong, for a 4xx answer; `reason` classifies it (a "resolution"
    failure at send time is worth retrying, the others are not)."""

    def __init__(self, message: str, reason: Reason) -> None:
        super().__init__(message, code=f"unsafe_url.{reason}")
        self.reason = reason


@dataclass(frozen=True)
class TargetPolicy:
    production: bool = True
    allowed_networks: tuple[IPNetwork, ...] = ()
    allowed_hosts: frozenset[str] = frozenset()
    """Lower-case host names exempt from the address checks."""


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    """ASCII (IDNA) form, without a trailing dot."""
    port: int
    addresses: tuple[IPAddress, ...]
    """Addresses that passed; empty when not resolved (development mode)."""


@dataclass(frozen=True)
class UrlParts:
    """A URL as a parser read it (`adapters/targets.py`), before any rule is applied."""

    url: str
    """The parser's normal form of the whole URL."""
    scheme: str
    userinfo: str
    host: str
    """ASCII (IDNA) form, as written but for the case."""
    port: int | None
    """As written; None when the URL gives none."""


def check_length(url: str) -> None:
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl(
            Msg("the URL is longer than {limit} characters", limit=MAX_URL_LENGTH),
            "url",
        )


def check_parts(parts: UrlParts) -> Target:
    """Checks that need no resolution; a literal IP host is returned in `addresses`."""
    if parts.scheme not in ("http", "https"):
        shown = parts.scheme or "(none)"
        raise UnsafeUrl(
            Msg("the URL scheme must be http or https, not {shown}", shown=shown), "scheme"
        )
    if parts.userinfo:
        raise UnsafeUrl("the URL must not contain a user name or password", "url")
    host = parts.host.lower().rstrip(".")
    if not host:
        raise UnsafeUrl("the URL has no host", "host")
    literal = _literal_ip(host)
    if literal is None and _NUMERIC_HOST.match(host):
        raise UnsafeUrl(
            Msg(
                "the host {host!r} is a numeric address that is not a dotted-quad IPv4 address",
                host=host,
            ),
            "host",
        )
    port = parts.port
    if port is not None and not 0 < port < 65536:
        raise UnsafeUrl(Msg("the port {port} is out of range", port=port), "url")
    default_port = 443 if parts.scheme == "https" else 80
    return Target(
        url=parts.url,
        scheme=parts.scheme,
        host=host,
        port=port if port is not None else default_port,
        addresses=(literal,) if literal is not None else (),
    )


def needs_resolution(target: Target, policy: TargetPolicy) -> bool:
    """Whether the host's addresses must be looked up and judged (`check_resolved`): in
    production, for a host name. A literal address is judged here; a loopback name is refused
    before any lookup."""
    if not policy.production:
        return False
    if target.addresses:  # a literal IP
        _check_address(target.addresses[0], policy, host=None)
        return False
    exempt = target.host in policy.allowed_hosts
    if not exempt and (target.host == "localhost" or target.host.endswith(".localhost")):
        raise UnsafeUrl(Msg("the host {host!r} is a loopback name", host=target.host), "host")
    return True


def unresolved(target: Target, error: Exception) -> UnsafeUrl:
    """The host name could not be looked up (worth trying again at send time)."""
    return UnsafeUrl(
        Msg("the host {host!r} does not resolve: {error}", host=target.host, error=error),
        "resolution",
    )


def check_resolved(target: Target, answers: Sequence[str], policy: TargetPolicy) -> Target:
    """The target with the addresses its host resolved to, if every one of them may be called."""
    exempt = target.host in policy.allowed_hosts
    addresses = []
    for text in dict.fromkeys(answers):
        ip = ipaddress.ip_address(text)
        if not exempt:
            _check_address(ip, policy, target.host)
        addresses.append(ip)
    if not addresses:
        raise UnsafeUrl(Msg("the host {host!r} has no address", host=target.host), "resolution")
    return Target(target.url, target.scheme, target.host, target.port, tuple(addresses))


def address_problem(ip: IPAddress) -> str | None:
    """Why the address may not be a webhook target, or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            problem = address_problem(embedded)
            return f"embeds {embedded}, which {problem}" if problem else None
    checks = (
        (ip.is_unspecified, "is the unspecified address"),
        (ip.is_loopback, "is a loopback address"),
        (ip.is_link_local, "is a link-local address"),
        (ip.is_multicast, "is a multicast address"),
        (ip.is_reserved, "is a reserved address"),  # before private, which includes 240/4
        (ip.is_private, "is a private address"),
        (not ip.is_global, "is not a public address"),
    )
    for hit, text in checks:
        if hit:
            return text
    return None


def _check_address(ip: IPAddress, policy: TargetPolicy, host: str | None) -> None:
    """`host` is the name that resolved to `ip`, None when the URL gave the address itself."""
    if any(ip in net for net in policy.allowed_networks):
        return
    problem = address_problem(ip)
    if problem is None:
        return
    if host is None:  # the caller wrote the address: naming it tells them nothing new
        raise UnsafeUrl(Msg("the address {ip} {problem}", ip=ip, problem=problem), "address")
    # Never echo what a name resolved to: the answer would map the province's inner network
    # for whoever registers names pointing into it.
    if problem.startswith("embeds "):
        problem = "embeds an IPv4 address that " + problem.split(", which ", 1)[1]
    raise UnsafeUrl(
        Msg("the host {host!r} resolves to an address that {problem}", host=host, problem=problem),
        "address",
    )


def _literal_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    # Python 3.11 judges ::ffff:127.0.0.1 as an IPv6 address (not loopback): unwrap it first.
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None
