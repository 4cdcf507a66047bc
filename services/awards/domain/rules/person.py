"""Personal titles and forms: R01 LĐTT, R02 CSTĐCS, R03 CSTĐ cấp tỉnh, R04 CSTĐ toàn quốc,
R07 Bằng khen tỉnh, R08 Bằng khen Thủ tướng.

Where a title of an earlier year is required, it must be on record by the consideration date (or
conferred earlier in the same batch or annual run): the grassroots decisions come before the
province considers the higher titles. LĐTT of a CSTĐCS nominee's year is the exception: the law
asks that the nominee "đạt tiêu chuẩn" LĐTT, so meeting its standard is enough
(`Context.meets_ldtt_standard`). A person the unit rated HTTNV or better but recorded as not
conferred LĐTT (discipline, not long enough in service, …) does not meet it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from fractions import Fraction

from services.awards.domain.context import Context
from services.awards.domain.facts import Facts, Initiative
from services.awards.domain.legal import (
    CONFIGURED,
    LUAT_2003_22,
    LUAT_2003_23,
    LUAT_2003_24,
    LUAT_2022_21,
    LUAT_2022_22_1,
    LUAT_2022_23,
    LUAT_2022_24_1,
    LUAT_2022_73_1_B,
    LUAT_2022_74_1_D,
    ND_91_2017_9_3,
    cite,
)
from services.awards.domain.rules.base import (
    IN_2013,
    IN_2022,
    Outcome,
    Quota,
    Rule,
    cited,
    targets,
)
from services.awards.domain.vocabulary import (
    BK_TINH,
    BK_TTG,
    CSTD_TINH,
    CSTD_TQ,
    CSTDCS,
    HTXSNV,
    LDTT,
    LDTT_WITHHELD_LABELS,
    LEVEL_RANK,
    PERSON,
    RATING_RANK,
    SCOPE_RANK,
)

_GOOD = RATING_RANK["HTTNV"]
_PROVINCIAL = LEVEL_RANK["provincial"]
_PROVINCE_WIDE = SCOPE_RANK["province"]
_NATIONWIDE = SCOPE_RANK["national"]


def _ids(initiatives: Iterable[Initiative]) -> str | None:
    return ",".join(i.id for i in initiatives) or None


# R01 LĐTT


def _r01(ctx: Context) -> Outcome:
    y = ctx.year
    rating = ctx.ratings.get(y)
    facts: dict = {f"rating_{y}": rating}
    if rating is None or RATING_RANK[rating] < _GOOD:
        return Outcome(False, facts, "Năm {y} không được xếp loại hoàn thành tốt nhiệm vụ trở lên.")
    withheld = ctx.facts.ldtt_withheld(ctx.subject_id, y)
    if withheld is not None:
        facts["ldtt_not_conferred"] = withheld
        return Outcome(
            False,
            facts,
            "Năm {y} được xếp loại hoàn thành tốt nhiệm vụ trở lên nhưng đơn vị ghi nhận không "
            f"đạt danh hiệu Lao động tiên tiến: {LDTT_WITHHELD_LABELS[withheld]}.",
        )
    return Outcome(True, facts, "Năm {y} được xếp loại hoàn thành tốt nhiệm vụ trở lên.")


# R02 CSTĐCS


def _r02_2022(ctx: Context) -> Outcome:
    y = ctx.year
    ldtt = ctx.meets_ldtt_standard(ctx.subject_id, y)
    rating = ctx.ratings.get(y)
    facts = {f"ldtt_{y}": ldtt, f"rating_{y}": rating}
    if not ldtt:
        return Outcome(False, facts, "Không đạt tiêu chuẩn Lao động tiên tiến năm {y}.")
    if rating == HTXSNV:
        return Outcome(
            True, facts, "Đạt Lao động tiên tiến và hoàn thành xuất sắc nhiệm vụ năm {y}."
        )
    found = [i for i in ctx.initiatives() if i.recognised_year == y]
    if found:
        found = found if not ctx.bulk else found[:1]
        facts[f"initiatives_{y}"] = ",".join(ctx.pick(found))
        return Outcome(
            True, facts, "Đạt Lao động tiên tiến và có sáng kiến được công nhận năm {y}."
        )
    facts[f"initiatives_{y}"] = None
    return Outcome(
        False,
        facts,
        "Đạt Lao động tiên tiến nhưng năm {y} không hoàn thành xuất sắc nhiệm vụ và không có "
        "sáng kiến, đề tài khoa học được công nhận.",
    )


def _r02_2013(ctx: Context) -> Outcome:
    y = ctx.year
    ldtt = ctx.meets_ldtt_standard(ctx.subject_id, y)
    facts = {f"ldtt_{y}": ldtt, f"rating_{y}": ctx.ratings.get(y)}
    if not ldtt:
        return Outcome(False, facts, "Không đạt tiêu chuẩn Lao động tiên tiến năm {y}.")
    found = [i for i in ctx.initiatives() if i.recognised_year == y]
    if found:
        found = found if not ctx.bulk else found[:1]
        facts[f"initiatives_{y}"] = ",".join(ctx.pick(found))
        return Outcome(
            True, facts, "Đạt Lao động tiên tiến và có sáng kiến được công nhận năm {y}."
        )
    facts[f"initiatives_{y}"] = None
    return Outcome(
        False,
        facts,
        "Theo chế độ 2013, Chiến sĩ thi đua cơ sở cần sáng kiến được công nhận năm {y}; "
        "xếp loại xuất sắc không thay thế được.",
    )


def _cstdcs_quota(ctx: Context, share_num: int, share_den: int, label: float) -> Quota:
    """The cap counts the unit's people who attained LĐTT ("đạt danh hiệu"): on record by the
    consideration date or conferred earlier in this batch; a rating alone does not count."""
    person = ctx.facts.persons.get(ctx.subject_id)
    unit = None if person is None else person.unit_id
    y = ctx.year
    if unit is None:
        on_record = this_batch = held = 0
    else:
        on_record, this_batch = ctx.unit_ldtt_holders(unit, y)
        held = ctx.facts.unit_holders(unit, CSTDCS, y, ctx.as_of)
    ldtt_count = on_record + this_batch
    return Quota(
        (CSTDCS, unit, ctx.year),
        ldtt_count * share_num // share_den,
        held,
        {
            "unit": unit,
            "ldtt_count": ldtt_count,
            "ldtt_on_record": on_record,
            "ldtt_this_batch": this_batch,
            "cap_share": label,
        },
    )


def _quota_2013(ctx: Context) -> Quota:
    return _cstdcs_quota(ctx, 15, 100, 0.15)


def _quota_2022(ctx: Context) -> Quota | None:
    cap = ctx.config.cstdcs_cap_2022
    if cap is None:
        return None
    share = Fraction(str(cap))  # 0.15 exactly, not the nearest binary fraction
    return _cstdcs_quota(ctx, share.numerator, share.denominator, cap)


# R03 CSTĐ cấp tỉnh


def _consecutive(ctx: Context, code: str, years: range, facts: dict) -> bool:
    """Held every year in `years`; records each year in `facts`. Bulk screening discards the
    facts of a failure, so it stops at the first missing year."""
    prefix = _PREFIX[code]
    ok = True
    for year in years:
        held = ctx.held(code, year)
        facts[f"{prefix}{year}"] = held
        if not held:
            if ctx.bulk:
                return False
            ok = False
    return ok


_PREFIX = {CSTDCS: "cstdcs_", CSTD_TINH: "cstd_tinh_"}


def _gate_r03(facts: Facts, year: int) -> Collection[str]:
    return facts.holders(PERSON, CSTDCS, year - 2)


def _gate_r04(facts: Facts, year: int) -> Collection[str]:
    return facts.holders(PERSON, CSTD_TINH, year - 3)


def _gate_r08(facts: Facts, year: int) -> Collection[str]:
    return facts.holders_until(PERSON, BK_TINH, year - 5)


def _r03(ctx: Context) -> Outcome:
    y = ctx.year
    facts: dict = {}
    if not _consecutive(ctx, CSTDCS, range(y - 2, y + 1), facts):
        return Outcome(False, facts, "Không đạt Chiến sĩ thi đua cơ sở 3 năm liên tục {window}.")
    found = [
        i
        for i in ctx.initiatives()
        if y - 2 <= i.recognised_year <= y
        and LEVEL_RANK[i.level] >= _PROVINCIAL
        and SCOPE_RANK[i.scope] >= _PROVINCE_WIDE
    ]
    if not found:
        facts["initiatives_province_wide"] = None
        return Outcome(
            False,
            facts,
            "Không có sáng kiến, đề tài khoa học có hiệu quả, ảnh hưởng trong phạm vi toàn tỉnh "
            "được cấp tỉnh công nhận trong {window}.",
        )
    facts["initiatives_province_wide"] = ",".join(ctx.pick(found[:1] if ctx.bulk else found))
    return Outcome(
        True,
        facts,
        "Đạt Chiến sĩ thi đua cơ sở 3 năm liên tục {window} và có sáng kiến ảnh hưởng toàn tỉnh.",
    )


# R04 CSTĐ toàn quốc


def _r04(ctx: Context) -> Outcome:
    y = ctx.year
    facts: dict = {}
    # Two CSTĐ cấp tỉnh running: periods of three years ending y-3 and y.
    if not _consecutive(ctx, CSTD_TINH, range(y - 3, y + 1, 3), facts):
        return Outcome(
            False, facts, "Không có 2 lần liên tục đạt Chiến sĩ thi đua cấp tỉnh ({window})."
        )
    found = [
        i
        for i in ctx.initiatives()
        if y - 5 <= i.recognised_year <= y and SCOPE_RANK[i.scope] >= _NATIONWIDE
    ]
    if not found:
        facts["initiatives_nationwide"] = None
        return Outcome(
            False,
            facts,
            "Không có sáng kiến có hiệu quả, khả năng nhân rộng trong toàn quốc trong {window}.",
        )
    facts["initiatives_nationwide"] = ",".join(ctx.pick(found[:1] if ctx.bulk else found))
    return Outcome(
        True,
        facts,
        "2 lần liên tục đạt Chiến sĩ thi đua cấp tỉnh và có sáng kiến ảnh hưởng toàn quốc.",
    )


# R07 Bằng khen của Chủ tịch UBND tỉnh (cá nhân)


def _r07(ctx: Context) -> Outcome:
    y = ctx.year
    facts: dict = {}
    if _consecutive(ctx, CSTDCS, range(y - 1, y + 1), facts):
        return Outcome(True, facts, "Đạt Chiến sĩ thi đua cơ sở 2 năm liên tục {window}.")
    excellent = ctx.ratings.get(y - 1) == HTXSNV and ctx.ratings.get(y) == HTXSNV
    facts[f"htxsnv_{y - 1}_{y}"] = excellent
    if not excellent:
        return Outcome(
            False,
            facts,
            "Không đạt Chiến sĩ thi đua cơ sở 2 năm liên tục, cũng không hoàn thành xuất sắc "
            "nhiệm vụ 2 năm liên tục {window}.",
        )
    found = [i for i in ctx.initiatives() if y - 1 <= i.recognised_year <= y]
    facts["initiatives_window"] = _ids(found)
    if len(found) < 2:
        return Outcome(
            False,
            facts,
            "Hoàn thành xuất sắc nhiệm vụ 2 năm liên tục nhưng chưa có 2 sáng kiến được công nhận "
            "trong {window}.",
        )
    facts["initiatives_window"] = ",".join(ctx.pick(found[:2] if ctx.bulk else found))
    return Outcome(
        True,
        facts,
        "Hoàn thành xuất sắc nhiệm vụ 2 năm liên tục {window} và có 2 sáng kiến được công nhận.",
    )


# R08 Bằng khen của Thủ tướng (cá nhân)


def _r08(ctx: Context) -> Outcome:
    y = ctx.year
    start = y - 4
    earlier = [r for r in ctx.records(BK_TINH).values() if r.period_end.year < start]
    facts: dict = {"bk_tinh_before": max((r.year for r in earlier), default=None)}
    if not earlier:
        return Outcome(
            False,
            facts,
            "Chưa được tặng Bằng khen của Chủ tịch UBND tỉnh trước thời gian {window}.",
        )
    good = 0
    cstdcs = 0
    for year in range(start, y + 1):
        if ctx.rank(year) >= _GOOD:
            good += 1
        if ctx.held(CSTDCS, year):
            cstdcs += 1
    facts["years_httnv_or_better"] = good
    facts["cstdcs_count"] = cstdcs
    if good < 5:
        return Outcome(
            False,
            facts,
            "Không đủ 5 năm liên tục {window} hoàn thành tốt nhiệm vụ trở lên.",
        )
    if cstdcs < 3:
        return Outcome(False, facts, "Trong {window} chưa có 3 lần đạt Chiến sĩ thi đua cơ sở.")
    return Outcome(
        True,
        facts,
        "Đã có Bằng khen tỉnh, sau đó 5 năm liên tục {window} hoàn thành tốt nhiệm vụ trở lên, "
        "trong đó 3 lần đạt Chiến sĩ thi đua cơ sở.",
    )


_P = PERSON
_2022, _2013 = IN_2022, IN_2013

# Citations per period (2013: to 2023-12-31; 2024: Nghị định 98/2023; 2025: Nghị định 152/2025),
# confirmed articles only (`legal`); a period left out is the province's to supply. A regime-2013
# rule considered from 2024 cites the 2022 law where its check is the 2022 one's (Luật 06/2022
# Điều 94–95: the 2003 law is no longer in force and nothing keeps it for later considerations).
_LDTT = cite(LUAT_2022_24_1)
_CSTD_TINH = cite(LUAT_2022_22_1)
_CSTD_TQ = cite(LUAT_2022_21)
_CSTDCS = cite(LUAT_2022_23)
_BK_TINH = cite(LUAT_2022_74_1_D)
_BK_TTG = cite(LUAT_2022_73_1_B)

PERSON_RULES: tuple[Rule, ...] = (
    Rule("R01", "Lao động tiên tiến", cited(p2024=_LDTT, p2025=_LDTT), targets(_P, LDTT),
         check=_r01, **_2022),
    Rule("R01-2013", "Lao động tiên tiến",
         cited(p2013=cite(LUAT_2003_24), p2024=_LDTT, p2025=_LDTT), targets(_P, LDTT),
         check=_r01, **_2013),
    Rule("R02", "Chiến sĩ thi đua cơ sở", cited(p2024=_CSTDCS, p2025=_CSTDCS), targets(_P, CSTDCS),
         check=_r02_2022, quota=_quota_2022, **_2022),
    Rule("R02-2013", "Chiến sĩ thi đua cơ sở (tỷ lệ 15%)",
         cited(p2013=cite(LUAT_2003_23, ND_91_2017_9_3)),
         targets(_P, CSTDCS), check=_r02_2013, quota=_quota_2013, **_2013),
    Rule("R03", "Chiến sĩ thi đua cấp tỉnh", cited(p2024=_CSTD_TINH, p2025=_CSTD_TINH),
         targets(_P, CSTD_TINH), check=_r03, gate=_gate_r03, **_2022),
    Rule("R03-2013", "Chiến sĩ thi đua cấp tỉnh",
         cited(p2013=cite(LUAT_2003_22), p2024=_CSTD_TINH, p2025=_CSTD_TINH),
         targets(_P, CSTD_TINH), check=_r03, gate=_gate_r03, **_2013),
    Rule("R04", "Chiến sĩ thi đua toàn quốc", cited(p2024=_CSTD_TQ, p2025=_CSTD_TQ),
         targets(_P, CSTD_TQ),
         check=_r04, gate=_gate_r04, **_2022),
    Rule("R04-2013", "Chiến sĩ thi đua toàn quốc",
         cited(p2013=CONFIGURED, p2024=_CSTD_TQ, p2025=_CSTD_TQ),
         targets(_P, CSTD_TQ), check=_r04, gate=_gate_r04, **_2013),
    Rule("R07", "Bằng khen của Chủ tịch UBND tỉnh", cited(p2024=_BK_TINH, p2025=_BK_TINH),
         targets(_P, BK_TINH), check=_r07, **_2022),
    # Regime 2013: the check is the 2022 criterion; no published 2013 criterion was confirmed,
    # so the province supplies the basis (and decides whether the criterion holds).
    Rule("R07-2013", "Bằng khen của Chủ tịch UBND tỉnh",
         cited(p2013=CONFIGURED, p2024=_BK_TINH, p2025=_BK_TINH),
         targets(_P, BK_TINH), check=_r07, confirmed=False, **_2013),
    Rule("R08", "Bằng khen của Thủ tướng Chính phủ", cited(p2024=_BK_TTG, p2025=_BK_TTG),
         targets(_P, BK_TTG), check=_r08, gate=_gate_r08, **_2022),
    Rule("R08-2013", "Bằng khen của Thủ tướng Chính phủ",
         cited(p2013=CONFIGURED, p2024=_BK_TTG, p2025=_BK_TTG),
         targets(_P, BK_TTG), check=_r08, gate=_gate_r08, confirmed=False, **_2013),
)  # fmt: skip
