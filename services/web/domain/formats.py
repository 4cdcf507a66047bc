"""Dates, numbers and money as Vietnamese write them: 08/12/2026, 5.250,5 and 1.490.000 đ.
The forms read them back the same way (a clerk types 5.300 for five thousand three hundred)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from servicekit import vietnamese

_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


def day(value: date | str | None) -> str:
    """dd/mm/yyyy; an ISO date string is accepted (as the APIs send them)."""
    if value is None or value == "":
        return ""
    d = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


VIETNAM = timezone(timedelta(hours=7))  # no daylight saving time


def moment(value: datetime | str | None) -> str:
    """dd/mm/yyyy hh:mm in Vietnam's time; an ISO timestamp is accepted (as the APIs send)."""
    if value is None or value == "":
        return ""
    t = datetime.fromisoformat(value) if isinstance(value, str) else value
    return t.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")


def number(value: float | int | Decimal | None, decimals: int = 2) -> str:
    """Thousands grouped with dots, decimals after a comma, trailing zeros dropped."""
    if value is None:
        return ""
    # half up, as people round (format() alone rounds half to even: 0,125 → 0,12)
    exact = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{exact:,.{decimals}f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    whole = whole.replace(",", ".")
    return f"{whole},{frac}" if frac else whole


def money(value: float | int | Decimal | None) -> str:
    """Đồng, whole: 1.490.000 đ."""
    return "" if value is None else f"{number(value, 0)} đ"


def percent(share: float | None) -> str:
    """A share in [0, …] as a percentage with one decimal: 0.8765 → 87,7 %."""
    return "" if share is None else f"{number(Decimal(str(share)) * 100, 1)} %"


def parse_day(text: str) -> date | None:
    """dd/mm/yyyy (or an ISO yyyy-mm-dd); None when it is neither or not a real day."""
    m = _DATE.match(text)
    try:
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def parse_number(text: str) -> Decimal | None:
    """A number as Vietnamese write it: dots group thousands, a comma marks decimals
    (5.300 = 5300; 12,5 = 12.5). None when it is not one."""
    return vietnamese.parse_number(text)


def references(text: str) -> list[str]:
    """Evidence references, one a line, each as written ("Tờ trình số 15/TTr-SKHCN"): blanks
    dropped, order kept, repeats once."""
    seen: dict[str, None] = {}
    for line in text.splitlines():
        ref = " ".join(line.split())
        if ref:
            seen.setdefault(ref, None)
    return list(seen)
