"""Collective titles: R05 Tập thể lao động xuất sắc (also the standard behind both flags),
R06 Tập thể lao động tiên tiến, R09 Cờ thi đua của UBND tỉnh, R10 Cờ thi đua của Chính phủ.

The law counts members who attained the titles ("đạt danh hiệu Lao động tiên tiến", "có cá nhân
đạt danh hiệu Chiến sĩ thi đua cơ sở": Luật 06/2022 Điều 27–28; the 2003 law's Điều 27–28 as
amended in 2013). A member's LĐTT or CSTĐCS of the year counts when on record by the
consideration date or conferred in the same review batch (screened eligible earlier in the batch
or annual run); a rating alone never counts, and the facts list who counts on which basis
(`Context.ldtt_basis`). "Disciplined at warning level or above" means a discipline of that level
imposed during the year and known by the consideration date.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import NamedTuple

from services.awards.domain.context import Context
from services.awards.domain.facts import Facts
from services.awards.domain.legal import (
    CONFIGURED,
    LUAT_2003_25,
    LUAT_2003_27_1,
    LUAT_2003_28_1,
    LUAT_2022_25,
    LUAT_2022_26,
    LUAT_2022_27,
    LUAT_2022_28,
    ND_91_2017_11,
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
    """Members given a discipline of warning level or above during the year, by the
    consideration date."""
    y, as_of = ctx.year, ctx.as_of
    statuses_of = ctx.facts.statuses_of
    count = 0
    for m in members:
        for s in statuses_of(PERSON, m):
            if (
                s.status == "discipline"
                and s.start.year == y
                and s.start <= as_of
                and DISCIPLINE_RANK.get(s.level or "", WARNING_RANK) >= WARNING_RANK
            ):
                count += 1
                break
    return count


class _Ldtt(NamedTuple):
    counted: int
    facts: dict
    summary: str


_BASES = ("on_record", "this_batch", "rated_only", "not_conferred")


def _ldtt_members(ctx: Context, members: tuple[str, ...]) -> _Ldtt:
    """Members who attained LĐTT for the year (on record by the consideration date, or
    conferred in this batch), with who counts on which basis. Bulk screening only needs the
    count until a candidate is explained, so it skips the lists."""
    y = ctx.year
    basis_of = ctx.ldtt_basis
    if ctx.bulk:
        counted = 0
        for m in members:
            b = basis_of(m, y)
            if b == "this_batch" or b == "on_record":
                counted += 1
        return _Ldtt(counted, {}, "")
    by_basis: dict[str, list[str]] = {b: [] for b in _BASES}
    for m in members:
        b = basis_of(m, y)
        if b is not None:
            by_basis[b].append(m)
    counted = len(by_basis["on_record"]) + len(by_basis["this_batch"])
    facts: dict = {"considered_on": ctx.as_of.isoformat()}
    for basis in _BASES:
        facts[f"members_ldtt_{basis}"] = len(by_basis[basis])
        facts[f"members_ldtt_{basis}_ids"] = ",".join(by_basis[basis]) or None
    not_counted = len(by_basis["rated_only"]) + len(by_basis["not_conferred"])
    summary = (
        f" Tính đến ngày xét {ctx.as_of:%d/%m/%Y}: {counted}/{len(members)} thành viên đạt danh "
        f"hiệu Lao động tiên tiến ({len(by_basis['on_record'])} đã có quyết định, "
        f"{len(by_basis['this_batch'])} được xét tặng trong đợt này); {not_counted} thành viên "
        "chỉ được xếp loại hoàn thành tốt nhiệm vụ trở lên, chưa được tặng danh hiệu, không tính."
    )
    return _Ldtt(counted, facts, summary)


# R05 Tập thể lao động xuất sắc


def _ttldxs(discipline_clause: bool) -> Callable[[Context], Outcome]:
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
        cstdcs = [m for m in members if ctx.member_holds(m, CSTDCS, y)]
        facts |= {
            "members_htnv_or_better": done,
            "members_ldtt": ldtt.counted,
            "ldtt_share": round(ldtt.counted / len(members), 4),
            **ldtt.facts,
            "members_cstdcs": len(cstdcs),
        }
        if not ctx.bulk:
            facts["members_cstdcs_ids"] = ",".join(cstdcs) or None
        if done < len(members):
            return Outcome(False, facts, "Chưa đủ 100% thành viên hoàn thành nhiệm vụ năm {y}.")
        if ldtt.counted * 10 < len(members) * 7:
            return Outcome(
                False,
                facts,
                "Dưới 70% thành viên đạt danh hiệu Lao động tiên tiến năm {y}." + ldtt.summary,
            )
        if not cstdcs:
            return Outcome(
                False, facts, "Không có thành viên đạt danh hiệu Chiến sĩ thi đua cơ sở năm {y}."
            )
        if discipline_clause:
            disciplined = _disciplined_members(ctx, members)
            facts["members_disciplined_warning_or_above"] = disciplined
            if disciplined:
                return Outcome(
                    False, facts, "Có thành viên bị kỷ luật từ cảnh cáo trở lên trong năm {y}."
                )
        return Outcome(
            True, facts, "Đạt tiêu chuẩn Tập thể lao động xuất sắc năm {y}." + ldtt.summary
        )

    return check


# R06 Tập thể lao động tiên tiến


def _ttldtt(fixed_share: float | None) -> Callable[[Context], Outcome]:
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
        share = ldtt.counted / len(members)
        facts |= {"members_ldtt": ldtt.counted, "ldtt_share": round(share, 4), **ldtt.facts}
        if not share > share_needed:
            return Outcome(
                False,
                facts,
                "Tỷ lệ thành viên đạt danh hiệu Lao động tiên tiến năm {y} chưa vượt ngưỡng."
                + ldtt.summary,
            )
        disciplined = _disciplined_members(ctx, members)
        facts["members_disciplined_warning_or_above"] = disciplined
        if disciplined:
            return Outcome(
                False, facts, "Có thành viên bị kỷ luật từ cảnh cáo trở lên trong năm {y}."
            )
        return Outcome(
            True, facts, "Đạt tiêu chuẩn Tập thể lao động tiên tiến năm {y}." + ldtt.summary
        )

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
    y, facts = ctx.year, ctx.facts
    count = facts.bloc_leader_count(y)
    holders = facts.holders(COLLECTIVE, CO_CP, y)
    given = sum(1 for u in holders if facts.holds(COLLECTIVE, u, CO_CP, y, ctx.as_of))
    return Quota((CO_CP, y), count * 20 // 100, given, {"bloc_leaders": count, "cap_share": 0.2})


_C = COLLECTIVE
_2022, _2013 = IN_2022, IN_2013
_TTLDXS_STANDARD = targets(_C, TTLDXS, CO_TINH, CO_CP)

# Confirmed: Luật 06/2022 Điều 25–28 (see `legal` on 25 and 28), the 2003 law's Điều 25, 27
# khoản 1 and 28 khoản 1, Nghị định 91/2017 Điều 11. Not confirmed in a published copy, so the
# province's: the 2003 law's Điều 26, Hướng dẫn 1479/HD-BTĐKT, where the 20 % cap on Cờ thi đua
# của Chính phủ is written, and the 2022 share of members with LĐTT for TTLĐTT. The regime-2013
# forms of R05 and R06 differ from the 2022 ones (discipline clause, fixed 50 %): considered from
# 2024 their basis is the province's.
_TTLDXS_2022 = cite(LUAT_2022_27)
_CO_TINH_2022 = cite(LUAT_2022_26)
# the article, and the province's share of members (R06) or cap on proposals (R10)
_TTLDTT_2022 = cite(LUAT_2022_28, configured=True)
_CO_CP_2022 = cite(LUAT_2022_25, configured=True)

COLLECTIVE_RULES: tuple[Rule, ...] = (
    Rule("R05", "Tập thể lao động xuất sắc", cited(p2024=_TTLDXS_2022, p2025=_TTLDXS_2022),
         _TTLDXS_STANDARD, check=_ttldxs(discipline_clause=False), **_2022),
    Rule("R05-2013", "Tập thể lao động xuất sắc", cited(p2013=cite(LUAT_2003_27_1)),
         _TTLDXS_STANDARD, check=_ttldxs(discipline_clause=True), **_2013),
    Rule("R06", "Tập thể lao động tiên tiến", cited(p2024=_TTLDTT_2022, p2025=_TTLDTT_2022),
         targets(_C, TTLDTT),
         check=_ttldtt(fixed_share=None), **_2022),
    Rule("R06-2013", "Tập thể lao động tiên tiến", cited(p2013=cite(LUAT_2003_28_1)),
         targets(_C, TTLDTT), check=_ttldtt(fixed_share=0.5), **_2013),
    Rule("R09", "Cờ thi đua của UBND tỉnh: dẫn đầu khối, cụm",
         cited(p2024=_CO_TINH_2022, p2025=_CO_TINH_2022), targets(_C, CO_TINH, CO_CP),
         check=_r09, gate=_gate_r09, **_2022),
    Rule("R09-2013", "Cờ thi đua của UBND tỉnh: dẫn đầu khối, cụm",
         cited(p2013=CONFIGURED, p2024=_CO_TINH_2022, p2025=_CO_TINH_2022),
         targets(_C, CO_TINH, CO_CP), check=_r09, gate=_gate_r09, **_2013),
    Rule("R10", "Cờ thi đua của Chính phủ: không quá 20% đơn vị dẫn đầu",
         cited(p2024=_CO_CP_2022, p2025=_CO_CP_2022),
         targets(_C, CO_CP), check=_r10, quota=_co_cp_quota, **_2022),
    Rule("R10-2013", "Cờ thi đua của Chính phủ: không quá 20% đơn vị dẫn đầu",
         cited(p2013=cite(LUAT_2003_25, ND_91_2017_11, configured=True), p2024=_CO_CP_2022,
               p2025=_CO_CP_2022), targets(_C, CO_CP),
         check=_r10, quota=_co_cp_quota, **_2013),
)  # fmt: skip
