"""The nomination procedure as the emulation office and the council read it: the stages in their
order, what a clerk may do next at each, and the words of the ballot. Free of I/O: the pages give
it what awards answered and today's date."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

# The stages in the procedure's order (awards' statuses); the list page shows them in this order.
STAGES = (
    "submitted",
    "screened",
    "on_notice",
    "on_agenda",
    "approved",
    "rejected",
    "decided",
    "revoked",
)

CHOICES = {"yes": "Đồng ý", "no": "Không đồng ý", "abstain": "Không biểu quyết"}

SESSION_STATUS = {
    "planned": "Chưa mở biểu quyết",
    "voting": "Đang biểu quyết",
    "closed": "Đã kết thúc biểu quyết",
}

OBJECTION_STATUS = {
    "open": "Chưa kết luận",
    "upheld": "Có cơ sở (không trình khen thưởng)",
    "dismissed": "Không có cơ sở",
}

# Who signs (awards' `signer_authority`), as a clerk names them.
AUTHORITIES = {
    "province_chairman": "Chủ tịch UBND tỉnh",
    "unit_head": "Thủ trưởng cơ quan, đơn vị nơi người được đề nghị công tác",
    "district_chairman": "Chủ tịch UBND cấp huyện",
    "commune_chairman": "Chủ tịch UBND cấp xã",
}


# What each screening rule checks, by its number (awards' `rule_id`, "R02-2013" being R02 under
# the 2003 law as amended in 2013): awards' answer carries the reason and the citation, not the
# rule's name, and "R02" means nothing to a clerk.
RULES = {
    "R01": "Tiêu chuẩn Lao động tiên tiến",
    "R02": "Tiêu chuẩn Chiến sĩ thi đua cơ sở",
    "R03": "Tiêu chuẩn Chiến sĩ thi đua cấp tỉnh",
    "R04": "Tiêu chuẩn Chiến sĩ thi đua toàn quốc",
    "R05": "Tiêu chuẩn Tập thể lao động xuất sắc",
    "R06": "Tiêu chuẩn Tập thể lao động tiên tiến",
    "R07": "Tiêu chuẩn Bằng khen của Chủ tịch UBND tỉnh",
    "R08": "Tiêu chuẩn Bằng khen của Thủ tướng Chính phủ",
    "R09": "Cờ thi đua của UBND tỉnh: dẫn đầu khối, cụm",
    "R10": "Cờ thi đua của Chính phủ: không quá 20 % đơn vị dẫn đầu",
    "R11": "Mỗi sáng kiến chỉ dùng cho một lần khen thưởng",
    "R13": "Thành phần hồ sơ",
    "R14": "Không đang bị xem xét kỷ luật, điều tra, thanh tra, khiếu nại",
    "R15": "Thời gian tính thành tích",
    "R16": "Ưu tiên khi bằng nhau",
}


def rule_name(rule_id: str) -> str:
    """The rule's name for a clerk; its number when it is one this table does not know."""
    return RULES.get(rule_id.split("-", 1)[0], rule_id)


