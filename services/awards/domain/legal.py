"""The legal texts the rules cite, when each was in force, and the periods a citation is chosen by.

Reviewed configuration: every date and article here was read in a published copy of the text (or
an official answer quoting it), whose address is kept in `sources`; a field that could not be
confirmed that way is listed in `unconfirmed`, and `docs/legal.md` says what to check. A rule
never cites an article that is not confirmed here: its citation for that period is then the
province's to supply (`ScreeningConfig.rule_citations`), and the screening says so
("căn cứ do tỉnh cấu hình").

A citation is chosen by the consideration date (`Context.as_of`), not by the achievement period:
Luật 06/2022/QH15 Điều 94 ends the 2003 law (with its amending laws) on 2024-01-01, and its only
transitional clause (Điều 95) keeps titles and awards already conferred; nothing keeps the 2003
law for achievements considered after that day. A regime-2013 achievement considered in 2024 is
therefore cited to the texts in force in 2024 where its rule's substance is the same there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class LegalText:
    id: str
    kind: str
    """Luật, Nghị định, Thông tư, Hướng dẫn."""
    number: str
    title: str
    issuer: str
    signed: date | None
    in_force_from: date | None
    in_force_until: date | None
    """The last day in force (inclusive); None: still in force, or not known (`unconfirmed`)."""
    replaced_by: str | None = None
    sources: tuple[str, ...] = ()
    """Where the dates and the replacement were read."""
    unconfirmed: tuple[str, ...] = ()
    """Fields not confirmed in a published text (taken from the project's domain brief)."""

    @property
    def label(self) -> str:
        return (
            f"{self.kind} {self.number}" if self.kind != "Luật" else f"{self.title} {self.number}"
        )

    def in_force(self, day: date) -> bool:
        if self.in_force_from is None or day < self.in_force_from:
            return False
        return self.in_force_until is None or day <= self.in_force_until


def _d(text: str) -> date:
    return date.fromisoformat(text)


_VBPL_2003 = "https://vbpl.vn/TW/Pages/vbpq-toanvan.aspx?ItemID=19415"
_VIETJACK_2003 = "https://vietjack.me/phap-luat/luat-thi-dua-khen-thuong-2003/chuong-8-736.html"
_WIKISOURCE_2022_VIII = (
    "https://vi.wikisource.org/wiki/Lu%E1%BA%ADt_Thi_%C4%91ua,_khen_th%C6%B0%E1%BB%9Fng_n%C6%B0"
    "%E1%BB%9Bc_C%E1%BB%99ng_h%C3%B2a_x%C3%A3_h%E1%BB%99i_ch%E1%BB%A7_ngh%C4%A9a_Vi%E1%BB%87t_Nam"
    "_2022/Ch%C6%B0%C6%A1ng_VIII"
)
_VIETJACK_2022 = "https://vietjack.me/phap-luat/luat-thi-dua-khen-thuong-2022/chuong-iv-962.html"
_VBHN_05_2012 = (
    "https://hethongphapluat.vn/van-ban-hop-nhat-05-vbhn-vpqh-ve-luat-thi-dua-khen-thuong-do-van"
    "-phong-quoc-hoi-ban-hanh.html"
)
_ONIP_2013 = "https://onip.vn/luat-thi-dua-khen-thuong-2013/"
_VBHN_16_2013 = (
    "https://thuviennhadat.vn/vbpl/van-ban-hop-nhat-16-vbhn-vpqh-nam-2013-hop-nhat-luat-thi-dua"
    "-khen-thuong-219918.html"
)
_PHU_YEN_31_2020 = (
    "https://phapluatcongdong.vn/van-ban/quyet-dinh-31-2020-qd-ubnd-ban-hanh-tinh-phu-yen-nam"
    "-2020-p43558.htm"
)
_AN_GIANG_08_2012 = (
    "https://ls1.hethongphapluat.com/quyet-dinh-08-2012-qd-ubnd-ve-quy-che-cong-tac-thi-dua-khen"
    "-thuong-tren-dia-ban-tinh-an-giang.html"
)
_BTDKT_65_2014 = "http://banthiduakhenthuongtw.gov.vn/traloi/6ca1f7e08dae494f8b0b95f2e9d12906"
_HTPL_91_2017 = (
    "https://hethongphapluat.com/nghi-dinh-91-2017-nd-cp-huong-dan-luat-thi-dua-khen-thuong/dieu-44"
)
_HTPL_98_2023 = (
    "https://hethongphapluat.com/nghi-dinh-98-2023-nd-cp-huong-dan-luat-thi-dua-khen-thuong"
    "/dieu-114"
)
_HOIVDAP_98_2023 = "https://hoivdap.com/nghi-dinh-91-2023-ve-hop-phap-hoa-lanh-su-nam-2024"
_BAOMOI_08_2017 = (
    "https://baomoi.com/chua-xet-khen-thuong-cho-cong-chuc-co-don-khieu-nai-to-cao/c/24174170.epi"
)
_BACNINH_01_2024 = (
    "https://bacninh.gov.vn/news/-/details/20182/thong-tu-1-2024-tt-bnv-cua-bo-noi-vu-quy-inh"
    "-bien-phap-thi-hanh-luat-thi-ua-khen-thuong-62283616"
)

_CHINHPHU_GIAY_KHEN = "https://baochinhphu.vn/tieu-chuan-xet-tang-giay-khen-102241213091854171.htm"
_NGOISAO_152_2025 = (
    "https://ngoisao.vn/theo-dong-su-kien/tin-nong-trong-ngay/tin-vui-cong-chuc-vien-chuc-se-duoc"
    "-thuong-hon-8000000-dong-neu-dat-duoc-thanh-tich-nay-463849.htm"
)
_HTPL_12_2019 = (
    "https://hethongphapluat.com/thong-tu-12-2019-tt-bnv-huong-dan-nghi-dinh-91-2017-nd-cp-huong"
    "-dan-luat-thi-dua-khen-thuong-do-bo-truong-bo-noi-vu-ban-hanh/dieu-9"
)

_TEXTS = (
    LegalText(
        "LUAT_15_2003", "Luật", "15/2003/QH11", "Luật Thi đua, khen thưởng", "Quốc hội",
        _d("2003-11-26"), _d("2004-07-01"), _d("2023-12-31"), "LUAT_06_2022",
        (_VBPL_2003, _VIETJACK_2003, _WIKISOURCE_2022_VIII),
    ),
    LegalText(
        "LUAT_47_2005", "Luật", "47/2005/QH11",
        "Luật sửa đổi, bổ sung một số điều của Luật Thi đua, khen thưởng", "Quốc hội",
        _d("2005-06-14"), _d("2005-06-27"), _d("2023-12-31"), "LUAT_06_2022",
        (_VBHN_05_2012, _WIKISOURCE_2022_VIII),
    ),
    LegalText(
        "LUAT_32_2009", "Luật", "32/2009/QH12",
        "Luật sửa đổi, bổ sung một số điều của Luật Di sản văn hóa (also amending the 2003 law)",
        "Quốc hội", _d("2009-06-18"), _d("2010-01-01"), _d("2023-12-31"), "LUAT_06_2022",
        (_VBHN_16_2013, _WIKISOURCE_2022_VIII),
    ),
    LegalText(
        "LUAT_39_2013", "Luật", "39/2013/QH13",
        "Luật sửa đổi, bổ sung một số điều của Luật Thi đua, khen thưởng", "Quốc hội",
        _d("2013-11-16"), _d("2014-06-01"), _d("2023-12-31"), "LUAT_06_2022",
        (_ONIP_2013, _VBHN_16_2013, _WIKISOURCE_2022_VIII),
    ),
    LegalText(
        "LUAT_06_2022", "Luật", "06/2022/QH15", "Luật Thi đua, khen thưởng", "Quốc hội",
        _d("2022-06-15"), _d("2024-01-01"), None, None,
        (_VIETJACK_2022, _WIKISOURCE_2022_VIII),
    ),
    LegalText(
        "ND_42_2010", "Nghị định", "42/2010/NĐ-CP",
        "Quy định chi tiết thi hành một số điều của Luật Thi đua, khen thưởng", "Chính phủ",
        _d("2010-04-15"), None, None, None, (_AN_GIANG_08_2012,),
        ("in_force_from", "in_force_until", "replaced_by"),
    ),
    LegalText(
        "ND_65_2014", "Nghị định", "65/2014/NĐ-CP",
        "Quy định chi tiết thi hành Luật sửa đổi, bổ sung một số điều của Luật Thi đua, khen "
        "thưởng năm 2013", "Chính phủ",
        _d("2014-07-01"), None, None, None, (_BTDKT_65_2014,),
        ("in_force_from", "in_force_until", "replaced_by"),
    ),
    LegalText(
        "ND_91_2017", "Nghị định", "91/2017/NĐ-CP",
        "Quy định chi tiết thi hành một số điều của Luật Thi đua, khen thưởng", "Chính phủ",
        _d("2017-07-31"), _d("2017-10-01"), _d("2023-12-31"), "ND_98_2023",
        (_HTPL_91_2017, _HOIVDAP_98_2023),
    ),
    LegalText(
        "TT_08_2017_BNV", "Thông tư", "08/2017/TT-BNV",
        "Quy định chi tiết thi hành một số điều của Nghị định số 91/2017/NĐ-CP", "Bộ Nội vụ",
        None, _d("2017-12-15"), None, "TT_12_2019_BNV", (_BAOMOI_08_2017,),
        ("signed", "in_force_until", "replaced_by"),
    ),
    LegalText(
        "TT_12_2019_BNV", "Thông tư", "12/2019/TT-BNV",
        "Quy định chi tiết thi hành một số điều của Nghị định số 91/2017/NĐ-CP", "Bộ Nội vụ",
        _d("2019-11-04"), _d("2020-01-01"), None, None, (_PHU_YEN_31_2020, _HTPL_12_2019),
        ("in_force_until", "replaced_by"),
    ),
    LegalText(
        "ND_98_2023", "Nghị định", "98/2023/NĐ-CP",
        "Quy định chi tiết thi hành một số điều của Luật Thi đua, khen thưởng", "Chính phủ",
        _d("2023-12-31"), _d("2024-01-01"), _d("2025-06-30"), "ND_152_2025",
        (_HTPL_98_2023, _HOIVDAP_98_2023),
        ("in_force_until", "replaced_by"),
    ),
    LegalText(
        "TT_01_2024_BNV", "Thông tư", "01/2024/TT-BNV",
        "Quy định biện pháp thi hành Luật Thi đua, khen thưởng", "Bộ Nội vụ",
        None, None, None, None, (_BACNINH_01_2024,),
        ("signed", "in_force_from", "in_force_until", "replaced_by"),
    ),
    LegalText(
        "ND_152_2025", "Nghị định", "152/2025/NĐ-CP",
        "Phân cấp, phân quyền trong lĩnh vực thi đua, khen thưởng; quy định chi tiết một số điều "
        "của Luật Thi đua, khen thưởng", "Chính phủ",
        None, _d("2025-07-01"), None, None, (_NGOISAO_152_2025,),
        ("signed",),
    ),
    LegalText(
        "ND_129_2025", "Nghị định", "129/2025/NĐ-CP",
        "Phân định thẩm quyền của chính quyền địa phương 02 cấp trong lĩnh vực quản lý nhà nước "
        "của Bộ Nội vụ", "Chính phủ",
        None, _d("2025-07-01"), None, None, (),
        ("signed", "in_force_from", "title"),
    ),
    LegalText(
        "HD_1479_BTDKT", "Hướng dẫn", "1479/HD-BTĐKT", "Hướng dẫn về khối, cụm thi đua",
        "Ban Thi đua - Khen thưởng Trung ương", None, None, None, None, (),
        ("signed", "in_force_from", "in_force_until", "title"),
    ),
)  # fmt: skip
"""Nghị định 152/2025 is in force from 2025-07-01 (a press report); that it replaced Nghị định
98/2023 on that day is the domain brief's, not read in either text. No rule cites an article of a
text whose dates are unconfirmed."""

TEXTS: Mapping[str, LegalText] = MappingProxyType({t.id: t for t in _TEXTS})


@dataclass(frozen=True, slots=True)
class Period:
    """A span of dates over which one set of texts governs: a citation is given per period."""

    key: str
    start: date
    end: date | None
    texts: str

    def contains(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


PERIODS: tuple[Period, ...] = (
    Period(
        "2013",
        TEXTS["ND_91_2017"].in_force_from,  # type: ignore[arg-type]
        date(2023, 12, 31),
        "Luật Thi đua, khen thưởng 15/2003/QH11 (sửa đổi, bổ sung 2005, 2009, 2013); "
        "Nghị định 91/2017/NĐ-CP",
    ),
    Period(
        "2024",
        date(2024, 1, 1),
        date(2025, 6, 30),
        "Luật Thi đua, khen thưởng 06/2022/QH15; Nghị định 98/2023/NĐ-CP",
    ),
    Period(
        "2025",
        date(2025, 7, 1),
        None,
        "Luật Thi đua, khen thưởng 06/2022/QH15; Nghị định 152/2025/NĐ-CP",
    ),
)
PERIOD_KEYS = frozenset(p.key for p in PERIODS)


def period_on(day: date) -> Period | None:
    """The period a consideration date falls in; None before 2017-10-01 (not covered)."""
    for p in PERIODS:
        if p.contains(day):
            return p
    return None


# The articles confirmed for this review, each with where it was read.

_LAOCAI = "http://laocai.edu.vn/?pageid=100257&qid=76381"
_CHINHPHU_CSTD_TINH = (
    "https://baochinhphu.vn/chien-si-thi-dua-cap-tinh-can-co-may-sang-kien-102241017104834976.htm"
)
_BAOMOI_BK_TTG = (
    "http://baomoi.net.vn/cach-tinh-thanh-tich-xet-tang-bang-khen-cua-thu-tuong-c49115102.epi"
)
_LUATVN_BK_TINH = (
    "https://luatvietnam.vn/tin-van-ban-moi/bo-noi-vu-lam-ro-tieu-chuan-sang-kien-de-tai-khi-xet"
    "-tang-bang-khen-bo-ban-nganh-tinh-186-107095-article.html"
)
_THUVIENNHADAT = (
    "https://thuviennhadat.vn/phap-luat-doi-song/hoan-thanh-xuat-sac-nhiem-vu-la-lao-dong-tien"
    "-tien-585496.html"
)
_LANGSON = "http://thiduakhenthuong.langson.gov.vn/en/hinhthucs/chien-si-thi-dua-co-so"
_TOAAN_CSTD = "http://tdkt.toaan.gov.vn/portal/page/portal/tdkt/Gioithieu/67987125/67987711"
_TOAAN_CO_CP = "http://tdkt.toaan.gov.vn/portal/page/portal/tdkt/Gioithieu/67987125"
_HUST_TTLDXS = (
    "https://sbft.hust.edu.vn/hai-vien-thuoc-truong-hoa-va-khoa-hoc-su-song-nhan-danh-hieu-tap-the"
    "-lao-dong-xuat-sac.html"
)
_DULIEUPHAPLY_TTLDXS = (
    "https://dulieuphaply.vn/plvn-1/quan-ly-nha-nuoc-ve-thi-dua-khen-thuong/36-tang-danh-hieu-tap"
    "-the-lao-dong-xuat-sac"
)
_TVPL_CSTDCS_2017 = (
    "https://thuvienphapluat.vn/hoi-dap-phap-luat/45A9C-hd-tieu-chuan-de-xet-tang-danh-hieu-chien"
    "-si-thi-dua-co-so.html"
)
_LANGSON_TTLDTT = "http://thiduakhenthuong.langson.gov.vn/en/hinhthucs/tap-lao-dong-tien-tien"
_HTPL_TT29_2023 = (
    "http://hethongphapluat.vn/thong-tu-29-2023-tt-bgddt-huong-dan-luat-thi-dua-khen-thuong-doi"
    "-voi-nganh-giao-duc-do-bo-truong-bo-giao-duc-va-dao-tao-ban-hanh/dieu-4"
)
_BAOHATINH_2024 = (
    "https://baohatinh.vn/tieu-chuan-danh-hieu-chien-si-thi-dua-co-so-lao-dong-tien-tien-tu-nam"
    "-2024-post277722.html"
)
_LUAT_2022_FULL_TEXT = "https://c1nguyendu.pgdcujut.edu.vn/luat-thi-dua-khen-thuong-2022.html"
_TVPL_CO_CP_2017 = (
    "https://thuvienphapluat.vn/hoi-dap-phap-luat/3D849-hd-tieu-chuan-xet-tang-danh-hieu-thi-dua"
    "-doi-voi-tap-the-trong-nganh-cong-thuong.html"
)


@dataclass(frozen=True, slots=True)
class Provision:
    """An article (clause, point) of a text, confirmed in `source`."""

    text: str
    article: int
    clause: int | None = None
    point: str | None = None
    source: str = ""

    def __post_init__(self) -> None:
        if self.text not in TEXTS:
            raise ValueError(f"unknown legal text {self.text}")
        if not self.source:
            raise ValueError(f"{self.text} Điều {self.article}: no source for the article")

    @property
    def label(self) -> str:
        where = f"Điều {self.article}"
        if self.clause is not None:
            where += f" khoản {self.clause}"
        if self.point is not None:
            where += f" điểm {self.point}"
        return f"{TEXTS[self.text].label}, {where}"


LUAT_2003_22 = Provision("LUAT_15_2003", 22, source=_TOAAN_CSTD)
"""Chiến sĩ thi đua cấp bộ, ngành, tỉnh: three consecutive CSTĐCS."""
LUAT_2003_23 = Provision("LUAT_15_2003", 23, source=_LANGSON)
"""Chiến sĩ thi đua cơ sở: LĐTT and an initiative recognised by the unit."""
LUAT_2003_24 = Provision("LUAT_15_2003", 24, source=_THUVIENNHADAT)
"""Lao động tiên tiến (as amended in 2013)."""
LUAT_2003_25 = Provision("LUAT_15_2003", 25, source=_TOAAN_CO_CP)
"""Cờ thi đua của Chính phủ."""
LUAT_2003_27_1 = Provision("LUAT_15_2003", 27, 1, source=_DULIEUPHAPLY_TTLDXS)
"""Tập thể lao động xuất sắc (as amended in 2013), with its no-discipline clause."""
LUAT_2003_28_1 = Provision("LUAT_15_2003", 28, 1, source=_LANGSON_TTLDTT)
"""Tập thể lao động tiên tiến: more than 50 % of members LĐTT, no discipline from warning up."""
ND_91_2017_9_3 = Provision("ND_91_2017", 9, 3, source=_TVPL_CSTDCS_2017)
"""Chiến sĩ thi đua cơ sở: LĐTT and an initiative (HTXSNV alone is not enough); at most 15 % of
the LĐTT, or less if the ministry or province says so."""
ND_91_2017_11 = Provision("ND_91_2017", 11, source=_TVPL_CO_CP_2017)
"""Cờ thi đua của Chính phủ (the decree's standard)."""
LUAT_2003_84 = Provision("LUAT_15_2003", 84, source=_THUVIENNHADAT)
"""The dossier of an emulation-title nomination."""
# Luật 06/2022 gives the titles' standards in one run of articles, persons then collectives, in
# the order of Điều 8–9's lists: Điều 21 CSTĐ toàn quốc, 22 CSTĐ cấp bộ/tỉnh, 23 CSTĐCS, 24 LĐTT;
# 25 Cờ thi đua của Chính phủ, 26 Cờ thi đua cấp bộ/tỉnh, 27 TTLĐXS, 28 TTLĐTT. Điều 22, 24, 26
# and 27 were read with their numbers; 21, 23, 25 and 28 are the places left between them, and
# each one's standard (what the rules check) was read in the sources given.
LUAT_2022_21 = Provision("LUAT_06_2022", 21, source=_BAOHATINH_2024)
"""Chiến sĩ thi đua toàn quốc: two consecutive CSTĐ cấp tỉnh and a nationwide initiative."""
LUAT_2022_22_1 = Provision("LUAT_06_2022", 22, 1, source=_CHINHPHU_CSTD_TINH)
LUAT_2022_23 = Provision("LUAT_06_2022", 23, source=_BAOHATINH_2024)
"""Chiến sĩ thi đua cơ sở: the LĐTT standard and (HTXSNV, or an initiative or science work)."""
LUAT_2022_25 = Provision("LUAT_06_2022", 25, source=_LUAT_2022_FULL_TEXT)
"""Cờ thi đua của Chính phủ (the 20 % cap on proposals is configured)."""
LUAT_2022_26 = Provision("LUAT_06_2022", 26, source=_HTPL_TT29_2023)
"""Cờ thi đua of a ministry or province: the bloc or cluster leaders (khoản 1, 2)."""
LUAT_2022_27 = Provision("LUAT_06_2022", 27, source=_HUST_TTLDXS)
"""Tập thể lao động xuất sắc (no discipline clause any more)."""
LUAT_2022_24_1 = Provision("LUAT_06_2022", 24, 1, source=_LAOCAI)
LUAT_2022_28 = Provision("LUAT_06_2022", 28, source=_LUAT_2022_FULL_TEXT)
"""Tập thể lao động tiên tiến (the share of members with LĐTT is configured)."""
LUAT_2022_75_2 = Provision("LUAT_06_2022", 75, 2, source=_CHINHPHU_GIAY_KHEN)
"""Giấy khen: each ministry or province sets the detailed standards it is given under."""
LUAT_2022_73_1_B = Provision("LUAT_06_2022", 73, 1, "b", source=_BAOMOI_BK_TTG)
LUAT_2022_74_1_D = Provision("LUAT_06_2022", 74, 1, "d", source=_LUATVN_BK_TINH)
ND_98_2023_30_9 = Provision("ND_98_2023", 30, 9, source=_BAOMOI_BK_TTG)
"""The next award's period counts from the achievement period in the previous decision."""

PROVINCE_CONFIGURED = "căn cứ do tỉnh cấu hình"


@dataclass(frozen=True, slots=True)
class Basis:
    """What a rule rests on in one period: confirmed provisions, and whether a part of it (or all
    of it, when there are no provisions) is the province's to supply."""

    provisions: tuple[Provision, ...] = ()
    configured: bool = False

    def __post_init__(self) -> None:
        if not self.provisions and not self.configured:
            raise ValueError("a basis cites a provision or is configured")

    def label(self, supplied: str | None) -> str:
        parts = [p.label for p in self.provisions]
        if self.configured:
            parts.append(PROVINCE_CONFIGURED + (f": {supplied}" if supplied else ""))
        text = "; ".join(parts)
        return text[0].upper() + text[1:]


CONFIGURED = Basis(configured=True)


def cite(*provisions: Provision, configured: bool = False) -> Basis:
    return Basis(tuple(provisions), configured)


def supplied_citation(
    supplied: Mapping[str, Mapping[str, str]], period: str, rule_id: str, code: str | None = None
) -> str | None:
    """The province's citation for a rule in a period: for one award ("MANUAL/GIAY_KHEN") if
    given, else for the rule."""
    by_rule = supplied.get(period, {})
    if code is not None and (given := by_rule.get(f"{rule_id}/{code}")) is not None:
        return given
    return by_rule.get(rule_id)


__all__ = [
    "CONFIGURED",
    "PERIODS",
    "PERIOD_KEYS",
    "PROVINCE_CONFIGURED",
    "TEXTS",
    "Basis",
    "LegalText",
    "Period",
    "Provision",
    "cite",
    "period_on",
]
