"""Vietnamese presentation of dates, times, numbers and money.

Dates are dd/mm/yyyy; instants are shown in Asia/Ho_Chi_Minh (UTC+7, no daylight saving time
since 1975, so a fixed offset stands in if the system has no time zone database). Numbers group
thousands with "." and use "," for decimals: 1.490.000 đ, 100,23%.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def _vietnam() -> tzinfo:
    try:
        return ZoneInfo("Asia/Ho_Chi_Minh")
    except ZoneInfoNotFoundError:
        return timezone(timedelta(hours=7), "ICT")


VIETNAM = _vietnam()


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def vn_date(value: date | datetime) -> str:
    """dd/mm/yyyy; an aware datetime is first moved to Vietnam's day."""
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise ValueError("a datetime to show must be timezone-aware")
        value = value.astimezone(VIETNAM)
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def vn_datetime(value: datetime) -> str:
    """HH:MM dd/mm/yyyy in Vietnam's time, the order Vietnamese documents write it."""
    local = value.astimezone(VIETNAM) if value.utcoffset() is not None else None
    if local is None:
        raise ValueError("a datetime to show must be timezone-aware")
    return f"{local:%H:%M} {vn_date(local)}"


def vn_number(value: float | int, decimals: int = 2) -> str:
    """Thousands grouped with ".", decimals after "," with trailing zeros dropped: 5.412,7."""
    text = f"{value:,.{decimals}f}" if decimals > 0 else f"{round(value):,d}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def vn_money(amount: int) -> str:
    """Đồng have no minor unit: 1490000 -> "1.490.000 đ"."""
    return f"{vn_number(amount, 0)} đ"


def vn_percent(ratio: float, decimals: int = 2) -> str:
    """A ratio as a percentage: 1.0023 -> "100,23%"."""
    return f"{vn_number(ratio * 100, decimals)}%"
