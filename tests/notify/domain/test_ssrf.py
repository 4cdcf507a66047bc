"""Webhook target validation (SSRF guard), with a fake resolver."""

from __future__ import annotations

import ipaddress

import pytest

from services.notify.adapters.targets import check_syntax, check_url
from services.notify.domain.ssrf import TargetPolicy, UnsafeUrl, address_problem

PRODUCTION = TargetPolicy()
DNS = {
    "hooks.example.vn": ["203.113.131.1", "2001:ee0:100::1"],
    "intranet.example.vn": ["10.20.30.40"],
    "mixed.example.vn": ["203.113.131.1", "192.168.1.10"],
    "rebind.example.vn": ["::ffff:127.0.0.1"],
    "metadata.example.vn": ["169.254.169.254"],
}


async def fake_resolver(host: str, port: int) -> list[str]:
    try:
        return DNS[host]
    except KeyError:
        raise OSError(f"[Errno -2] Name or service not known: {host}") from None


async def refused(url: str, policy: TargetPolicy = PRODUCTION) -> UnsafeUrl:
    with pytest.raises(UnsafeUrl) as info:
        await check_url(url, policy, fake_resolver)
    return info.value


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://127.0.0.1/hook", "127.0.0.1 is a loopback address"),
        ("http://127.8.9.10:8080/", "is a loopback address"),
        ("http://10.1.2.3/", "10.1.2.3 is a private address"),
        ("https://172.16.0.5/", "172.16.0.5 is a private address"),
        ("http://172.31.255.255/", "is a private address"),
        ("http://192.168.1.1/", "192.168.1.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254 is a link-local address"),
        ("http://0.0.0.0/", "0.0.0.0 is the unspecified address"),
        ("http://224.0.0.251/", "is a multicast address"),
        ("http://240.0.0.1/", "is a reserved address"),
        ("http://100.64.1.1/", "100.64.1.1 is not a public address"),
        ("http://[::1]/", "::1 is a loopback address"),
        ("http://[::]/", "is the unspecified address"),
        ("http://[fc00::1]/", "fc00::1 is a private address"),
        ("http://[fd12:3456:789a::1]/", "is a private address"),
        ("http://[fe80::1]/", "is a link-local address"),
        ("http://[ff02::1]/", "is a multicast address"),
        ("http://[::ffff:127.0.0.1]/", "embeds 127.0.0.1, which is a loopback address"),
        ("http://[::ffff:10.0.0.1]/", "embeds 10.0.0.1, which is a private address"),
        ("http://[2002:c0a8:0101::1]/", "embeds 192.168.1.1, which is a private address"),
        ("http://[64:ff9b::7f00:1]/", "embeds 127.0.0.1, which is a loopback address"),
    ],
)
async def test_non_public_literal_addresses_are_refused(url, problem):
    err = await refused(url)
    assert err.reason == "address"
    assert problem in str(err)


@pytest.mark.parametrize(
    ("host", "problem"),
    [
        ("intranet.example.vn", "resolves to an address that is a private address"),
        ("mixed.example.vn", "resolves to an address that is a private address"),
        (
            "rebind.example.vn",
            "resolves to an address that embeds an IPv4 address that is a loopback address",
        ),
        ("metadata.example.vn", "resolves to an address that is a link-local address"),
    ],
)
async def test_hosts_resolving_to_non_public_addresses_are_refused(host, problem):
    err = await refused(f"https://{host}/hook")
    assert err.reason == "address"
    assert f"the host '{host}' {problem}" == str(err)
    # what the name resolved to is never echoed: it would map the inner network
    for address in ("10.20.30.40", "192.168.1.10", "7f00", "127.0.0.1", "169.254"):
        assert address not in str(err)