def by_stage(items: Iterable[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The nominations grouped by stage, in the procedure's order; a status awards adds later
    comes after the known ones rather than being lost."""
    groups: dict[str, list[dict[str, Any]]] = {s: [] for s in STAGES}
    for n in items:
        groups.setdefault(n["status"], []).append(n)
    return [(stage, ns) for stage, ns in groups.items() if ns]


def next_steps(nomination: dict[str, Any], notice: dict[str, Any] | None, today: date) -> set[str]:
    """The forms the office may fill for this nomination now:
    screen (again, until it is on notice), notice (screened eligible), objection (while the
    notice runs), resolve (an objection still open), agenda (the notice has run and every
    objection is resolved), decision (approved by the council)."""
    status = nomination["status"]
    steps: set[str] = set()
    if status in ("submitted", "screened"):
        steps.add("screen")
    if status == "screened" and nomination.get("verdict") == "eligible":
        steps.add("notice")
    if status == "on_notice" and notice is not None:
        nid = nomination["nomination_id"]
        mine = [o for o in notice["objections"] if o["nomination_id"] == nid]
        end = date.fromisoformat(notice["end_on"])
        if date.fromisoformat(notice["start_on"]) <= today <= end:
            steps.add("objection")
        if any(o["status"] == "open" for o in mine):
            steps.add("resolve")
        elif today > end:
            steps.add("agenda")
    if status == "approved":
        steps.add("decision")
    return steps


def screening_summary(screening: dict[str, Any] | None) -> dict[str, Any] | None:
    """How many rules passed and which failed, with their reasons: what a council member reads
    before voting."""
    if screening is None:
        return None
    rules = screening["rule_results"]
    return {
        "verdict": screening["verdict"],
        "considered_on": screening["considered_on"],
        "passed": sum(1 for r in rules if r["passed"]),
        "total": len(rules),
        "failing": [r for r in rules if not r["passed"]],
    }


# ---- screening together -----------------------------------------------------------------------

SCREENABLE = ("submitted", "screened")
"""What awards screens (again): sent, or screened and not yet on notice."""

_TITLES = ("LDTT", "CSTDCS")  # the personal titles a batch confers before the rest
_COLLECTIVE_TITLES = ("TTLDTT", "TTLDXS")  # they count the members' titles
_ABOVE_CSTDCS = ("CSTD_TINH", "CSTD_TQ")  # they ask for CSTĐCS of the year


def _unit(n: dict[str, Any]) -> str | None:
    nominee = n["nominee"]
    return nominee["id"] if nominee["kind"] == "collective" else nominee.get("unit_id")


def _shares(n: dict[str, Any], m: dict[str, Any]) -> bool:
    """Whether awards' batch rules let `m`, screened with `n`, change `n`'s verdict (its own,
    same year): the unit's CSTĐCS cap counts the unit's LĐTT and CSTĐCS conferred with it; a
    collective title counts its members' titles; a higher personal title asks for the person's
    CSTĐCS; Cờ thi đua của Chính phủ goes to at most 20 % of the blocs' leaders."""
    if n["year"] != m["year"]:
        return False
    a, b = n["award_code"], m["award_code"]
    person = n["nominee"]["kind"] == "person"
    if a == "CSTDCS" and person:
        return b in _TITLES and m["nominee"]["kind"] == "person" and _unit(m) == _unit(n)
    if a in _COLLECTIVE_TITLES:
        return b in _TITLES and m["nominee"]["kind"] == "person" and _unit(m) == _unit(n)
    if a in _ABOVE_CSTDCS:
        return b == "CSTDCS" and m["nominee"]["id"] == n["nominee"]["id"]
    return a == b == "CO_CP"


def screened_with(n: dict[str, Any], others: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The nominations awaiting screening that share `n`'s batch: screened alone, `n` would get
    a verdict awards' batch would not give (a quota counted without them, a title they would
    confer not counted). The page then offers only the batch. Initiatives shared by two
    nominations are not seen here (the list does not carry them)."""
    return [
        m
        for m in others
        if m["nomination_id"] != n["nomination_id"] and m["status"] in SCREENABLE and _shares(n, m)
    ]


def quota_of(rule: dict[str, Any]) -> dict[str, Any] | None:
    """A rule result that carries a quota place (awards' facts `quota`, `quota_used`,
    `quota_rank`, and for CSTĐCS the LĐTT it is a share of): the figures a clerk reads."""
    facts = rule.get("facts") or {}
    if "quota" not in facts:
        return None
    return {
        "rule_id": rule["rule_id"],
        "limit": facts["quota"],
        "used": facts.get("quota_used", 0),
        "rank": facts.get("quota_rank"),
        "share": facts.get("cap_share"),
        "ldtt": facts.get("ldtt_count"),
        "ldtt_this_batch": facts.get("ldtt_this_batch"),
        "passed": rule["passed"],
    }


def batch_outcome(
    results: Iterable[dict[str, Any]], nominations: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Awards' batch answer beside the listed nominations: each one's verdict, failing rules
    and the quotas it competed for, in awards' order."""
    known = {n["nomination_id"]: n for n in nominations}
    rows = []
    for r in results:
        rules = r["rule_results"]
        rows.append(
            {
                "n": known.get(str(r["nomination_id"])),
                "nomination_id": str(r["nomination_id"]),
                "verdict": r["verdict"],
                "failing": [x for x in rules if not x["passed"]],
                "quotas": [q for x in rules if (q := quota_of(x)) is not None],
            }
        )
    return rows


def nominee_units(items: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """The nominees' own units (a person's unit, a collective itself), once each in the list's
    order: whose head may sign a decision for several of them."""
    found: dict[str, str] = {}
    for n in items:
        unit = _unit(n)
        nominee = n["nominee"]
        name = nominee.get("name") if nominee["kind"] == "collective" else nominee.get("unit_name")
        if unit and unit not in found:
            found[unit] = name or unit
    return [{"unit_id": u, "name": name} for u, name in found.items()]


def batch_of(
    chosen: Iterable[dict[str, Any]], waiting: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The batch for the nominations a list selects: them, then those awaiting screening that
    would change one of their verdicts (`screened_with`; a campaign's list leaves out the same
    unit's proposals of the year under another campaign, which share its quotas), once each."""
    chosen = list(chosen)
    waiting = list(waiting)
    batch = {n["nomination_id"]: n for n in chosen}
    for n in chosen:
        for m in screened_with(n, waiting):
            batch.setdefault(m["nomination_id"], m)
    return list(batch.values())
