"""Characters no text of the platform may hold, refused wherever text comes in.

C0 controls other than tab, line feed and carriage return, DEL and C1 controls have no place in a
name, a reason or a code: PostgreSQL refuses NUL outright (an answer 500 before this check), the
others break spreadsheets (openpyxl refuses to write them) and terminals. Bidirectional embedding,
override and isolate controls make a text display otherwise than it reads ("Trojan Source"), so a
unit's name could show one thing to a council and sort as another.

Text is refused at the edge with the field named — request bodies (`In`), URLs
(`UrlTextMiddleware` in `servicekit.http`) and imported cells — never silently cleaned, so what
is stored is what the sender meant. Exports still write text cells through `sheet_text`, which
drops such characters from rows stored before the check existed.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from servicekit.messages import Msg

FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_FORBIDDEN_BYTES = re.compile(
    rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]"
)


def forbidden_char(text: str) -> str | None:
    """The first forbidden character of `text` as "U+XXXX", or None when the text is clean."""
    found = FORBIDDEN.search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def has_forbidden_bytes(raw: bytes) -> bool:
    """The same test on UTF-8 bytes (a URL's decoded path or query), without decoding them."""
    return _FORBIDDEN_BYTES.search(raw) is not None


VALUE = Msg("The value")
CELL = Msg("The cell")


def refusal(where: str, char: str) -> Msg:
    """`where` (a parameter's name, or VALUE / CELL) holds `char`, in the reader's language."""
    return Msg(
        "{where} contains the control or bidirectional character {char}, which is not accepted",
        where=where,
        char=char,
    )


MAX_CITED = 1000  # the contract's CitedRef


def cited_problem(ref: Any) -> Msg | None:
    """What is wrong with a document's reference as a person wrote it ("Tờ trình số
    15/TTr-SKHCN": spaces are part of it), or None; on one line it is the contract's CitedRef."""
    if not isinstance(ref, str) or not ref.strip():
        return Msg("a reference may not be blank")
    char = forbidden_char(ref)
    if char is not None:
        return refusal(VALUE, char)
    if len(" ".join(ref.split())) > MAX_CITED:
        return Msg("a reference is at most {limit} characters", limit=MAX_CITED)
    return None


def check_text(value: Any) -> Any:
    """Raise ValueError naming the forbidden character in `value` (a string, or strings inside
    lists and dicts); return it unchanged otherwise."""
    if isinstance(value, str):
        char = forbidden_char(value)
        if char is not None:
            raise ValueError(refusal(VALUE, char))
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            check_text(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key)
            check_text(item)
    return value


class In(BaseModel):
    """The base of every request body: unknown fields and forbidden characters are refused, each
    error naming its field (nested bodies inherit it, so the pointer reaches the leaf)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_forbidden_characters(cls, value: Any) -> Any:
        return check_text(value)


def sheet_text(value: Any) -> Any:
    """A value as a spreadsheet should hold it: strings without forbidden characters (stored
    before they were refused). Formulas are prevented where cells are made (`xlsx_row`)."""
    if isinstance(value, str):
        return FORBIDDEN.sub("", value)
    return value


def xlsx_row(ws: Any, values: list[Any]) -> list[Any]:
    """`values` as cells of `ws` whose strings are text, never formulas: a unit named
    `=HYPERLINK(…)` is shown as written instead of running when the export is opened (openpyxl
    makes any string starting with "=" a formula)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import Cell

    cells = []
    for value in values:
        value = sheet_text(value)
        cell = WriteOnlyCell(ws, value) if _write_only(ws) else Cell(ws, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
        cells.append(cell)
    return cells


def _write_only(ws: Any) -> bool:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    return isinstance(ws, WriteOnlyWorksheet)
