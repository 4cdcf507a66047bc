"""Collective titles: R05 Tập thể lao động xuất sắc (also the standard behind both flags),
R06 Tập thể lao động tiên tiến, R09 Cờ thi đua của UBND tỉnh, R10 Cờ thi đua của Chính phủ.

Members' LĐTT of the year counts when held or when its standard is met (`Facts.meets_ldtt`); a
member's CSTĐCS must be on record (or proposed earlier in the same annual run). "Disciplined at
warning level or above" means a discipline of that level imposed during the year.
"""

from __future__ import annotations

from collections.abc import Collection

from services.awards.domain.context import Context
from services.awards.domain.facts import Facts
from services.awards.domain.legal import (
    CONFIGURED,
    LUAT_2003_25,
    LUAT_2003_27_1,
    LUAT_2003_28_1,
    LUAT_2022_26,
    LUAT_2022_27,
    ND_91_2017_11,
    cite,
)
from services.awards.domain.rules.base import (
    ONLY_2013,
    ONLY_2022,
    REGIME_2013_UNTIL,
    REGIME_2022_FROM,
    Outcome,
    Quota,
    Rule,
    cited,
    targets,
)
from services.awards.domain.vocabulary import (
    CO_CP,
    CO_TINH,
    COLLECTIVE,
    CSTDCS,
    DISCIPLINE_RANK,
    HTXSNV,
    PERSON,
    RATING_RANK,
    TTLDTT,
    TTLDXS,
    WARNING_RANK,
)

_DONE = RATING_RANK["HTNV"]
_GOOD = RATING_RANK["HTTNV"]


def _disciplined_members(ctx: Context, members: tuple[str, ...]) -> int:
    """Members given a discipline of warning level or above during the year."""
    y = ctx.year
    statuses_of = ctx.facts.statuses_of
    count = 0
    for m in members:
        for s in statuses_of(PERSON, m):
            if (
                s.status == "discipline"
                and s.start.year == y
                and DISCIPLINE_RANK.get(s.level or "", WARNING_RANK) >= WARNING_RANK
            ):
                count += 1
                break
    return count


def _ldtt_members(ctx: Context, members: tuple[str, ...]) -> int:
    y = ctx.year
    return sum(1 for m in members if ctx.meets_ldtt(m, y))


# R05 Tập thể lao động xuất sắc


def _ttldxs(discipline_clause: bool):
    def check(ctx: Context) -> Outcome:
        y = ctx.year
        members = ctx.facts.members_of(ctx.subject_id)
        rating = ctx.ratings.get(y)
        facts: dict = {f"collective_rating_{y}": rating, "members": len(members)}
        if rating != HTXSNV:
            return Outcome(
                False, facts, "Tập thể không được xếp loại hoàn thành xuất sắc nhiệm vụ năm {y}."
            )
        if not members:
            return Outcome(False, facts, "Không có dữ liệu thành viên của tập thể năm {y}.")
        ratings_of = ctx.facts.ratings_of
        done = sum(
            1 for m in members if RATING_RANK.get(ratings_of(PERSON, m).get(y, ""), -1) >= _DONE
        )
        ldtt = _ldtt_members(ctx, members)
        cstdcs = sum(1 for m in members if ctx.member_holds(m, CSTDCS, y))
        facts |= {
            "members_htnv_or_better": done,
            "members_ldtt": ldtt,
            "ldtt_share": round(ldtt / len(members), 4),
            "members_cstdcs": cstdcs,
        }
        if done < len(members):
            return Outcome(False, facts, "Chưa đủ 100% thành viên hoàn thành nhiệm vụ năm {y}.")
        if ldtt * 10 < len(members) * 7:
            return Outcome(False, facts, "Dưới 70% thành viên đạt Lao động tiên tiến năm {y}.")
        if cstdcs < 1:
            return Outcome(False, facts, "Không có thành viên đạt Chiến sĩ thi đua cơ sở năm {y}.")
        if discipline_clause:
            disciplined = _disciplined_members(ctx, members)
            facts["members_disciplined_warning_or_above"] = disciplined
            if disciplined:
                return Outcome(
                    False, facts, "Có thành viên bị kỷ luật từ cảnh cáo trở lên trong năm {y}."
                )
        return Outcome(True, facts, "Đạt tiêu chuẩn Tập thể lao động xuất sắc năm {y}.")

    return check


# R06 Tập thể lao động tiên tiến


def _ttldtt(fixed_share: float | None):
    def check(ctx: Context) -> Outcome:
        y = ctx.year
        share_needed = ctx.config.ttldtt_ldtt_share_2022 if fixed_share is None else fixed_share
        members = ctx.facts.members_of(ctx.subject_id)
        rating = ctx.ratings.get(y)
        facts: dict = {
            f"collective_rating_{y}": rating,
            "members": len(members),
            "ldtt_share_more_than": share_needed,
        }
        if rating is None or RATING_RANK[rating] < _GOOD:
            return Outcome(
                False, facts, "Tập thể không được xếp loại hoàn thành tốt nhiệm vụ trở lên năm {y}."
            )
        if not members:
            return Outcome(False, facts, "Không có dữ liệu thành viên của tập thể năm {y}.")
        ldtt = _ldtt_members(ctx, members)
        share = ldtt / len(members)
        facts |= {"members_ldtt": ldtt, "ldtt_share": round(share, 4)}
        if not share > share_needed:
            return Outcome(
                False, facts, "Tỷ lệ thành viên đạt Lao động tiên tiến năm {y} chưa vượt ngưỡng."
            )
        disciplined = _disciplined_members(ctx, members)
        facts["members_disciplined_warning_or_above"] = disciplined
        if disciplined:
            return Outcome(
                False, facts, "Có thành viên bị kỷ luật từ cảnh cáo trở lên trong năm {y}."
            )
        return Outcome(True, facts, "Đạt tiêu chuẩn Tập thể lao động tiên tiến năm {y}.")

    return check


