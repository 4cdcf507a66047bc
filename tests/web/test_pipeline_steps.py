"""Which forms the office's nomination page offers at each stage (domain/pipeline.py): pure, no
stack. Awards decides whether a step is allowed; the page must not offer one out of turn nor
hide the one due."""

from __future__ import annotations

from datetime import date

from services.web.domain.pipeline import by_stage, next_steps, screening_summary

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
