"""Tables a clerk opens in a spreadsheet: CSV as Vietnamese Excel reads it (UTF-8 with a byte
order mark, `;` between cells, numbers written 12,5 and 5.250), built from what the APIs gave."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from services.web.domain import formats
from services.web.domain.standings import criterion_name


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, int | float):
        return formats.number(value)
    return str(value)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow(header)
    for row in rows:
        w.writerow([cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def dashboard_rows(d: dict) -> tuple[list[str], list[list[Any]]]:
    """A campaign's dashboard, one row per unit."""
    header = [
        "Mã đơn vị",
        "Tên đơn vị",
        "Số chỉ tiêu",
        "Đã đạt",
        "Đạt trước hạn",
        "Hoàn thành (%)",
        "Về đích sớm",
    ]
    rows = [
        [
            u["code"],
            u["name"],
            u["targets"],
            u["achieved"],
            u["achieved_early"],
            round(u["completion"]["capped"] * 100, 1) if u.get("completion") else None,
            u["finished_early"],
        ]
        for u in d["units"]
    ]
    return header, rows


def standings_rows(s: dict) -> tuple[list[str], list[list[Any]]]:
    """A bloc's standings, one row per unit, each criterion's points in its own column."""
    names = [c["name"] for c in (s["ranking"][0]["criteria"] if s["ranking"] else [])]
    header = [
        "Hạng",
        "Mã đơn vị",
        "Tên đơn vị",
        *[criterion_name(n) for n in names],
        "Điểm thưởng",
        "Điểm trừ",
        "Tổng điểm",
    ]
    rows = [
        [
            r["rank"],
            r["code"],
            r["name"],
            *[c["points"] for c in r["criteria"]],
            r["bonus"],
            r["penalty"],
            r["score"],
        ]
        for r in s["ranking"]
    ]
    return header, rows
