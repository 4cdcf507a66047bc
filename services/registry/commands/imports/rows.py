"""The files' rows: one pydantic model per kind (the columns of the export), the Vietnamese
headers understood, and where a domain problem lands in a row (its column)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, Field

from schemas.types import (
    BlocKind,
    Code,
    Direction,
    Gender,
    Text,
    UnitKind,
    UnitLevel,
)
from servicekit import imports
from servicekit.errors import DomainError
from servicekit.imports import (
    DateCell,
    OptDateCell,
    Row,
    RowError,
    blank_to_none,
    choice,
    to_bool,
    to_float,
    to_int,
)

KINDS = ("units", "people", "bloc-memberships", "targets")
_GENDERS = {"nu": "female", "nam": "male", "female": "female", "male": "male"}
_BLOC_KINDS = {"khoi": "bloc", "cum": "cluster", "bloc": "bloc", "cluster": "cluster"}
_ROLES = {
    "thanh_vien": "member",
    "khoi_truong": "head",
    "cum_truong": "head",
    "khoi_pho": "deputy",
    "cum_pho": "deputy",
    "member": "member",
    "head": "head",
    "deputy": "deputy",
}
_DIRECTIONS = {
    "higher": "higher_is_better",
    "lower": "lower_is_better",
    "cang_cao_cang_tot": "higher_is_better",
    "cang_thap_cang_tot": "lower_is_better",
    "higher_is_better": "higher_is_better",
    "lower_is_better": "lower_is_better",
}


class UnitRow(Row):
    code: Annotated[Code, BeforeValidator(blank_to_none)]
    name: Annotated[Text, BeforeValidator(blank_to_none)]
    kind: Annotated[UnitKind, BeforeValidator(blank_to_none)]
    level: Annotated[UnitLevel, BeforeValidator(blank_to_none)]
    parent_code: Annotated[Code | None, BeforeValidator(blank_to_none)] = None
    valid_from: DateCell
    valid_to: OptDateCell = None


class PersonRow(Row):
    code: Annotated[Code | None, BeforeValidator(blank_to_none)] = None
    full_name: Annotated[Text, BeforeValidator(blank_to_none)]
    gender: Annotated[Gender, BeforeValidator(choice(_GENDERS))]
    birth_year: Annotated[int, Field(ge=1900, le=2100), BeforeValidator(to_int)]
    unit_code: Annotated[Code, BeforeValidator(blank_to_none)]
    position: Annotated[Text, BeforeValidator(blank_to_none)]
    valid_from: DateCell
    citizen_id: Annotated[
        str | None,
        Field(pattern=r"^\d{9}(\d{3})?$"),
        BeforeValidator(lambda v: None if blank_to_none(v) is None else str(to_int(v))),
    ] = None


class MembershipRow(Row):
    bloc_code: Annotated[Code, BeforeValidator(blank_to_none)]
    bloc_name: Annotated[Text, BeforeValidator(blank_to_none)]
    bloc_kind: Annotated[BlocKind, BeforeValidator(choice(_BLOC_KINDS))]
    year: Annotated[int, Field(ge=1945, le=2100), BeforeValidator(to_int)]
    unit_code: Annotated[Code, BeforeValidator(blank_to_none)]
    role: Annotated[
        str,
        Field(pattern="^(member|head|deputy)$"),
        BeforeValidator(lambda v: choice(_ROLES)(v) or "member"),
    ] = "member"
    joined_on: OptDateCell = None
    left_on: OptDateCell = None
    """Exclusive: the first day no longer a member. Exported for the members who left during
    the year; on import only as exported (unchanged), a leaving is recorded through the API."""
    scoring_scheme_ref: Annotated[Code | None, BeforeValidator(blank_to_none)] = None


class TargetRow(Row):
    campaign_code: Annotated[Code, BeforeValidator(blank_to_none)]
    unit_code: Annotated[Code, BeforeValidator(blank_to_none)]
    name: Annotated[Text, BeforeValidator(blank_to_none)]
    metric: Annotated[Text, BeforeValidator(blank_to_none)]
    unit_of_measure: Annotated[Text, BeforeValidator(blank_to_none)]
    target_value: Annotated[float, Field(allow_inf_nan=False), BeforeValidator(to_float)]
    direction: Annotated[Direction, BeforeValidator(choice(_DIRECTIONS))]
    weight: Annotated[
        float,
        Field(ge=0, allow_inf_nan=False),
        BeforeValidator(lambda v: to_float(v) if blank_to_none(v) is not None else 1.0),
    ] = 1.0
    deadline: DateCell
    indicator_code: Annotated[Code | None, BeforeValidator(blank_to_none)] = None
    allow_negative: Annotated[bool, Field(strict=True), BeforeValidator(to_bool)] = False
    """Reported values may be below zero (growth rates); a negative target_value needs it."""


ROW_MODELS: dict[str, type[Row]] = {
    "units": UnitRow,
    "people": PersonRow,
    "bloc-memberships": MembershipRow,
    "targets": TargetRow,
}

# Vietnamese headers understood, after folding (no accents, lower case, "_" for spaces).
ALIASES: dict[str, dict[str, str]] = {
    "units": {
        "ma_don_vi": "code",
        "ma_dinh_danh": "code",
        "ten_don_vi": "name",
        "loai": "kind",
        "cap": "level",
        "ma_don_vi_cap_tren": "parent_code",
        "hieu_luc_tu": "valid_from",
        "hieu_luc_den": "valid_to",
    },
    "people": {
        "ma_can_bo": "code",
        "ho_va_ten": "full_name",
        "ho_ten": "full_name",
        "gioi_tinh": "gender",
        "nam_sinh": "birth_year",
        "ma_don_vi": "unit_code",
        "chuc_vu": "position",
        "tu_ngay": "valid_from",
        "so_cccd": "citizen_id",
        "cccd": "citizen_id",
    },
    "bloc-memberships": {
        "ma_khoi": "bloc_code",
        "ten_khoi": "bloc_name",
        "loai": "bloc_kind",
        "nam": "year",
        "ma_don_vi": "unit_code",
        "vai_tro": "role",
        "ngay_tham_gia": "joined_on",
        "ngay_roi_khoi": "left_on",
    },
    "targets": {
        "ma_dot_thi_dua": "campaign_code",
        "ma_don_vi": "unit_code",
        "ten_chi_tieu": "name",
        "chi_tieu": "metric",
        "don_vi_tinh": "unit_of_measure",
        "gia_tri": "target_value",
        "huong": "direction",
        "trong_so": "weight",
        "han": "deadline",
        "ma_chi_so": "indicator_code",
        "cho_phep_am": "allow_negative",
        "cho_phep_gia_tri_am": "allow_negative",
    },
}


def parse(kind: str, data: bytes, max_rows: int) -> imports.Parsed:
    """Rows parsed into the kind's row model: ([(row number, row)], errors, number of rows)."""
    return imports.parse(ROW_MODELS[kind], ALIASES[kind], data, max_rows)


