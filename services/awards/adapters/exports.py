"""A decision's list of awardees: as data (`decision_view`), as an .xlsx workbook and as a
printable HTML page in Vietnamese (the appendix "Danh sách … kèm theo Quyết định số …").

Awardees are listed by award (in the order of the awards' importance), people before
collectives, then by name in Vietnamese order (given name first)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID

import asyncpg
from jinja2 import Environment, select_autoescape

from servicekit.errors import NotFound
from servicekit.labels import AWARD_NAMES, KIND_NAMES
from servicekit.messages import Msg
from servicekit.text import xlsx_row
from servicekit.vietnamese import person_name_key, sort_key
from services.awards.adapters import words
from services.awards.store import decisions
from services.awards.store import readmodel as lookup

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ORDER = (
    "CO_CP", "CSTD_TQ", "BK_TTG", "CO_TINH", "CSTD_TINH", "BK_TINH", "TTLDXS", "CSTDCS",
    "TTLDTT", "LDTT", "GIAY_KHEN",
)  # fmt: skip


@dataclass
class Line:
    position: int
    nomination_id: UUID
    kind: str
    nominee_id: UUID
    name: str
    unit_name: str | None
    position_title: str | None
    award_code: str
    award_name: str
    year: int
    period: tuple[date, date] | None
    multiplier: Decimal
    amount_vnd: int
    revoked_on: date | None

    @property
    def achievement(self) -> str:
        if self.period and (self.period[0].year != self.period[1].year):
            return f"{self.period[0].year}–{self.period[1].year}"
        return str(self.year)


@dataclass
class DecisionView:
    decision_id: UUID
    number: str
    signed_on: date
    signer_name: str
    signer_title: str
    signer_authority: str
    signer_unit_id: UUID | None
    base_salary_vnd: int
    total_vnd: int
    lines: list[Line] = field(default_factory=list)

    @property
    def live_total(self) -> int:
        return sum(ln.amount_vnd for ln in self.lines if ln.revoked_on is None)


def listing_order(ln: Line) -> tuple[int, bool, str]:
    """Where a line stands in the list: by award, people before collectives, then by name in
    Vietnamese dictionary order (a person by given name first, each name letters then tones)."""
    rank = ORDER.index(ln.award_code) if ln.award_code in ORDER else len(ORDER)
    name = person_name_key(ln.name) if ln.kind == "person" else sort_key(ln.name)
    return rank, ln.kind != "person", name


async def decision_view(con: asyncpg.Connection, decision_id: UUID) -> DecisionView:
    d = await decisions.decision(con, decision_id)
    if d is None:
        raise NotFound(Msg("no decision {decision_id}", decision_id=decision_id), code="not_found")
    rows = await decisions.lines_with_periods(con, decision_id)
    names = await lookup.names(con, [(r["nominee_kind"], r["nominee_id"]) for r in rows])
    view = DecisionView(
        decision_id=d["decision_id"],
        number=d["number"],
        signed_on=d["signed_on"],
        signer_name=d["signer_name"],
        signer_title=d["signer_title"],
        signer_authority=d["signer_authority"],
        signer_unit_id=d["signer_unit_id"],
        base_salary_vnd=d["base_salary_vnd"],
        total_vnd=d["total_vnd"],
    )
    for r in rows:
        info = names.get(r["nominee_id"], {})
        view.lines.append(
            Line(
                position=r["position"],
                nomination_id=r["nomination_id"],
                kind=r["nominee_kind"],
                nominee_id=r["nominee_id"],
                name=info.get("name") or str(r["nominee_id"]),
                unit_name=info.get("unit_name"),
                position_title=info.get("position"),
                award_code=r["award_code"],
                award_name=AWARD_NAMES.get(r["award_code"], r["award_code"]),
                year=r["year"],
                period=(r["period_start"], r["period_end"]) if r["period_start"] else None,
                multiplier=r["multiplier"],
                amount_vnd=r["amount_vnd"],
                revoked_on=r["revoked_on"],
            )
        )
    view.lines.sort(key=listing_order)
    return view


def to_xlsx(view: DecisionView) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Danh sách khen thưởng"
    ws.append(xlsx_row(ws, [f"DANH SÁCH KHEN THƯỞNG KÈM THEO QUYẾT ĐỊNH SỐ {view.number}"]))
    ws.append(xlsx_row(ws, [f"({words.day(view.signed_on).capitalize()} của {view.signer_title})"]))
    ws.append([f"Mức lương cơ sở: {words.money(view.base_salary_vnd)} đồng"])
    ws.append([])
    header = [
        "STT",
        "Loại",
        "Họ và tên / Tên tập thể",
        "Chức vụ",
        "Đơn vị",
        "Danh hiệu / Hình thức khen thưởng",
        "Năm thành tích",
        "Hệ số",
        "Số tiền (đồng)",
        "Ghi chú",
    ]
    ws.append(header)
    for cell in ws[5]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws["A1"].font = Font(bold=True, size=13)
    for i, ln in enumerate(view.lines, 1):
        row = [
            i,
            KIND_NAMES[ln.kind],
            ln.name,
            ln.position_title or "",
            ln.unit_name or "",
            ln.award_name,
            ln.achievement,
            float(ln.multiplier),
            ln.amount_vnd,
            f"Đã thu hồi ngày {ln.revoked_on.strftime('%d/%m/%Y')}" if ln.revoked_on else "",
        ]
        ws.append(xlsx_row(ws, row))
        ws.cell(row=ws.max_row, column=9).number_format = "#,##0"
    ws.append([])
    ws.append(["", "", "Tổng cộng", "", "", "", "", "", view.total_vnd, ""])
    ws.cell(row=ws.max_row, column=3).font = Font(bold=True)
    ws.cell(row=ws.max_row, column=9).number_format = "#,##0"
    ws.cell(row=ws.max_row, column=9).font = Font(bold=True)
    for col, width in enumerate((6, 10, 32, 22, 36, 40, 14, 8, 16, 24), 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A6"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_env.filters["money"] = words.money
_env.filters["vnday"] = words.day


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += letters
            n -= value
    return out


_env.filters["roman"] = _roman

_TEMPLATE = _env.from_string(
    """<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>Danh sách khen thưởng kèm theo Quyết định số {{ d.number }}</title>
