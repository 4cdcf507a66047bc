"""Which forms the office's nomination page offers at each stage (domain/pipeline.py): pure, no
stack. Awards decides whether a step is allowed; the page must not offer one out of turn nor
hide the one due."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from services.web.domain.pipeline import (
    batch_of,
    batch_outcome,
    by_stage,
    next_steps,
    nominee_units,
    quota_of,
    rule_name,
    screened_with,
    screening_summary,
)

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


def proposal(nid: str, code: str, unit: str = "u1", *, person: str | None = None, **kw) -> dict:
    kind = "collective" if code in ("TTLDTT", "TTLDXS", "CO_CP") else "person"
    nominee = {"kind": kind, "id": unit if kind == "collective" else (person or nid)}
    if kind == "person":
        nominee["unit_id"] = unit
    return {"nomination_id": nid, "nominee": nominee, "award_code": code, "year": 2023,
            "status": "submitted", **kw}  # fmt: skip


def test_a_cstdcs_is_screened_with_the_titles_and_places_of_its_unit_and_year():
    cstdcs = proposal("a", "CSTDCS")
    others = [
        proposal("b", "CSTDCS"),  # the same unit's cap
        proposal("c", "LDTT"),  # an LĐTT conferred with it counts for the cap
        proposal("d", "CSTDCS", "u2"),  # another unit's cap
        proposal("e", "LDTT", year=2024),  # another year
        proposal("f", "CSTDCS", status="on_notice"),  # no longer screened
        proposal("g", "BK_TINH"),  # no quota shared, no title counted
        proposal("a", "CSTDCS"),  # itself
    ]
    assert [m["nomination_id"] for m in screened_with(cstdcs, others)] == ["b", "c"]


def test_an_ldtt_alone_is_judged_as_in_any_batch():
    assert (
        screened_with(proposal("a", "LDTT"), [proposal("b", "LDTT"), proposal("c", "CSTDCS")]) == []
    )


def test_collective_titles_higher_titles_and_government_flags_share_their_batch():
    members = [proposal("p", "LDTT"), proposal("q", "CSTDCS", "u2")]
    assert [m["nomination_id"] for m in screened_with(proposal("t", "TTLDXS"), members)] == ["p"]
    mine = proposal("c", "CSTDCS", person="x")
    assert screened_with(proposal("h", "CSTD_TINH", person="x"), [mine]) == [mine]
    assert screened_with(proposal("h", "CSTD_TINH", person="y"), [mine]) == []
    flag = proposal("k", "CO_CP", "u9")
    assert screened_with(proposal("j", "CO_CP"), [flag]) == [flag]


def test_the_batch_answer_names_each_verdict_its_failing_rules_and_its_quota_place():
    quota = {"quota": 1, "quota_used": 0, "quota_rank": 2, "cap_share": 0.15,
             "ldtt_count": 7, "ldtt_this_batch": 7, "unit": "u1"}  # fmt: skip
    answer = [
        {"nomination_id": "b", "verdict": "ineligible", "rule_results": [
            {"rule_id": "R13", "passed": True, "facts": {}, "reason": "Đủ hồ sơ."},
            {"rule_id": "R02-2013", "passed": False, "facts": quota,
             "reason": "Vượt hạn mức: 1 suất, đã có 0 trên hồ sơ, thứ tự xét 2."},
        ]},
        {"nomination_id": "zz", "verdict": "eligible", "rule_results": []},
    ]  # fmt: skip
    rows = batch_outcome(answer, [proposal("b", "CSTDCS")])
    assert rows[0]["n"]["award_code"] == "CSTDCS" and rows[0]["verdict"] == "ineligible"
    assert [r["rule_id"] for r in rows[0]["failing"]] == ["R02-2013"]
    assert rows[0]["quotas"] == [
        {"rule_id": "R02-2013", "limit": 1, "used": 0, "rank": 2, "share": 0.15, "ldtt": 7,
         "ldtt_this_batch": 7, "passed": False}
    ]  # fmt: skip
    assert rows[1]["n"] is None and rows[1]["quotas"] == [] and rows[1]["failing"] == []
    assert quota_of({"rule_id": "R01", "passed": True, "facts": {"rating_2023": "HTTNV"}}) is None


def test_the_signers_units_of_several_nominations_are_the_nominees_own_once_each():
    listed = [
        {**proposal("a", "LDTT", "u1"), "nominee": {"kind": "person", "id": "p1", "unit_id": "u1",
                                                    "unit_name": "Sở Tài chính"}},
        {**proposal("b", "LDTT", "u1"), "nominee": {"kind": "person", "id": "p2", "unit_id": "u1",
                                                    "unit_name": "Sở Tài chính"}},
        {**proposal("c", "TTLDTT", "u2"), "nominee": {"kind": "collective", "id": "u2",
                                                      "name": "Phòng Ngân sách"}},
    ]  # fmt: skip
    assert nominee_units(listed) == [
        {"unit_id": "u1", "name": "Sở Tài chính"},
        {"unit_id": "u2", "name": "Phòng Ngân sách"},
    ]


def test_a_campaigns_batch_takes_in_the_same_units_proposals_of_another_campaign():
    chosen = [proposal("a", "CSTDCS"), proposal("b", "LDTT")]
    elsewhere = [
        proposal("c", "LDTT"),  # the same unit's LĐTT: counts for a's cap
        proposal("d", "CSTDCS"),  # competes with a for the cap
        proposal("e", "LDTT", "u2"),  # another unit: no bearing
        proposal("a", "CSTDCS"),  # already in
        proposal("b", "LDTT"),
    ]
    assert [n["nomination_id"] for n in batch_of(chosen, elsewhere)] == ["a", "b", "c", "d"]
    assert batch_of([proposal("b", "LDTT")], elsewhere) == [proposal("b", "LDTT")]
