"""Which tokens only read (servicekit.auth.Principal.read_only) and how a client's `scope` claim
is read: pure logic, no service."""

from __future__ import annotations

import pytest

from servicekit.auth import InvalidToken, Role, principal_from_claims


def p(roles: list[str], **claims):
    return principal_from_claims({"sub": "x", "roles": roles, **claims})


def test_who_only_reads():
    assert p(["supervisor"], unit_id="F").read_only
    assert p(["integration_client"], scope="read").read_only
    # old client tokens (no scope claim) keep writing; so do the writing roles and people
    assert not p(["integration_client"]).read_only
    assert not p(["integration_client"], scope="read reports:U1").read_only
    assert not p(["integration_client"], scope="subscriptions").read_only
    assert not p(["supervisor", "province_admin"], unit_id="F").read_only
    # a supervisor stays read-only whatever client scopes its token carries
    assert p(["supervisor", "integration_client"], unit_id="F", scope="reports:*").read_only
    assert not p([]).read_only


def test_write_scopes_name_units():
    scoped = p(["integration_client"], scope="read reports:U1")
    assert scoped.scopes == {"read", "reports:U1"}
    assert scoped.may_report_for("U1") and not scoped.may_report_for("U2")
    assert not scoped.may_manage_subscriptions()
    assert p(["integration_client"], scope="reports:*").may_report_for("U2")
    assert p(["integration_client"]).may_report_for("U2")  # deprecated: unscoped
    assert not p(["supervisor"], unit_id="U2").may_report_for("U2")
    assert Role.SUPERVISOR in p(["supervisor"]).roles


def test_a_scope_claim_must_be_a_string():
    with pytest.raises(InvalidToken):
        p(["integration_client"], scope=["read"])
