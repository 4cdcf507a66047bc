"""The demo (`./thidua up` plays it) on a freshly started platform: the seed's 2020 campaign
played from demo/data through the public APIs, then its end state checked through the APIs and
the sinks against what the data files were written to produce (stated here, not recomputed):

- 44 units (and the province) in 8 blocs, 88 targets, 251 reports over 2020;
- về đích sớm (every target achieved before its deadline): nine units, one per bloc and two in
  the economic departments' bloc, whose tie the members' vote (suy tôn) decides;
- late (achieved after the deadline): SXD, SYT, HND, CT, CN, UM; targets never reported: TTR's
  two, SGTVT's, CTK's and NH's second or first; HCCB reported both only at the year's end. Those
  five units alone are reminded: TTR and HCCB twice, the others once;
- screening under regime 2013 as of the board's date, 31 December 2020, the collectives counting
  the LĐTT their departments decided (award history), not ratings: An's CSTĐ cấp tỉnh (three
  CSTĐCS and a provincial initiative), STC's TTLĐXS and flag, SGDDT's and SYT's TTLĐTT eligible;
  Hoa's CSTĐCS incomplete (2013 needs an initiative, and its certificate), Bình's LĐTT blocked
  (investigation), Trung's CSTĐCS over the unit's 15 % quota; the council rejects SYT's (two
  for, three against);
- the decision 125/QĐ-UBND at the 2019 base salary (1,490,000 đ), regime 2013's multipliers;
- Ủy ban MTTQ tỉnh raises one supervision finding on that decision, the province answers it, and
  the answer reaches the Front's inbox and mailbox (one item more for CM-MTTQ).
"""

from __future__ import annotations

import io
from collections import Counter
from email import policy
from email.parser import BytesParser

import pytest
from rich.console import Console

from demo.client import Platform, event_name
from demo.player import play
from demo.steps import notify
from infra import traces
from infra.profile import Profile

pytestmark = [pytest.mark.infra, pytest.mark.timeout(900)]

EARLY = {"CM-STC", "CM-SKHDT", "CM-SGDDT", "CM-SNV", "CM-MTTQ", "CM-KBNN", "CM-CDYT", "CM-DL",
         "CM-TPCM"}  # fmt: skip
LATE = {"CM-SXD", "CM-SYT", "CM-HND", "CM-CT", "CM-CN", "CM-UM"}
ON_DEADLINE = {"CM-SCT", "CM-STNMT", "CM-SLDTBXH", "CM-STTTT", "CM-TD", "CM-LDLD", "CM-NHNN",
               "CM-CDVNHQ", "CM-CTDT", "CM-TB", "CM-CNU", "CM-DD"}  # fmt: skip
SHORT = {"CM-SNNPTNT", "CM-SVHTTDL", "CM-STP", "CM-SKHCN", "CM-HLHPN", "CM-BHXH", "CM-CDCD",
         "CM-XSKT", "CM-VNPT", "CM-TVT", "CM-PT", "CM-NC"}  # fmt: skip
REMINDED = {"CM-TTR": 2, "CM-HCCB": 2, "CM-SGTVT": 1, "CM-CTK": 1, "CM-NH": 1}
NEVER_REPORTED = {"CM-TTR": 2, "CM-SGTVT": 1, "CM-CTK": 1, "CM-NH": 1}
ACHIEVED = {
    **{c: 2 for c in EARLY | LATE | ON_DEADLINE},
    **{c: 1 for c in SHORT},
    "CM-SGTVT": 1, "CM-TTR": 0, "CM-CTK": 1, "CM-NH": 1, "CM-HCCB": 2,
}  # fmt: skip
LEADERS = {"K-KT": "CM-STC", "K-VHXH": "CM-SGDDT", "K-NC": "CM-SNV", "K-DT": "CM-MTTQ",
           "K-TW": "CM-KBNN", "K-TR": "CM-CDYT", "K-DN": "CM-DL", "C-HTP": "CM-TPCM"}  # fmt: skip
VERDICTS = {
    "an-cstd-tinh": ("eligible", set()),
    "hoa-cstdcs": ("incomplete", {"R02-2013", "R13"}),
    "binh-ldtt": ("blocked", {"R14"}),
    "trung-cstdcs": ("ineligible", {"R02-2013"}),
    "stc-ttldxs": ("eligible", set()),
    "stc-co-tinh": ("eligible", set()),
    "sgddt-ttldtt": ("eligible", set()),
    "syt-ttldtt": ("eligible", set()),
}
AWARDS = [  # (awardee, award, amount in đồng: multiplier × 1,490,000 rounded up to 10,000)
    ("Lê Thị An", "CSTD_TINH", 4_470_000),
    ("Sở Tài chính", "TTLDXS", 2_240_000),
    ("Sở Tài chính", "CO_TINH", 11_920_000),
    ("Sở Giáo dục và Đào tạo", "TTLDTT", 1_200_000),
]
# Inbox items: the launch, each achievement and reminder of the unit's targets; then, for the
# nominating units, each screening and vote outcome as nominee or proposer, and the decision.
NOMINATING = {
    # screened, approved or rejected, decision
    "CM-STC": (5, 3, 1),  # An, Hoa, Bình, TTLĐXS, flag; An, TTLĐXS, flag; the decision
    "CM-SGDDT": (2, 1, 1),  # Trung, TTLĐTT; TTLĐTT; the decision
    "CM-SYT": (1, 1, 0),  # TTLĐTT screened, then rejected by the council
}
WEBHOOKS = {"CampaignLaunched": 1, "TargetAchieved": 71, "AwardDecisionIssued": 1}


