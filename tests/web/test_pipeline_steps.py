"""Which forms the office's nomination page offers at each stage (domain/pipeline.py): pure, no
stack. Awards decides whether a step is allowed; the page must not offer one out of turn nor
hide the one due."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from services.web.domain.pipeline import by_stage, next_steps, rule_name, screening_summary

NID = "3f1c0000-0000-0000-0000-000000000001"


def nomination(status: str, verdict: str | None = None) -> dict:
    return {"nomination_id": NID, "status": status, "verdict": verdict}


def notice(*objections: str) -> dict:
    return {
        "start_on": "2026-10-29",
        "end_on": "2026-11-11",
        "objections": [{"nomination_id": NID, "status": s} for s in objections]
        + [{"nomination_id": "another", "status": "open"}],
    }


def test_screening_until_the_notice_and_the_notice_only_when_eligible():
    assert next_steps(nomination("submitted"), None, date(2026, 12, 8)) == {"screen"}
    assert next_steps(nomination("screened", "ineligible"), None, date(2026, 12, 8)) == {"screen"}
    assert next_steps(nomination("screened", "eligible"), None, date(2026, 12, 8)) == {
        "screen",
        "notice",
    }


def test_objections_while_the_notice_runs_and_the_agenda_once_it_ran_and_all_are_resolved():
    running = date(2026, 11, 11)  # its last day
    ran = date(2026, 11, 12)
    assert next_steps(nomination("on_notice"), notice(), running) == {"objection"}
    assert next_steps(nomination("on_notice"), notice("open"), running) == {"objection", "resolve"}
    assert next_steps(nomination("on_notice"), notice(), ran) == {"agenda"}
    # another nomination's open objection does not hold this one back
    assert next_steps(nomination("on_notice"), notice("dismissed"), ran) == {"agenda"}
    assert next_steps(nomination("on_notice"), notice("open"), ran) == {"resolve"}
    assert next_steps(nomination("on_notice"), notice(), date(2026, 10, 28)) == set()


def test_the_decision_only_once_the_council_approved():
    for status in ("on_agenda", "rejected", "decided", "revoked"):
        assert next_steps(nomination(status), None, date(2026, 12, 8)) == set(), status
    assert next_steps(nomination("approved"), None, date(2026, 12, 8)) == {"decision"}


def test_stages_in_the_procedures_order_unknown_ones_last():
    items = [{"status": s} for s in ("decided", "submitted", "withdrawn", "submitted")]
    assert [(stage, len(ns)) for stage, ns in by_stage(items)] == [
        ("submitted", 2),
        ("decided", 1),
        ("withdrawn", 1),
    ]


def test_a_screening_summary_counts_the_rules_and_keeps_the_failing_ones():
    rules = [
        {"rule_id": "R01", "passed": True, "reason": "…", "citation": "…"},
        {"rule_id": "R13", "passed": False, "reason": "Thiếu biên bản", "citation": "Điều 84"},
    ]
    s = {"verdict": "incomplete", "considered_on": "2026-10-24", "rule_results": rules}
    summary = screening_summary(s)
    assert summary is not None
    assert (summary["passed"], summary["total"]) == (1, 2)
    assert [r["rule_id"] for r in summary["failing"]] == ["R13"]
    assert screening_summary(None) is None


def test_the_agenda_shows_the_objections_and_findings_raised_during_the_notice():
    """What awards' session gives for an item (its objections, a supervision finding among them,
    with the board's conclusion) as the member reads it. In the browser test the notice has run
    before the day's session, so objections cannot be raised during it on the same day: the
    template is rendered here with a session as awards answers it."""
    from services.web.pages.common import templates
    from services.web.pages.pipeline import LABELS

    objections = [
        {"received_on": "2026-11-02", "content": "Chưa hoàn thành đào tạo.", "status": "dismissed",
         "resolution": "Đã hoàn thành ngày 10/10.", "finding_id": None},
        {"received_on": "2026-11-03", "content": "Hồ sơ thiếu chữ ký.", "status": "open",
         "resolution": None, "finding_id": "f-1"},
    ]  # fmt: skip
    item = {
        "nomination_id": NID, "position": 1, "award_code": "LDTT", "threshold": 0.5,
        "nominee": {"name": "Nguyễn Thị Lan", "unit_name": "Sở Tài chính"},
        "objections": objections, "approved": None,
    }  # fmt: skip
    session = {
        "session_id": "s-1", "council_id": "c-1", "title": "Phiên họp", "held_on": "2026-12-08",
        "ends_on": None, "opened_on": None, "closed_on": None, "status": "planned",
        "voted": 0, "members_total": 3, "agenda": [item],
    }  # fmt: skip
    who = SimpleNamespace(
        sub="hd-uy-vien", roles=["council_member"], unit_id=None, council_id="c-1"
    )
    member = SimpleNamespace(principal=who)
    html = templates.get_template("council_session.html").render(
        s=session, council={"name": "Hội đồng"}, viewer=member, me=None, voted=False,
        secretary=False, items=[(item, {"year": 2025}, None)], errors={}, values={},
        failed=None, done="", csrf="x", **LABELS,
    )  # fmt: skip
    assert "Ý kiến ngày 02/11/2026: Chưa hoàn thành đào tạo. — <em>Không có cơ sở</em>: Đã" in html
    assert (
        "<strong>Kiến nghị giám sát của Mặt trận Tổ quốc</strong> ngày 03/11/2026: Hồ sơ thiếu "
        "chữ ký. — <em>Chưa kết luận</em>" in html
    )
    assert "cần 50 % số thành viên Hội đồng đồng ý" in html


def test_a_rule_is_named_for_a_clerk_whatever_its_regime():
    assert rule_name("R02-2013") == rule_name("R02") == "Tiêu chuẩn Chiến sĩ thi đua cơ sở"
    assert rule_name("R99") == "R99"  # a rule awards adds later still shows
