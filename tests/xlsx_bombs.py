"""Hostile .xlsx files for the import tests: a real workbook whose first sheet's XML is replaced,
so the zip and the workbook parts are what a spreadsheet writes and only the sheet is hostile."""

from __future__ import annotations

import io
import os
import zipfile

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def with_sheet(sheet_xml: bytes) -> bytes:
    """A valid workbook whose first sheet is `sheet_xml` (deflated, as spreadsheets store it)."""
    wb = Workbook()
    wb.active.append(["code"])
    plain = io.BytesIO()
    wb.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = sheet_xml if item.filename == SHEET else src.read(item.filename)
            dst.writestr(item.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def many_rows(header: list[str], rows: int, dimension: str | None = None) -> bytes:
    """A sheet of `header` and `rows` one-cell rows (the same text: it compresses to little)."""
    cells = "".join(_inline(f"{chr(65 + i)}1", h) for i, h in enumerate(header))
    parts = [f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}>']
    if dimension:
        parts.append(f'<dimension ref="{dimension}"/>')
    parts.append(f'<sheetData><row r="1">{cells}</row>')
    parts += [f'<row r="{n}">{_inline(f"A{n}", "X")}</row>' for n in range(2, rows + 2)]
    parts.append("</sheetData></worksheet>")
    return with_sheet("".join(parts).encode())


def cell_without_row(header: list[str]) -> bytes:
    """A cell whose reference names a column and no row (`r="A"`)."""
    cells = "".join(_inline(f"{chr(65 + i)}1", h) for i, h in enumerate(header))
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}><sheetData>'
        f'<row r="1">{cells}</row><row r="2">{_inline("A", "X")}</row></sheetData></worksheet>'
    )
    return with_sheet(xml.encode())


def broken_xml(header: list[str]) -> bytes:
    """A sheet whose XML stops in the middle of a row."""
    cells = "".join(_inline(f"{chr(65 + i)}1", h) for i, h in enumerate(header))
    xml = f'<?xml version="1.0"?><worksheet {_NS}><sheetData><row r="1">{cells}</row><row r="2"><c'
    return with_sheet(xml.encode())


def zip_bomb(size: int = 4_000_000_000) -> bytes:
    """A workbook whose sheet member declares `size` bytes once inflated, as a zip bomb does (a
    few kilobytes deflating to gigabytes). The declared size is patched into the zip's headers
    rather than really written: a reader must refuse it before inflating anything."""
    data = bytearray(with_sheet(f"<worksheet {_NS}><sheetData/></worksheet>".encode()))
    name = SHEET.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = 0
        while (at := data.find(signature, at)) >= 0:
            if data[at + name_at : at + name_at + len(name)] == name:
                data[at + size_at : at + size_at + 4] = min(size, 0xFFFFFFFF).to_bytes(4, "little")
            at += 4
    return bytes(data)


def rss_bytes() -> int:
    """This process's resident memory now (Linux /proc)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
