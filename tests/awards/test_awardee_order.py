"""The order of a decision's awardees: by award, people before collectives, then by name in
Vietnamese dictionary order — a person by given name, the given name compared whole (letters,
then tone) before the family names, so "An" comes before "Án" whoever bears them."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

from services.awards.adapters.exports import Line, listing_order


def _line(kind: str, name: str, code: str = "LDTT") -> Line:
    return Line(0, uuid4(), kind, uuid4(), name, None, None, code, code, 2020, None,
                Decimal("0.3"), 447_000, None)  # fmt: skip


def test_people_are_listed_by_given_name_then_family_name() -> None:
    names = ["Lê Hoà", "Lê Án", "Vũ Thị Hoa", "Trần An", "Phạm Anh", "Lê Thị Ánh", "Đỗ Bình"]
    listed = sorted((_line("person", n) for n in names), key=listing_order)
    assert [ln.name for ln in listed] == [
        "Trần An",
        "Lê Án",
        "Phạm Anh",
        "Lê Thị Ánh",
        "Đỗ Bình",
        "Vũ Thị Hoa",
        "Lê Hoà",
    ]


def test_awards_first_then_people_before_collectives_then_units_by_name() -> None:
    lines = [
        _line("collective", "Sở Y tế", "TTLDTT"),
        _line("person", "Nguyễn Văn Cường", "CSTDCS"),
        _line("collective", "Sở Tài chính", "TTLDTT"),
        _line("person", "Trần Thị Bình", "CSTDCS"),
        _line("collective", "Đội Một", "TTLDTT"),
    ]
    listed = sorted(lines, key=listing_order)
    assert [(ln.award_code, ln.name) for ln in listed] == [
        ("CSTDCS", "Trần Thị Bình"),
        ("CSTDCS", "Nguyễn Văn Cường"),
        ("TTLDTT", "Đội Một"),
        ("TTLDTT", "Sở Tài chính"),
        ("TTLDTT", "Sở Y tế"),
    ]