# R09 Cờ thi đua của UBND tỉnh: leads its bloc (the R05 standard is checked by R05 itself).


def _r09(ctx: Context) -> Outcome:
    y = ctx.year
    leader = ctx.facts.is_bloc_leader(ctx.subject_id, y)
    facts = {f"bloc_leader_{y}": leader}
    if leader:
        return Outcome(True, facts, "Được suy tôn dẫn đầu khối, cụm thi đua năm {y}.")
    return Outcome(False, facts, "Không phải đơn vị dẫn đầu khối, cụm thi đua năm {y}.")


def _gate_r09(facts: Facts, year: int) -> Collection[str]:
    return facts.bloc_leaders(year)


# R10 Cờ thi đua của Chính phủ: at most 20% of the province's bloc leaders.


def _r10(ctx: Context) -> Outcome:
    count = ctx.facts.bloc_leader_count(ctx.year)
    return Outcome(
        True,
        {f"bloc_leaders_{ctx.year}": count},
        "Số Cờ thi đua của Chính phủ đề nghị không quá 20% số đơn vị dẫn đầu khối, cụm.",
    )


def _co_cp_quota(ctx: Context) -> Quota:
    y = ctx.year
    count = ctx.facts.bloc_leader_count(y)
    return Quota(
        (CO_CP, y),
        count * 20 // 100,
        len(ctx.facts.holders(COLLECTIVE, CO_CP, y)),
        {"bloc_leaders": count, "cap_share": 0.2},
    )


_C = COLLECTIVE
_2022 = {"regimes": ONLY_2022, "effective_from": REGIME_2022_FROM}
_2013 = {"regimes": ONLY_2013, "effective_to": REGIME_2013_UNTIL}
_TTLDXS_STANDARD = targets(_C, TTLDXS, CO_TINH, CO_CP)

# Confirmed: Luật 06/2022 Điều 26 and 27, the 2003 law's Điều 25, 27 khoản 1 and 28 khoản 1,
# Nghị định 91/2017 Điều 11. Not confirmed in a published copy, so the province's: Luật 06/2022
# Điều 25 and 28, the 2003 law's Điều 26, Hướng dẫn 1479/HD-BTĐKT, and where the 20 % cap on Cờ
# thi đua của Chính phủ is written. The regime-2013 forms of R05 and R06 differ from the 2022 ones
# (discipline clause, fixed 50 %): considered from 2024 their basis is the province's.
_TTLDXS_2022 = cite(LUAT_2022_27)
_CO_TINH_2022 = cite(LUAT_2022_26)

COLLECTIVE_RULES: tuple[Rule, ...] = (
    Rule("R05", "Tập thể lao động xuất sắc", cited(p2024=_TTLDXS_2022, p2025=_TTLDXS_2022),
         _TTLDXS_STANDARD, check=_ttldxs(discipline_clause=False), **_2022),
    Rule("R05-2013", "Tập thể lao động xuất sắc", cited(p2013=cite(LUAT_2003_27_1)),
         _TTLDXS_STANDARD, check=_ttldxs(discipline_clause=True), **_2013),
    Rule("R06", "Tập thể lao động tiên tiến", cited(), targets(_C, TTLDTT),
         check=_ttldtt(fixed_share=None), **_2022),
    Rule("R06-2013", "Tập thể lao động tiên tiến", cited(p2013=cite(LUAT_2003_28_1)),
         targets(_C, TTLDTT), check=_ttldtt(fixed_share=0.5), **_2013),
    Rule("R09", "Cờ thi đua của UBND tỉnh: dẫn đầu khối, cụm",
         cited(p2024=_CO_TINH_2022, p2025=_CO_TINH_2022), targets(_C, CO_TINH, CO_CP),
         check=_r09, gate=_gate_r09, **_2022),
    Rule("R09-2013", "Cờ thi đua của UBND tỉnh: dẫn đầu khối, cụm",
         cited(p2013=CONFIGURED, p2024=_CO_TINH_2022, p2025=_CO_TINH_2022),
         targets(_C, CO_TINH, CO_CP), check=_r09, gate=_gate_r09, **_2013),
    Rule("R10", "Cờ thi đua của Chính phủ: không quá 20% đơn vị dẫn đầu", cited(),
         targets(_C, CO_CP), check=_r10, quota=_co_cp_quota, **_2022),
    Rule("R10-2013", "Cờ thi đua của Chính phủ: không quá 20% đơn vị dẫn đầu",
         cited(p2013=cite(LUAT_2003_25, ND_91_2017_11, configured=True)), targets(_C, CO_CP),
         check=_r10, quota=_co_cp_quota, **_2013),
)  # fmt: skip