# The province's answer to the Front's finding (the finding itself goes to the province's unit).
ANSWERED = {"CM-MTTQ": 1}


def expected_inbox(code: str) -> int:
    screened, voted, decided = NOMINATING.get(code, (0, 0, 0))
    answers = ANSWERED.get(code, 0)
    return 1 + ACHIEVED[code] + REMINDED.get(code, 0) + screened + voted + decided + answers


@pytest.fixture(scope="module")
def played(platform: Profile):
    out = io.StringIO()
    world = play(platform, Console(file=out, width=120))
    return Platform(platform), world, out.getvalue()


def test_every_unit_target_and_report_is_registered(played) -> None:
    pf, w, _ = played
    assert len(w.units) == 45 and len(w.blocs) == 8 and len(w.targets) == 88
    dash = pf.get("progress", f"/campaigns/{w.campaign_id}/dashboard", pf.admin)
    assert len(dash["units"]) == 44 and sum(u["targets"] for u in dash["units"]) == 88
    reports = sum(
        len(pf.get("progress", f"/targets/{t}/reports", pf.admin)["reports"])
        for t in w.targets.values()
    )
    assert reports == 251


def test_early_finishers_achievements_and_the_never_reported(played) -> None:
    pf, w, _ = played
    dash = pf.get("progress", f"/campaigns/{w.campaign_id}/dashboard", pf.admin)
    assert {w.code_of(u["unit_id"]) for u in dash["early_finishers"]} == EARLY
    # the dashboard names every unit it lists, by the registry's code and name
    listed = [*dash["early_finishers"], *dash["units"]]
    assert all(u["code"] == w.code_of(u["unit_id"]) and u["name"] for u in listed)
    assert all(o["unit_code"] == w.code_of(o["unit_id"]) for o in dash["overdue"])
    achieved = {w.code_of(u["unit_id"]): u["achieved"] for u in dash["units"]}
    assert achieved == ACHIEVED
    assert Counter(w.code_of(o["unit_id"]) for o in dash["overdue"]) == NEVER_REPORTED


def test_bloc_leaders(played) -> None:
    pf, w, _ = played
    for code, bloc in w.blocs.items():
        s = pf.get("progress", f"/blocs/{bloc['bloc_id']}/years/2020/standings", pf.admin)
        assert w.code_of(s["leader"]["leader_unit_id"]) == LEADERS[code], code
        assert s["leader"]["by_vote"] == (code == "K-KT")


def test_screening_verdicts_are_explained(played) -> None:
    pf, w, _ = played
    for key, (verdict, failing) in VERDICTS.items():
        n = pf.get("awards", f"/nominations/{w.nominations[key]}", pf.admin)
        rules = n["screening"]["rule_results"]
        assert n["screening"]["regime"] == "2013"
        assert n["verdict"] == verdict, key
        assert {r["rule_id"] for r in rules if not r["passed"]} == failing, key
        assert all(r["citation"] and r["reason"] for r in rules), key
        assert n["screening"]["considered_on"] == "2020-12-31", key  # the board's day, not today
    # STC's members count by the LĐTT their department decided (award history), not by rating
    stc = pf.get("awards", f"/nominations/{w.nominations['stc-ttldxs']}", pf.admin)
    r05 = next(r for r in stc["screening"]["rule_results"] if r["rule_id"] == "R05-2013")
    assert (r05["facts"]["members_ldtt_on_record"], r05["facts"]["members_ldtt_rated_only"]) == (
        8,
        1,  # Bình: rated HTXSNV, under investigation, no LĐTT
    )


def test_the_award_list_with_its_money(played) -> None:
    pf, w, _ = played
    d = pf.get("awards", f"/decisions/{w.decision['decision_id']}", pf.admin)
    assert (d["number"], d["signed_on"], d["base_salary_vnd"]) == (
        "125/QĐ-UBND",
        "2021-01-25",
        1_490_000,
    )
    lines = [(ln["nominee"]["name"], ln["award_code"], ln["amount_vnd"]) for ln in d["lines"]]
    assert sorted(lines) == sorted(AWARDS)
    assert d["total_vnd"] == 19_830_000
    syt = pf.get("awards", f"/nominations/{w.nominations['syt-ttldtt']}", pf.admin)
    assert syt["status"] == "rejected"


