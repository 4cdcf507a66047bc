"""The words of the domain: award codes, ratings, document types, subject kinds.

Values are the wire values of `schemas.types` (plain strings), so a screening result goes onto the
bus without translation. The domain does not import `schemas`: it stays free of pydantic and I/O.
"""

from __future__ import annotations

from typing import Literal

SubjectKind = Literal["person", "collective"]
PERSON: SubjectKind = "person"
COLLECTIVE: SubjectKind = "collective"

Gender = Literal["female", "male"]

# Yearly performance ratings (xếp loại), best first.
Rating = Literal["HTXSNV", "HTTNV", "HTNV", "KHTNV"]
HTXSNV, HTTNV, HTNV, KHTNV = "HTXSNV", "HTTNV", "HTNV", "KHTNV"
RATING_RANK: dict[str, int] = {HTXSNV: 3, HTTNV: 2, HTNV: 1, KHTNV: 0}
"""Compare ratings by rank: "HTTNV or better" is rank >= 2."""

LdttWithheld = Literal["discipline", "months_worked", "conduct", "other"]
"""Why a person rated HTTNV or better was not conferred Lao động tiên tiến by their unit: a
rating is not the title, which also asks for conduct and service time (not for someone recruited
less than 10 months before: Nghị định 91/2017 Điều 10; less than 6 months: Thông tư
01/2024/TT-BNV; maternity leave counts as worked). The unit's review decides; screening honours
what it recorded."""
LDTT_WITHHELD_LABELS: dict[str, str] = {
    "discipline": "bị kỷ luật trong năm",
    "months_worked": "không đủ thời gian công tác trong năm để bình xét",
    "conduct": "không đạt tiêu chuẩn về phẩm chất, ý thức chấp hành",
    "other": "lý do khác do đơn vị ghi nhận",
}

LdttBasis = Literal["on_record", "this_batch", "not_conferred", "rated_only"]
"""How a person stands towards Lao động tiên tiến for a year: the title on record (a decision or
the award history, decided by the consideration date), conferred in the review batch being
screened, rated HTTNV or better with the title recorded as not conferred, or rated HTTNV or
better with no title (yet): only the first two are the title."""

AwardCode = Literal[
    "LDTT",
    "CSTDCS",
    "CSTD_TINH",
    "CSTD_TQ",
    "TTLDTT",
    "TTLDXS",
    "CO_TINH",
    "CO_CP",
    "GIAY_KHEN",
    "BK_TINH",
    "BK_TTG",
]
LDTT, CSTDCS, CSTD_TINH, CSTD_TQ = "LDTT", "CSTDCS", "CSTD_TINH", "CSTD_TQ"
TTLDTT, TTLDXS, CO_TINH, CO_CP = "TTLDTT", "TTLDXS", "CO_TINH", "CO_CP"
GIAY_KHEN, BK_TINH, BK_TTG = "GIAY_KHEN", "BK_TINH", "BK_TTG"

EMULATION_TITLES = frozenset({LDTT, CSTDCS, CSTD_TINH, CSTD_TQ, TTLDTT, TTLDXS, CO_TINH, CO_CP})
"""Danh hiệu thi đua; the rest (GIAY_KHEN, BK_TINH, BK_TTG) are hình thức khen thưởng."""

AWARD_KINDS: dict[str, frozenset[str]] = {
    LDTT: frozenset({PERSON}),
    CSTDCS: frozenset({PERSON}),
    CSTD_TINH: frozenset({PERSON}),
    CSTD_TQ: frozenset({PERSON}),
    TTLDTT: frozenset({COLLECTIVE}),
    TTLDXS: frozenset({COLLECTIVE}),
    CO_TINH: frozenset({COLLECTIVE}),
    CO_CP: frozenset({COLLECTIVE}),
    GIAY_KHEN: frozenset({PERSON, COLLECTIVE}),
    BK_TINH: frozenset({PERSON, COLLECTIVE}),
    BK_TTG: frozenset({PERSON, COLLECTIVE}),
}
"""Who each award is for: a person, a collective, or both."""

WINDOW_YEARS: dict[tuple[str, str], int] = {
    (PERSON, LDTT): 1,
    (PERSON, CSTDCS): 1,
    (PERSON, CSTD_TINH): 3,  # CSTDCS three years running
    (PERSON, CSTD_TQ): 6,  # CSTD_TINH twice running, three years each
    (PERSON, BK_TINH): 2,  # two consecutive years
    (PERSON, BK_TTG): 5,  # five consecutive years after the BK_TINH
    (COLLECTIVE, TTLDTT): 1,
    (COLLECTIVE, TTLDXS): 1,
    (COLLECTIVE, CO_TINH): 1,
    (COLLECTIVE, CO_CP): 1,
}
"""How many years of achievement an award counts, ending with the nomination's year. Awards
without a checkable standard (GIAY_KHEN, collective BK_*) have no window here."""

DocumentType = Literal[
    "submission",  # tờ trình
    "achievement_report",  # báo cáo thành tích
    "review_minutes",  # biên bản bình xét
    "initiative_certificate",  # giấy chứng nhận sáng kiến
    "other",
]

StatusKind = Literal["discipline", "investigation", "inspection", "complaint"]
DisciplineLevel = Literal["reprimand", "warning", "demotion", "dismissal"]
DISCIPLINE_RANK: dict[str, int] = {"reprimand": 1, "warning": 2, "demotion": 3, "dismissal": 4}
"""Khiển trách < cảnh cáo < hạ bậc lương / giáng chức < cách chức / buộc thôi việc."""
WARNING_RANK = DISCIPLINE_RANK["warning"]

InitiativeKind = Literal["initiative", "science_work"]  # sáng kiến, đề tài khoa học
InitiativeLevel = Literal["grassroots", "provincial", "national"]
"""The level that recognised it (cơ sở, tỉnh, toàn quốc)."""
InitiativeScope = Literal["unit", "province", "national"]
"""How far its effect reaches (phạm vi ảnh hưởng)."""
LEVEL_RANK: dict[str, int] = {"grassroots": 1, "provincial": 2, "national": 3}
SCOPE_RANK: dict[str, int] = {"unit": 1, "province": 2, "national": 3}

Verdict = Literal["eligible", "ineligible", "incomplete", "blocked"]
ELIGIBLE: Verdict = "eligible"
INELIGIBLE: Verdict = "ineligible"
INCOMPLETE: Verdict = "incomplete"
BLOCKED: Verdict = "blocked"
