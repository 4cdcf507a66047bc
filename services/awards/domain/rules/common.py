"""Cross-cutting rules: R11 single use of initiatives, R13 dossier, R14 blocked, R15 periods,
R16 ties, and the stand-in for awards without a checkable standard.

They apply under both regimes; their citation follows the consideration date (see
`legal.PERIODS`), so a 2020 achievement decided in 2021 cites the texts of 2021.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache

from services.awards.domain.context import Context
from services.awards.domain.facts import StatusPeriod
from services.awards.domain.legal import LUAT_2003_84, LUAT_2022_75_2, ND_98_2023_30_9, cite
from services.awards.domain.rules.base import (
    BOTH,
    ONLY_2013,
    ONLY_2022,
    Outcome,
    Rule,
    cited,
)
from services.awards.domain.vocabulary import (
    AWARD_KINDS,
    BK_TINH,
    BK_TTG,
    BLOCKED,
    CO_CP,
    COLLECTIVE,
    CSTDCS,
    GIAY_KHEN,
    INCOMPLETE,
    INELIGIBLE,
    PERSON,
    WINDOW_YEARS,
)

ALL_TARGETS = frozenset((kind, code) for code, kinds in AWARD_KINDS.items() for kind in kinds)
WINDOWED = frozenset(WINDOW_YEARS)
QUOTA_TARGETS = frozenset({(PERSON, CSTDCS), (COLLECTIVE, CO_CP)})
MANUAL_TARGETS = frozenset(
    {(PERSON, GIAY_KHEN), (COLLECTIVE, GIAY_KHEN), (COLLECTIVE, BK_TINH), (COLLECTIVE, BK_TTG)}
)
WOMEN_SHARE_PREFERRED = 0.7


# R11 one initiative, one award


def _r11(ctx: Context) -> Outcome:
    nomination = ctx.nomination
    claimed = nomination.initiative_ids if nomination is not None else ()
    own = nomination.id if nomination is not None else None
    known = ctx.facts.initiatives
    used = []
    for i in claimed:
        initiative = known.get(i)
        if initiative is not None and initiative.used_by not in (None, own):
            used.append(i)
    earlier = [i for i in claimed if i in ctx.consumed and i not in used]
    facts = {
        "initiatives_claimed": ",".join(claimed) or None,
        "initiatives_used_by_other_award": ",".join(used) or None,
        "initiatives_claimed_earlier_in_batch": ",".join(earlier) or None,
    }
    if not claimed:
        return Outcome(True, facts, "Hồ sơ không dựa vào sáng kiến nào.")
    if used or earlier:
        return Outcome(
            False,
            facts,
            "Sáng kiến đã được dùng để xét khen thưởng khác; mỗi sáng kiến chỉ dùng một lần.",
        )
    return Outcome(True, facts, "Sáng kiến nêu trong hồ sơ chưa được dùng để khen thưởng lần nào.")


# R13 dossier


def _r13(ctx: Context) -> Outcome:
    nomination = ctx.nomination
    if nomination is None:  # annual screening skips R13 (bulk="skip"): a proposal has no dossier
        raise ValueError("R13 checks a nomination's dossier")
    required = set(ctx.config.required_documents.get(ctx.code, ()))
    if ctx.code == CSTDCS and ctx.regime == "2022" and not nomination.initiative_ids:
        # Under 2022 an excellent rating alone qualifies: no initiative, no certificate to attach.
        required.discard("initiative_certificate")
    missing = sorted(required - nomination.documents)
    facts = {
        "documents_required": ",".join(sorted(required)) or None,
        "documents_missing": ",".join(missing) or None,
    }
    if missing:
        return Outcome(False, facts, "Hồ sơ thiếu tài liệu bắt buộc.")
    return Outcome(True, facts, "Hồ sơ đủ thành phần.")


# R14 pending statuses block; past discipline restarts the count


@lru_cache(maxsize=64)
def _iso(day: date) -> str:
    return day.isoformat()


@lru_cache(maxsize=64)
def _day(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def _r14(ctx: Context) -> Outcome:
    """Blocked: a status (pending investigation, inspection, complaint, or a discipline being
    considered or in force) open on the consideration date (`Nomination.considered_on`, or the
    date annual screening is given). Ineligible: a discipline still in force on the first counted
    year's 1 January (its `end` is exclusive, as the registry records it), because achievements
    count from its end, and the year it ends in is not a whole year after it. A status that
    starts after the consideration date did not exist then: it is not read."""
    as_of = ctx.as_of
    facts: dict = {"considered_on": _iso(as_of)}
    statuses: Sequence[StatusPeriod] = ctx.statuses
    if statuses:
        statuses = [s for s in statuses if s.start <= as_of]
    if not statuses:
        return Outcome(True, facts, _not_pending(as_of))
    pending = [s for s in statuses if s.open_on(as_of)]
    if pending:
        facts["pending"] = ",".join(f"{s.status}:{s.start.isoformat()}" for s in pending)
        return Outcome(
            False,
            facts,
            f"Ngày xét {_day(as_of)}: đang bị xem xét kỷ luật, điều tra, thanh tra, kiểm tra "
            "hoặc có khiếu nại chưa giải quyết: chưa được đề nghị khen thưởng.",
            BLOCKED,
        )
    first_year = ctx.window_start if ctx.window_start is not None else ctx.year
    counted_from = date(first_year, 1, 1)
    ends = [
        s.end
        for s in statuses
        if s.status == "discipline" and s.end is not None and s.end > counted_from
    ]
    if ends:
        end = max(ends)  # exclusive: achievements count from that day
        facts["discipline_ended"] = end.isoformat()
        facts["achievements_count_from"] = end.isoformat()
        return Outcome(
            False,
            facts,
            "Thành tích chỉ được tính từ khi hết thời hạn kỷ luật; thời gian tính thành tích "
            "{window} bắt đầu trước đó.",
            INELIGIBLE,
        )
    return Outcome(True, facts, _not_pending(as_of))


@lru_cache(maxsize=64)
def _not_pending(as_of: date) -> str:
    return f"Ngày xét {_day(as_of)}: không đang bị xem xét kỷ luật, điều tra, thanh tra, khiếu nại."


# R15 the next period starts after the previous decision's period


def _r15(ctx: Context) -> Outcome:
    """The counted window (`vocabulary.WINDOW_YEARS`) must start after the achievement period of
    any earlier decision for the same award; for a yearly title, no second award for one year.
    Maternity leave counts as time worked: the read model records no working time, so nothing
    here can hold it against anyone."""
    start = ctx.window_start
    if start is None:  # R15 targets only the awards that count a window of years (WINDOWED)
        raise ValueError(f"R15: {ctx.code} counts no window of years")
    facts: dict = {"window_start": _iso(date(start, 1, 1))}
    records = ctx.records(ctx.code)  # decided by the consideration date
    if records and max(records) >= start:
        last = max(records.values(), key=lambda r: r.period_end)
        facts["previous_period_end"] = last.period_end.isoformat()
        facts["previous_decision"] = last.decision_ref
        return Outcome(
            False,
            facts,
            "Thời gian tính thành tích {window} trùng với thời gian đã tính cho lần khen thưởng "
            "trước cùng hình thức.",
        )
    return Outcome(
        True,
        facts,
        "Thời gian tính thành tích {window} bắt đầu sau kỳ của lần khen thưởng trước.",
    )


# R16 ties: women first, collectives with >= 70% women


def preferred(ctx: Context) -> tuple[bool, dict]:
    if ctx.kind == PERSON:
        person = ctx.facts.persons.get(ctx.subject_id)
        gender = None if person is None else person.gender
        return gender == "female", {"gender": gender}
    share = ctx.facts.women_share(ctx.subject_id)
    return (
        share is not None and share >= WOMEN_SHARE_PREFERRED,
        {"women_share": None if share is None else round(share, 4)},
    )


def _r16(ctx: Context) -> Outcome:
    is_preferred, facts = preferred(ctx)
    facts["tie_break_preferred"] = is_preferred
    return Outcome(
        True,
        facts,
        "Khi bằng nhau, ưu tiên cá nhân là nữ, tập thể có từ 70% nữ trở lên.",
    )


# Awards the law gives no checkable standard (Giấy khen; a collective's Bằng khen): the council
# weighs the achievement.


def _manual(ctx: Context) -> Outcome:
    return Outcome(
        True,
        {"checked_automatically": False},
        "Không có tiêu chuẩn kiểm tra tự động cho hình thức này; Hội đồng xem xét thành tích.",
    )


# One basis per period, whatever the regime: the texts in force on the consideration date.
# Confirmed: the 2003 law's Điều 84 (dossier) and Nghị định 98/2023 Điều 30 khoản 9 (periods).
# Not confirmed in a published copy, so the province's: single use of initiatives (R11), the
# blocking statuses (R14), the 2013 and 2025 bases of the periods rule (R15), the tie-breaks
# (R16), the 2022 dossier article (R13), and the articles on a collective's Bằng khen and on
# Giấy khen before 2024 that leave the achievement to the council (MANUAL).
# Giấy khen from 2024: Luật 06/2022 Điều 75 khoản 2 leaves its standards to the province, whose
# own regulation is the configured part.
_GIAY_KHEN_2022 = cite(LUAT_2022_75_2, configured=True)
_MANUAL = {GIAY_KHEN: cited(p2024=_GIAY_KHEN_2022, p2025=_GIAY_KHEN_2022)}

COMMON_RULES: tuple[Rule, ...] = (
    Rule("MANUAL", "Xét thành tích", cited(_MANUAL), MANUAL_TARGETS, ONLY_2022,
         check=_manual, confirmed=False),
    Rule("MANUAL-2013", "Xét thành tích", cited(_MANUAL), MANUAL_TARGETS, ONLY_2013,
         check=_manual, confirmed=False),
    Rule("R11", "Mỗi sáng kiến chỉ dùng cho một lần khen thưởng", cited(), ALL_TARGETS, BOTH,
         check=_r11, bulk="explain", confirmed=False),
    Rule("R13", "Thành phần hồ sơ", cited(p2013=cite(LUAT_2003_84)), ALL_TARGETS, BOTH,
         check=_r13, effect=INCOMPLETE, bulk="skip"),
    Rule("R14", "Đang bị xem xét kỷ luật, điều tra, thanh tra, khiếu nại", cited(),
         ALL_TARGETS, BOTH, check=_r14, effect=BLOCKED),
    Rule("R15", "Thời gian tính thành tích", cited(p2024=cite(ND_98_2023_30_9)), WINDOWED, BOTH,
         check=_r15),
    Rule("R16", "Ưu tiên khi bằng nhau", cited(), QUOTA_TARGETS, BOTH, check=_r16,
         bulk="explain"),
)  # fmt: skip