def test_the_front_s_finding_and_the_province_s_answer(played) -> None:
    pf, w, printed = played
    front = pf.token("mttq-giam-sat", "supervisor", unit_id=w.units["CM-MTTQ"])
    (finding,) = pf.get("awards", "/findings", front)["items"]
    assert finding == w.finding
    assert (finding["subject_kind"], finding["subject_id"]) == (
        "decision",
        w.decision["decision_id"],
    )
    assert finding["supervisor_unit_id"] == w.units["CM-MTTQ"]
    assert finding["unit_id"] is None  # a decision is the province's act: the province answers
    assert (finding["status"], finding["answered_by_province"]) == ("answered", True)
    assert finding["content"].startswith("Đề nghị Ủy ban nhân dân tỉnh công khai")
    # document numbers as the Front and the province write them, with their spaces
    assert finding["documents"] == ["Công văn số 05/MTTQ-BTT", "vb/mttq/2021/05-MTTQ-BTT.pdf"]
    assert finding["answer_documents"] == ["Công văn số 12/UBND-VP"]
    assert "raises a supervision finding on 125/QĐ-UBND" in printed
    # the supervisor read what the council read, and wrote nothing else
    assert pf.get("awards", f"/sessions/{w.session_id}", front)["status"] == "closed"
    r = pf.call("awards", "POST", "/decisions", who=front, json={}, ok=(403,))
    assert r.json()["reason"] == "read_only"
    # notify: the finding to the province's unit, the answer to the Front's
    (raised,) = [
        i for i in notify.inbox(pf, w, "CM-UBND") if event_name(i) == "SupervisionFindingRaised"
    ]
    assert raised["why"] == "province"
    (answered,) = [
        i for i in notify.inbox(pf, w, "CM-MTTQ") if event_name(i) == "SupervisionFindingAnswered"
    ]
    assert answered["title"] == "Trả lời kiến nghị giám sát về quyết định khen thưởng"
    assert "Ủy ban nhân dân tỉnh đã trả lời" in answered["body"]
    assert "- Công văn số 12/UBND-VP" in answered["body"]  # as written, across the bus


def test_inboxes_and_emails(played) -> None:
    pf, w, _ = played
    counts = {code: notify.inbox(pf, w, code) for code in w.units if code != "CM-UBND"}
    reminded = {
        c: n
        for c, items in counts.items()
        if (n := sum(1 for i in items if event_name(i) == "ReportOverdue"))
    }
    assert reminded == REMINDED
    assert {c: len(items) for c, items in counts.items()} == {c: expected_inbox(c) for c in counts}
    # every unit has an address: its emails are its inbox items
    folder = pf.profile.state / "sinks" / "mail"
    to = Counter(
        str(BytesParser(policy=policy.default).parsebytes(p.read_bytes())["To"])
        for p in folder.glob("*.eml")
    )
    for code in counts:
        assert to[f"vanphong.{code[3:].lower()}@camau.gov.vn"] == expected_inbox(code), code
    assert to["ltan@camau.gov.vn"] == 3  # An: screened, approved, awarded


def test_the_subscribed_system_received_signed_webhooks(played) -> None:
    pf, _, _ = played
    calls = notify.hooks(pf, "csdl-tdkt")
    assert Counter(notify.hook_type(h) for h in calls) == WEBHOOKS
    assert all(h["verified"] for h in calls)


def test_the_printed_trace_spans_progress_and_notify(played) -> None:
    pf, w, printed = played
    assert w.trace_id and f"./thidua trace {w.trace_id}" in printed
    spans = traces.of_trace(traces.read(pf.profile.state / "sinks" / "spans.jsonl"), w.trace_id)
    services = {s.get("service") for s in spans}
    assert {"thidua-progress", "thidua-notify"} <= services, services


def test_the_summary_links_the_campaigns_web_pages(played) -> None:
    pf, w, printed = played
    web = pf.profile.service_url("web")
    assert f"{web}/chien-dich/{w.campaign_id}" in printed
    assert f"{web}/van-hanh" in printed
    assert f"{web}/xet-khen-thuong?chien_dich={w.campaign_id}" in printed
    assert f"{web}/hoi-dong/phien/{w.session_id}" in printed
    assert f"{web}/kien-nghi/{w.finding['finding_id']}" in printed
    bloc = next(iter(w.blocs.values()))
    assert f"{web}/khoi/{bloc['bloc_id']}/" in printed


def test_a_second_play_prints_the_summary_only(played, platform: Profile) -> None:
    pf, w, _ = played
    out = io.StringIO()
    again = play(platform, Console(file=out, width=120))
    assert again.campaign_id == w.campaign_id
    assert "already played" in out.getvalue()
    campaigns = pf.pages("registry", "/campaigns", pf.admin, year=2020, limit=500)
    assert [c["code"] for c in campaigns].count("DTD-2020") == 1