# ---- importing -------------------------------------------------------------------------------

_POINTER_COLUMNS = {
    "units": {
        "#/parent_id": "parent_code",
        "#/level": "level",
        "#/valid_to": "valid_to",
        "#/valid_from": "valid_from",
        "#/effective_from": "valid_from",
    },
    "people": {"#/unit_id": "unit_code", "#/valid_from": "valid_from"},
    "bloc-memberships": {
        "#/member_unit_ids": "unit_code",
        "#/add_unit_ids": "unit_code",
        "#/formed_on": "joined_on",
        "#/effective_on": "joined_on",
        "#/head_unit_id": "role",
        "#/deputy_unit_id": "role",
    },
    "targets": {
        "#/unit_id": "unit_code",
        "#/deadline": "deadline",
        "#/weight": "weight",
        "#/target_value": "target_value",
    },
}


def domain_errors(kind: str, number: int, e: DomainError) -> list[RowError]:
    columns = _POINTER_COLUMNS[kind]
    if not e.violations:
        return [RowError(number, None, e.detail)]
    return [
        RowError(number, columns.get(re.sub(r"(/\d+)+$", "", v.field)), v.detail)
        for v in e.violations
    ]


EXPORT_COLUMNS: dict[str, list[str]] = {
    kind: [n for n in model.model_fields if not (kind == "people" and n == "citizen_id")]
    for kind, model in ROW_MODELS.items()
}
