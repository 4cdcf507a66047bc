"""A 2025 campaign run across the 2025 reorganisation (docs/domain.md section 2), on the whole
platform, set up and read through the public HTTP APIs and the sinks only:

- a province and a cluster of communes for 2025: Tân Hưng (A) and Tân Hưng Đông (B), members
  from January, A its head; Phú Tân (D) a member all year;
- the first half entered after the fact by the province with each report's original submission
  day: A's through the reports import file, B's through `POST /reports`; A's on time, B's late;
- an August report of A accepted before the registry knew of the merger: it achieved A's year
  target early;
- A and B merged into Tân Hưng mới (C) on 2025-07-01 through the registry's merge API; C joins
  the cluster from that day and heads it. Progress learns the closure and re-judges A's targets:
  the August report no longer stands, its early finish is retracted and A's inbox and the
  subscribed system are told;
- later: a target for A refused by the registry (409 `unit_closed`), a report of A dated after
  the merger refused by progress (422 naming the closure and C); C's targets and reports;
- a correction that undoes A's half-year achievement (retraction in A's inbox and at the
  webhook receiver) and one that newly meets B's goal;
- the standings for 2025: D, and C carrying A and B (January–June) from July, the carry-over
  stated; the leader not determined by reports arriving, determined by the cluster head's act
  (C's officer), reopened by the province with a reason;
- the bloc-memberships export for 2025: the year's members with their dates.
"""

from __future__ import annotations

import io
import time
from uuid import uuid4

import pytest
from openpyxl import load_workbook

from demo.client import Platform, event_name, poll
from demo.steps import notify
from infra import stack
from infra.profile import Profile

pytestmark = [pytest.mark.infra, pytest.mark.timeout(600)]

JULY = "2025-07-01"
WAIT_S = 120.0


def _ok(pf: Platform, service: str, method: str, path: str, who, expect: int, **kw):
    r = pf.call(service, method, path, who=who, ok=(expect,), **kw)
    return r.json() if r.content else None


def _history(pf: Platform, target: str) -> dict:
    return pf.get("progress", f"/targets/{target}/reports", pf.admin)


def _known_to_progress(pf: Platform, target: str) -> None:
    poll(
        f"progress to learn target {target}",
        lambda: (
            pf.call(
                "progress", "GET", f"/targets/{target}/reports", who=pf.admin, ok=(200, 404)
            ).status_code
            == 200
        ),
        timeout=WAIT_S,
    )


def _report(pf: Platform, target: str, value, as_of: str, submitted_on: str, **extra) -> dict:
    body = {"target_id": target, "value": value, "as_of": as_of, "submitted_on": submitted_on}
    return pf.post("progress", "/reports", {**body, **extra}, pf.admin)


def _inbox_types(pf: Platform, unit: str, who) -> list[str]:
    items = pf.pages("notify", f"/units/{unit}/inbox", who, limit=200)
    return [event_name(i) for i in items]


def _hooks(pf: Platform, name: str) -> list[dict]:
    return notify.hooks(pf, name)


