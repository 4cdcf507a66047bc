"""A bloc's standings, as progress gives them, put into words a clerk reads: what each criterion
measures, how its points are counted, the order and its tie-breaks, and where the leader stands.
Nothing is scored here: every figure is progress's (services/progress/domain/scoring.py and
standings.py); this module only names and groups them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CRITERIA = {
    "completion": (
        "Mức hoàn thành chỉ tiêu",
        "tỷ lệ hoàn thành bình quân gia quyền các chỉ tiêu của đơn vị (tối đa 100 %)",
    ),
    "early_finish": (
        "Về đích sớm",
        "tỷ lệ chỉ tiêu đạt trước thời hạn",
    ),
    "timeliness": (
        "Báo cáo đúng hạn",
        "tỷ lệ báo cáo gửi trước thời hạn",
    ),
}

ORDER = (
    "Xếp hạng theo tổng điểm, từ cao xuống thấp. Các đơn vị bằng điểm (sau khi làm tròn) cùng "
    "hạng, hạng kế tiếp bỏ qua số đơn vị bằng điểm (ví dụ 1, 2, 2, 4); trong cùng hạng, đơn vị "
    "được liệt kê theo tên, rồi theo mã."
)
LEADER_RULE = (
    "Đơn vị dẫn đầu là đơn vị đứng hạng nhất một mình. Nếu nhiều đơn vị cùng hạng nhất, kết quả "
    "suy tôn của các thành viên quyết định; nếu chưa có kết quả suy tôn hoặc số phiếu vẫn bằng "
    "nhau thì chưa xác định được, khối trưởng cần ghi nhận kết quả suy tôn."
)


@dataclass(frozen=True)
class Rule:
    name: str
    measures: str
    weight: float
    max_points: float


@dataclass
class Explained:
    rules: list[Rule]
    max_bonus: float | None
    max_penalty: float | None
    places: int
    first: list[dict[str, Any]] = field(default_factory=list)
    """The units sharing first place, each with its votes."""
    adjustments: list[dict[str, Any]] = field(default_factory=list)
    """Bonus and penalty points with the unit's name, as entered."""
    order: str = ORDER
    leader_rule: str = LEADER_RULE


def criterion_name(name: str) -> str:
    return CRITERIA.get(name, (name, ""))[0]


def explain(s: dict[str, Any]) -> Explained:
    scheme = s.get("scheme") or {}
    rules = [
        Rule(
            criterion_name(c["name"]),
            CRITERIA.get(c["name"], ("", ""))[1],
            float(c["weight"]),
            float(c["max_points"]),
        )
        for c in scheme.get("criteria", [])
    ]
    names = {r["unit_id"]: r["name"] or r["code"] for r in s.get("ranking", [])}
    votes = s.get("votes") or {}
    first = [
        {"unit_id": r["unit_id"], "name": names[r["unit_id"]], "votes": votes.get(r["unit_id"])}
        for r in s.get("ranking", [])
        if r["rank"] == 1
    ]
    adjustments = [
        {**a, "unit_name": names.get(a["unit_id"], a["unit_id"])} for a in s.get("adjustments", [])
    ]
    return Explained(
        rules=rules,
        max_bonus=scheme.get("max_bonus"),
        max_penalty=scheme.get("max_penalty"),
        places=int(scheme.get("score_places", 2)),
        first=first,
        adjustments=adjustments,
    )


def read_votes(fields: dict[str, str]) -> tuple[dict[str, int], list[str]]:
    """The vote form's `phieu-<unit_id>` fields: (counts by unit, units whose count is not a
    whole number ≥ 0). A blank field is no vote recorded for that unit."""
    counts: dict[str, int] = {}
    bad: list[str] = []
    for key, text in fields.items():
        if not key.startswith("phieu-"):
            continue
        unit = key.removeprefix("phieu-")
        text = text.strip().replace(".", "")
        if not text:
            continue
        if text.isdigit():
            counts[unit] = int(text)
        else:
            bad.append(unit)
    return counts, bad
