"""Field types shared by the event payloads.

Numbers: measured values (target values, reported values, weights, scores, completion ratios) are
JSON numbers read as finite floats. They are statistics, not money: a float carries them exactly
enough, and a JSON number is what every consumer expects (pydantic would put a Decimal on the wire
as a string). Money is an integer count of đồng: VND has no minor unit.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)


def nfc(value: str) -> str:
    """Unicode NFC without surrounding whitespace: one spelling for every Vietnamese word, so equal
    names compare, sort and index equal whichever keyboard or system produced them."""
    return unicodedata.normalize("NFC", value).strip()


# `pattern` "\S" (unanchored): at least one non-blank character, stated in the JSON Schema too.
Text = Annotated[
    str, StringConstraints(min_length=1, max_length=500, pattern=r"\S"), AfterValidator(nfc)
]
"""A required short text (a name, a title): NFC, trimmed, not blank."""

LongText = Annotated[
    str, StringConstraints(min_length=1, max_length=4000, pattern=r"\S"), AfterValidator(nfc)
]
"""A required longer text (a theme, a reason, an error)."""

Code = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^\S+$"), AfterValidator(nfc)
]
"""A short code without spaces (unit code, indicator code, rule id)."""

DocumentRef = Annotated[
    str, StringConstraints(min_length=1, max_length=1000, pattern=r"^\S+$"), AfterValidator(nfc)
]
"""Where a document is kept: a URI or a storage key, never the document itself."""

# A document as people cite it ("Tờ trình số 15/TTr-SKHCN", "QĐ 15/QĐ-SKHCN"): words separated by
# single spaces, no control or bidirectional character (servicekit.text refuses the same).
_WORD = r"[^\s\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]+"
CITED_PATTERN = rf"^{_WORD}( {_WORD})*$"


def one_line(value: str) -> str:
    """NFC, trimmed, each run of white space one space: a document number typed, pasted from a
    letter or read from a spreadsheet cell is the same reference."""
    return " ".join(nfc(value).split())


CitedRef = Annotated[
    str,
    StringConstraints(min_length=1, max_length=1000, pattern=CITED_PATTERN),
    BeforeValidator(lambda v: one_line(v) if isinstance(v, str) else v),
]
"""A document's reference as the person wrote it: its number and kind, a URI or a storage key.
On events it rides beside the `DocumentRef` its v1 field carries (`as_document_ref`)."""


def as_document_ref(cited: str) -> str:
    """The v1 `DocumentRef` form of a cited reference: its spaces written %20 (as in a URI), so
    a consumer of the v1 field still receives one space-free text per document."""
    return one_line(cited).replace(" ", "%20")


def cited_refs(refs: list[str]) -> tuple[list[str], list[str] | None]:
    """(the v1 `DocumentRef`s, the references as written or None when they are the same): the
    two fields an event carries for a list of references."""
    v1 = [as_document_ref(r) for r in refs]
    return v1, (None if v1 == list(refs) else list(refs))


def refs_as_written(v1: list[str], written: list[str] | None) -> list[str]:
    """What a reader shows: the references as written when the event has them."""
    return list(written) if written is not None else list(v1)


def check_cited(v1: list[str], written: list[str] | None) -> None:
    """An event's two fields agree: as many, each v1 value the %20 form of its written one."""
    if written is not None and [as_document_ref(w) for w in written] != list(v1):
        raise ValueError("the references as written do not match the references")


Year = Annotated[int, Field(ge=1945, le=2100)]
Measure = Annotated[float, Field(allow_inf_nan=False)]
NonNegativeMeasure = Annotated[float, Field(ge=0, allow_inf_nan=False)]
MoneyVnd = Annotated[int, Field(ge=0)]

# Vocabularies (values are the wire values; Vietnamese terms in the comments).
UnitKind = Literal[
    "department",  # sở, ban, ngành
    "mass_organisation",  # đoàn thể
    "central_agency",  # cơ quan Trung ương đóng trên địa bàn
    "college",  # trường cao đẳng
    "enterprise",  # doanh nghiệp
    "provincial_committee",  # UBND tỉnh
    "district",  # huyện, thành phố (until the 2025 reform)
    "commune",  # xã, phường
]
UnitLevel = Literal["province", "district", "commune"]
Gender = Literal["female", "male"]
StatusKind = Literal["discipline", "investigation", "inspection", "complaint"]
DisciplineLevel = Literal[
    "reprimand",  # khiển trách
    "warning",  # cảnh cáo
    "demotion",  # hạ bậc lương, giáng chức
    "dismissal",  # cách chức, buộc thôi việc
]
CollectiveDisciplineLevel = Literal["reprimand", "warning"]  # a unit's: no demotion or dismissal
BlocKind = Literal["bloc", "cluster"]  # khối thi đua, cụm thi đua
ClosureKind = Literal["closed", "merged", "split"]  # giải thể, sáp nhập, chia tách
CampaignKind = Literal["regular", "special", "thematic"]  # thường xuyên, đặc biệt, chuyên đề
Regime = Literal["2013", "2022"]  # Luật TĐKT 2003/2013 or Luật 06/2022/QH15
Direction = Literal["higher_is_better", "lower_is_better"]
Rating = Literal["HTXSNV", "HTTNV", "HTNV", "KHTNV"]
LdttWithheld = Literal["discipline", "months_worked", "conduct", "other"]
"""Why a person rated HTTNV or better was not conferred Lao động tiên tiến: disciplined in the
year, not long enough in service in the year, conduct, another reason the unit records."""
SubjectKind = Literal["person", "collective"]
InitiativeLevel = Literal["grassroots", "provincial", "national"]  # cơ sở, tỉnh, toàn quốc
InitiativeKind = Literal["initiative", "science_work"]  # sáng kiến, đề tài khoa học
InitiativeScope = Literal["unit", "province", "national"]  # phạm vi ảnh hưởng
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
Verdict = Literal["eligible", "ineligible", "incomplete", "blocked"]
DecidingAuthority = Literal[
    "unit_head",  # thủ trưởng cơ quan, đơn vị; giám đốc doanh nghiệp
    "commune_chairman",  # Chủ tịch UBND cấp xã
    "district_chairman",  # Chủ tịch UBND cấp huyện (until 2025-07-01)
    "province_chairman",  # Chủ tịch UBND tỉnh
    "prime_minister",  # Thủ tướng Chính phủ
    "president",  # Chủ tịch nước
]
DocumentType = Literal[
    "submission",  # tờ trình
    "achievement_report",  # báo cáo thành tích
    "review_minutes",  # biên bản bình xét
    "initiative_certificate",  # giấy chứng nhận sáng kiến
    "other",
]
Channel = Literal["inbox", "email", "webhook"]


class Part(BaseModel):
    """A nested part of a payload: as strict as the events themselves."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class DatePeriod(Part):
    """A closed range of days."""

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> DatePeriod:
        if self.end < self.start:
            raise ValueError("end is before start")
        return self