<style>
  @page { size: A4; margin: 2cm 1.5cm 2cm 2.5cm; }
  body { font-family: "Times New Roman", Times, serif; font-size: 13pt; color: #000; }
  .head { display: flex; justify-content: space-between; text-align: center; }
  .head div { width: 48%; }
  .head .org, .head .nation { font-weight: bold; text-transform: uppercase; }
  .head .motto { font-weight: bold; text-decoration: underline; }
  h1 { font-size: 14pt; text-align: center; margin: 1.5em 0 0.2em; }
  .sub { text-align: center; font-style: italic; margin-bottom: 1em; }
  table { width: 100%; border-collapse: collapse; }
  th, td { border: 1px solid #000; padding: 4px 6px; vertical-align: top; }
  th { text-align: center; }
  td.num { text-align: right; white-space: nowrap; }
  td.c { text-align: center; }
  h2 { font-size: 13pt; margin: 1em 0 0.3em; }
  .revoked { text-decoration: line-through; }
  .sign { margin-top: 2em; margin-left: 55%; text-align: center; }
  .sign .title { font-weight: bold; text-transform: uppercase; }
  .sign .name { font-weight: bold; margin-top: 5em; }
  @media print { .noprint { display: none; } }
</style>
</head>
<body>
<div class="head">
  <div><div class="org">Ủy ban nhân dân tỉnh</div></div>
  <div>
    <div class="nation">Cộng hòa xã hội chủ nghĩa Việt Nam</div>
    <div class="motto">Độc lập - Tự do - Hạnh phúc</div>
  </div>
</div>
<h1>DANH SÁCH KHEN THƯỞNG</h1>
<div class="sub">(Kèm theo Quyết định số {{ d.number }} {{ d.signed_on | vnday }}
của {{ d.signer_title }})</div>
{% for group in groups %}
<h2>{{ loop.index | roman }}. {{ group.name }} ({{ group.lines | length }})</h2>
<table>
  <thead><tr>
    <th>STT</th><th>Họ và tên / Tên tập thể</th><th>Chức vụ, đơn vị</th>
    <th>Năm thành tích</th><th>Số tiền (đồng)</th>
  </tr></thead>
  <tbody>
  {% for ln in group.lines %}
  <tr{% if ln.revoked_on %} class="revoked"{% endif %}>
    <td class="c">{{ loop.index }}</td>
    <td>{{ ln.honorific }}{{ ln.name }}</td>
    <td>{{ ln.where }}</td>
    <td class="c">{{ ln.achievement }}</td>
    <td class="num">{{ ln.amount_vnd | money }}</td>
  </tr>
  {% endfor %}
  </tbody>
</table>
{% endfor %}
<p><b>Tổng số: {{ d.lines | length }} {{ "trường hợp" }}; tổng số tiền thưởng:
{{ d.total_vnd | money }} đồng</b> (mức lương cơ sở {{ d.base_salary_vnd | money }} đồng).</p>
<div class="sign">
  <div class="title">{{ d.signer_title }}</div>
  <div class="name">{{ d.signer_name }}</div>
</div>
</body>
</html>
"""
)


@dataclass
class _PrintLine:
    kind: str
    name: str
    gender: str | None
    where: str
    achievement: str
    amount_vnd: int
    revoked_on: date | None

    @property
    def honorific(self) -> str:
        if self.kind != "person":
            return ""
        return "Bà " if self.gender == "female" else "Ông " if self.gender == "male" else ""


def to_html(view: DecisionView, genders: Mapping[UUID, str | None] | None = None) -> str:
    genders = genders or {}
    groups: list[dict] = []
    for ln in view.lines:
        if not groups or groups[-1]["code"] != (ln.award_code, ln.kind):
            name = ln.award_name
            if ln.award_code in ("GIAY_KHEN", "BK_TINH", "BK_TTG"):
                name += " cho " + ("cá nhân" if ln.kind == "person" else "tập thể")
            groups.append({"code": (ln.award_code, ln.kind), "name": name, "lines": []})
        where = ", ".join(x for x in (ln.position_title, ln.unit_name) if x)
        groups[-1]["lines"].append(
            _PrintLine(
                ln.kind,
                ln.name,
                genders.get(ln.nominee_id),
                where,
                ln.achievement,
                ln.amount_vnd,
                ln.revoked_on,
            )
        )
    return _TEMPLATE.render(d=view, groups=groups)