async def test_public_hosts_and_addresses_pass_with_their_addresses():
    t = await check_url("https://hooks.example.vn/thidua?x=1", PRODUCTION, fake_resolver)
    assert (t.scheme, t.host, t.port) == ("https", "hooks.example.vn", 443)
    assert t.addresses == (
        ipaddress.ip_address("203.113.131.1"),
        ipaddress.ip_address("2001:ee0:100::1"),
    )
    t = await check_url("http://8.8.8.8:8080/h", PRODUCTION, fake_resolver)
    assert t.port == 8080 and t.addresses == (ipaddress.ip_address("8.8.8.8"),)
    t = await check_url("http://[2001:4860:4860::8888]/", PRODUCTION, fake_resolver)
    assert t.addresses == (ipaddress.ip_address("2001:4860:4860::8888"),)


@pytest.mark.parametrize(
    ("url", "reason", "text"),
    [
        ("ftp://hooks.example.vn/", "scheme", "must be http or https, not ftp"),
        ("file:///etc/passwd", "scheme", "not file"),
        ("gopher://hooks.example.vn/", "scheme", "not gopher"),
        ("hooks.example.vn/path", "scheme", "not (none)"),
        ("http:///path", "host", "has no host"),
        ("https://user:secret@hooks.example.vn/", "url", "user name or password"),
        ("http://2130706433/", "host", "not a dotted-quad IPv4 address"),
        ("http://127.1/", "host", "not a dotted-quad IPv4 address"),
        ("http://0x7f.0.0.1/", "host", "not a dotted-quad IPv4 address"),
        ("http://0177.0.0.1/", "url", "Invalid IPv4 address"),  # httpx refuses it already
        ("http://hooks.example.vn:70000/", "url", "port 70000 is out of range"),
        ("http://localhost:8080/", "host", "'localhost' is a loopback name"),
        ("http://api.localhost/", "host", "is a loopback name"),
        ("http://nowhere.example.vn/", "resolution", "does not resolve"),
        ("http://" + "a" * 2100 + ".vn/", "url", "longer than 2048"),
    ],
)
async def test_malformed_urls_are_refused_with_a_clear_reason(url, reason, text):
    err = await refused(url)
    assert err.reason == reason
    assert text in str(err)


async def test_the_allowlist_lets_tests_use_loopback():
    policy = TargetPolicy(allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),))
    t = await check_url("http://127.0.0.1:8765/hook", policy, fake_resolver)
    assert t.addresses == (ipaddress.ip_address("127.0.0.1"),)
    assert "10.1.2.3 is a private address" in str(await refused("http://10.1.2.3/", policy))


async def test_allowed_hosts_skip_the_address_check_but_not_the_scheme():
    policy = TargetPolicy(allowed_hosts=frozenset({"intranet.example.vn"}))
    t = await check_url("http://intranet.example.vn/hook", policy, fake_resolver)
    assert t.addresses == (ipaddress.ip_address("10.20.30.40"),)
    assert (await refused("ftp://intranet.example.vn/", policy)).reason == "scheme"


async def test_development_mode_checks_syntax_only():
    dev = TargetPolicy(production=False)

    async def no_dns(host: str, port: int) -> list[str]:
        raise AssertionError("development mode must not resolve")

    t = await check_url("http://intranet.example.vn:9000/x", dev, no_dns)
    assert t.addresses == () and t.port == 9000
    assert (await check_url("http://10.1.2.3/", dev, no_dns)).host == "10.1.2.3"
    assert (await refused("ftp://10.1.2.3/", dev)).reason == "scheme"
    assert (await refused("http://2130706433/", dev)).reason == "host"


def test_syntax_normalises_the_host():
    t = check_syntax("https://Hooks.Example.VN./a")
    assert t.host == "hooks.example.vn"
    idn = check_syntax("https://thiđua.vn/hook")
    assert idn.host == "xn--thiua-7ya.vn"  # resolved and compared in its ASCII form


def test_public_addresses_have_no_problem():
    for text in ("203.113.131.1", "8.8.8.8", "2001:ee0:100::1", "::ffff:8.8.8.8"):
        assert address_problem(ipaddress.ip_address(text)) is None
