"""Webhook targets checked against the SSRF policy: the URL parsed (httpx's parser, as the
sender reads it) and its host resolved (the resolver is passed in), the rules being
`domain/ssrf.py`'s. Checked when a subscription is given its URL and again before every send;
`Target.addresses` lets the sender connect to an address that passed (`webhook.send`), so a DNS
answer that changes between the check and the connection cannot slip through."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Sequence

import httpx

from servicekit.messages import Msg
from services.notify.domain.ssrf import (
    Target,
    TargetPolicy,
    UnsafeUrl,
    UrlParts,
    check_length,
    check_parts,
    check_resolved,
    needs_resolution,
    unresolved,
)

Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""(host, port) -> the addresses it resolves to, as text."""


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def check_syntax(url: str) -> Target:
    """Checks that need no resolution; a literal IP host is returned in `addresses`."""
    check_length(url)
    try:
        parsed = httpx.URL(url)
        port = parsed.port
    except (httpx.InvalidURL, ValueError) as e:
        raise UnsafeUrl(Msg("the URL is not valid: {e}", e=e), "url") from None
    host = parsed.raw_host.decode("ascii")
    return check_parts(
        UrlParts(str(parsed), parsed.scheme, parsed.userinfo.decode("ascii", "replace"), host, port)
    )


async def check_url(url: str, policy: TargetPolicy, resolver: Resolver = system_resolver) -> Target:
    target = check_syntax(url)
    if not needs_resolution(target, policy):
        return target
    try:
        answers = await resolver(target.host, target.port)
    except (OSError, UnicodeError) as e:
        raise unresolved(target, e) from None
    return check_resolved(target, answers, policy)