def test_a_year_across_a_merger_with_corrections_and_late_entry(platform: Profile) -> None:
    pf = Platform(platform)
    admin = pf.admin
    sfx = uuid4().hex[:6].upper()

    # ---- the registry: units, the cluster, the campaign with its first targets ---------------
    def unit(code: str, name: str, kind: str, level: str, parent: str | None) -> str:
        body = {"code": f"{code}.{sfx}", "name": name, "kind": kind, "level": level,
                "valid_from": "2015-01-01", "parent_id": parent}  # fmt: skip
        return pf.post("registry", "/units", body, admin)["unit_id"]

    province = unit("T96", "Ủy ban nhân dân tỉnh Cà Mau", "provincial_committee", "province", None)
    a = unit("X-A", "Xã Tân Hưng", "commune", "commune", province)
    b = unit("X-B", "Xã Tân Hưng Đông", "commune", "commune", province)
    d = unit("X-D", "Xã Phú Tân", "commune", "commune", province)
    bloc = pf.post(
        "registry",
        "/blocs",
        {"code": f"CUM-1.{sfx}", "name": "Cụm thi đua các xã số 1", "kind": "cluster",
         "year": 2025, "member_unit_ids": [a, b, d], "formed_on": "2025-01-01",
         "head_unit_id": a},
        admin,
    )["bloc_id"]  # fmt: skip
    campaign = pf.post(
        "registry",
        "/campaigns",
        {"code": f"TD-2025.{sfx}", "title": "Phong trào thi đua năm 2025",
         "theme": "Đồng thuận, sáng tạo, về đích sớm", "kind": "regular",
         "start": "2025-01-01", "end": "2025-12-31", "launched_by": province,
         "bloc_ids": [bloc]},
        admin,
    )["campaign_id"]  # fmt: skip

    def target(unit_id: str, name: str, value: float, deadline: str, expect: int = 201) -> dict:
        body = {
            "unit_id": unit_id,
            "name": name,
            "metric": name,
            "unit_of_measure": "%",
            "target_value": value,
            "direction": "higher_is_better",
            "deadline": deadline,
        }
        return _ok(
            pf, "registry", "POST", f"/campaigns/{campaign}/targets", admin, expect, json=body
        )

    half = "Thu ngân sách 6 tháng đầu năm"
    t_a1 = target(a, half, 100, "2025-06-30")["target_id"]
    t_a2 = target(a, "Xây dựng nông thôn mới", 100, "2025-12-31")["target_id"]  # set in January
    t_b1 = target(b, half, 100, "2025-06-30")["target_id"]
    t_d = target(d, "Thu ngân sách năm 2025", 200, "2025-12-31")["target_id"]
    pf.post("registry", f"/campaigns/{campaign}/launch", {}, admin)

    # a subscribed system following achievements of this campaign (retractions follow them)
    hook = f"e2e-year-{sfx.lower()}"
    pf.post(
        "notify",
        "/subscriptions",
        {"url": f"{platform.hooks_url}/{hook}",
         "filter": {"event_types": ["TargetAchieved"], "campaign_ids": [campaign]},
         "secret": stack.local_secret(platform, "webhook-receiver-secret")},
        pf.client(hook),
    )  # fmt: skip
    for t in (t_a1, t_a2, t_b1, t_d):
        _known_to_progress(pf, t)

    # ---- the first half, entered after the fact with the original submission days ------------
    csv = (
        "Mã đợt thi đua;Mã đơn vị;Tên chỉ tiêu;Giá trị;Số liệu đến ngày;Ngày gửi;Số hiệu báo cáo\n"
        f"TD-2025.{sfx};X-A.{sfx};{half};40;31/03/2025;05/04/2025;BC-01/2025\n"
        f"TD-2025.{sfx};X-A.{sfx};{half};100;31/05/2025;05/06/2025;BC-02/2025\n"
    ).encode()
    imported = pf.call(
        "progress", "POST", "/imports/reports", who=admin, content=csv,
        headers={"content-type": "text/csv"},
    ).json()  # fmt: skip
    assert imported["imported"] == 2, imported
    b_first = _report(pf, t_b1, 80, "2025-06-30", "2025-07-08")  # sent a week late
    assert b_first["achieved_now"] is False

    a_half = _history(pf, t_a1)
    assert [r["submitted_on"] for r in a_half["reports"]] == ["2025-04-05", "2025-06-05"]
    assert a_half["progress"]["reported_on_time"] is True
    assert a_half["progress"]["achieved"]["achieved_on"] == "2025-05-31"
    assert a_half["progress"]["achieved"]["finished_early"] is True
    assert _history(pf, t_b1)["progress"]["reported_on_time"] is False  # judged by its day sent

    # August, before the registry recorded the merger: accepted, and an early finish
    august = _report(pf, t_a2, 100, "2025-08-15", "2025-08-20")
    assert august["achieved_now"] is True
    assert august["progress"]["achieved"]["finished_early"] is True

    # ---- 1 July: A and B merged into C, which joins the cluster and heads it -----------------
    merged = pf.post(
        "registry",
        "/units/merges",
        {"merged_unit_ids": [a, b], "effective_on": JULY, "reason": "Sắp xếp đơn vị hành chính",
         "successor": {"code": f"X-C.{sfx}", "name": "Xã Tân Hưng mới", "kind": "commune",
                       "level": "commune", "parent_id": province}},
        admin,
    )  # fmt: skip
    (c,) = [u["unit_id"] for u in merged["registered"]]
    assert set(merged["closed"]) == {a, b}
    members = f"/blocs/{bloc}/years/2025"
    pf.post("registry", f"{members}/members", {"add_unit_ids": [c], "effective_on": JULY}, admin)
    pf.post("registry", f"{members}/head", {"head_unit_id": c, "effective_on": JULY}, admin)
    pf.post(
        "registry", f"{members}/members", {"remove_unit_ids": [a, b], "effective_on": JULY}, admin
    )

    # progress learns the closure: A's August report no longer stands, nor its early finish
    a_officer = pf.officer("x-a", a)
    poll(
        "the closure to retract A's August achievement",
        lambda: _history(pf, t_a2)["progress"]["achieved"] is None,
        timeout=WAIT_S,
    )
    year_target = _history(pf, t_a2)
    assert year_target["progress"]["current_report_id"] is None
    assert august["report"]["report_id"] not in {r["report_id"] for r in year_target["reports"]}
    (aside,) = year_target["set_aside"]  # what became of it, and why
    assert (aside["report_id"], aside["reason"]) == (august["report"]["report_id"], "unit_closed")
    assert "01/07/2025" in aside["detail"] and "Xã Tân Hưng mới" in aside["detail"]
    poll(
        "the retraction in A's inbox",
        lambda: "TargetAchievementRetracted" in _inbox_types(pf, a, a_officer),
        timeout=WAIT_S,
    )

    # after the closure: the registry refuses A's later targets, progress A's later reports
    late_target = target(a, "Thu ngân sách quý III", 100, "2025-09-30", expect=409)
    assert late_target["closed_on"] == JULY and late_target["successor_unit_ids"] == [c]
    refused = _ok(
        pf, "progress", "POST", "/reports", admin, 422,
        json={"target_id": t_a2, "value": 100, "as_of": "2025-09-30"},
    )  # fmt: skip
    (error,) = refused["errors"]
    assert (error["pointer"], error["type"]) == ("#/as_of", "unit_closed")
    assert "01/07/2025" in error["detail"] and "Xã Tân Hưng mới" in error["detail"]

    # ---- the second half: C's targets and reports; D's year ----------------------------------
    t_c = target(c, "Thu ngân sách 6 tháng cuối năm", 100, "2025-12-31")["target_id"]
    _known_to_progress(pf, t_c)
    assert _report(pf, t_c, 100, "2025-11-30", "2025-12-05")["achieved_now"] is True
    assert _report(pf, t_d, 210, "2025-11-15", "2025-11-20")["achieved_now"] is True

    # ---- corrections ---------------------------------------------------------------------------
    (met,) = [r for r in _history(pf, t_a1)["reports"] if r["as_of"] == "2025-05-31"]
    undo = _report(pf, t_a1, 90, "2025-05-31", "2025-06-20", supersedes=met["report_id"])
    assert (undo["retracted_now"], undo["progress"]["achieved"]) == (True, None)
    fix = _report(
        pf, t_b1, 100, "2025-06-30", "2025-07-10", supersedes=b_first["report"]["report_id"]
    )
    assert fix["achieved_now"] is True
    assert fix["progress"]["achieved"]["finished_early"] is False  # met on its deadline
    assert fix["progress"]["reported_on_time"] is False  # still first sent on 8 July

    # the retractions reach A's inbox (the August one and this) and the subscribed system
    poll(
        "both retractions in A's inbox",
        lambda: _inbox_types(pf, a, a_officer).count("TargetAchievementRetracted") == 2,
        timeout=WAIT_S,
    )

    def retracted_hooks() -> list[dict]:
        return [h for h in _hooks(pf, hook) if notify.hook_type(h) == "TargetAchievementRetracted"]

    poll("both retractions at the webhook receiver", lambda: len(retracted_hooks()) == 2,
         timeout=WAIT_S)  # fmt: skip
    assert {h["ce-subject"] for h in retracted_hooks()} == {t_a1, t_a2}
    assert all(h["verified"] for h in _hooks(pf, hook))
    by_target = {h["ce-subject"]: h["body"] for h in retracted_hooks()}
    assert by_target[t_a1]["corrected_by"] == undo["report"]["report_id"]
    assert by_target[t_a2]["report_id"] == august["report"]["report_id"]
    assert by_target[t_a2]["finished_early"] is True

    # ---- standings for 2025 ---------------------------------------------------------------------
    standings = f"/blocs/{bloc}/years/2025/standings"

    def settled() -> dict | None:
        s = pf.get("progress", standings, admin)
        rows = {r["unit_id"]: r for r in s["ranking"]}
        if set(rows) != {c, d} or len(rows[c]["merged_from"]) != 2:
            return None
        merged_from = {m["unit_id"]: m for m in rows[c]["merged_from"]}
        if merged_from[a]["completion"] != 0.45 or merged_from[b]["completion"] != 1.0:
            return None  # the corrections not ranked yet
        return s

    s = poll("the 2025 standings with the corrections", settled, timeout=WAIT_S)
    assert s["merged_results"] == "carry_over"
    rows = {r["unit_id"]: r for r in s["ranking"]}
    assert (rows[c]["member_from"], rows[c]["member_until"]) == (JULY, None)
    assert (rows[d]["member_from"], rows[d]["member_until"]) == ("2025-01-01", None)
    carried = {m["unit_id"]: m for m in rows[c]["merged_from"]}
    for u, name in ((a, "Xã Tân Hưng"), (b, "Xã Tân Hưng Đông")):
        assert carried[u]["name"] == name
        assert (carried[u]["member_from"], carried[u]["member_until"]) == ("2025-01-01", JULY)
    # A: half-year target at 90 %, year target without a standing report; nothing early
    assert carried[a]["early_finish"] == 0.0
    # B: met on the deadline, first sent late
    assert (carried[b]["early_finish"], carried[b]["timeliness"]) == (0.0, 0.0)
    # D met its one target early and on time: first; C, carrying A's and B's year, second
    assert [r["unit_id"] for r in sorted(s["ranking"], key=lambda r: r["rank"])] == [d, c]
    assert rows[d]["score"] == 100.0 and rows[c]["score"] < 100.0

    # ---- the leader: an act, not a side effect of reports ------------------------------------
    # the scheduler runs every few seconds on this stack: give it a round, the leader waits
    time.sleep(6)
    assert pf.get("progress", standings, admin)["leader"] is None
    a_head = _ok(pf, "progress", "POST", f"{members}/leader", a_officer, 403)  # head until June
    assert a_head["status"] == 403
    c_officer = pf.officer("x-c", c)
    leader = pf.post("progress", f"{members}/leader", None, c_officer)
    assert (leader["leader_unit_id"], leader["by_vote"]) == (d, False)
    assert pf.get("progress", standings, admin)["leader"]["leader_unit_id"] == d
    reason = "Bổ sung kết quả của xã Tân Hưng Đông nhập muộn"
    reopened = pf.post("progress", f"{members}/leader/reopen", {"reason": reason}, admin)
    assert (reopened["previous_leader_unit_id"], reopened["reason"]) == (d, reason)
    assert pf.get("progress", standings, admin)["leader"] is None

    # ---- the bloc-memberships export for 2025 -------------------------------------------------
    r = pf.call("registry", "GET", "/exports/bloc-memberships", who=admin, params={"year": 2025})
    assert 'filename="bloc-memberships-2025.xlsx"' in r.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(r.content), read_only=True).worksheets[0]
    header, *cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    body = [row + [None] * (len(header) - len(row)) for row in cells]  # blank cells at the end
    col = {h: i for i, h in enumerate(header)}
    ours = {
        row[col["unit_code"]].split(".")[0]: row
        for row in body
        if row[col["bloc_code"]] == f"CUM-1.{sfx}"
    }
    assert set(ours) == {"X-A", "X-B", "X-C", "X-D"}

    def dates(code: str) -> tuple[str, str | None]:
        row = ours[code]
        joined, left = row[col["joined_on"]], row[col["left_on"]]
        return (str(joined)[:10], str(left)[:10] if left else None)

    assert dates("X-A") == dates("X-B") == ("2025-01-01", JULY)
    assert dates("X-C") == (JULY, None) and dates("X-D") == ("2025-01-01", None)
    assert ours["X-C"][col["role"]] == "head"
