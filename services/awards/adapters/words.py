"""The words awards' printed documents use and no other service prints: an amount of money and a
date written the Vietnamese way. The award names are `servicekit.labels`'s; the alphabetical order
of names `servicekit.vietnamese`'s."""

from __future__ import annotations

from datetime import date


def money(vnd: int) -> str:
    """1.490.000 — Vietnamese thousands separator."""
    return f"{vnd:,}".replace(",", ".")


def day(d: date) -> str:
    """Ngày 30 tháng 12 năm 2020."""
    return f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"
