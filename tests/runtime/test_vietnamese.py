"""Vietnamese collation keys and accent-insensitive folding."""

from __future__ import annotations

from decimal import Decimal

import pytest

from servicekit.imports import to_float
from servicekit.vietnamese import fold, has_diacritics, parse_number, person_name_key, sort_key


def test_letters_follow_the_vietnamese_alphabet():
    words = ["Đông", "Dương", "Ân", "Ăn", "An", "Bình", "Ơn", "Ôn", "On", "Ưng", "Ung", "Zô"]
    assert sorted(words, key=sort_key) == [
        "An",
        "Ăn",
        "Ân",
        "Bình",
        "Dương",
        "Đông",
        "On",
        "Ôn",
        "Ơn",
        "Ung",
        "Ưng",
        "Zô",
    ]


def test_tones_come_second_in_dictionary_order():
    # ngang, huyền, hỏi, ngã, sắc, nặng
    assert sorted(["ạ", "á", "ã", "ả", "à", "a"], key=sort_key) == ["a", "à", "ả", "ã", "á", "ạ"]
    # letters decide before tones: "Án" < "Anh" although "á" > "a"
    assert sorted(["Anh", "Án", "An"], key=sort_key) == ["An", "Án", "Anh"]


def test_words_and_prefixes():
    assert sorted(["Anh", "An Bình", "An"], key=sort_key) == ["An", "An Bình", "Anh"]
    assert sorted(["Sở Y tế", "Sở Xây dựng", "Sở Tài chính"], key=sort_key) == [
        "Sở Tài chính",
        "Sở Xây dựng",
        "Sở Y tế",
    ]


def test_case_is_the_last_resort_and_spelling_is_normalised():
    decomposed = "Nguye\u0302\u0303n"  # NFD "Nguyễn"
    assert sort_key(decomposed) == sort_key("Nguyễn")
    assert sort_key("an") < sort_key("An") < sort_key("Án")


def test_digits_before_letters_and_c_locale_is_not_used():
    assert sorted(["Xã A", "Phường 5", "Phường 1", "Phường Đông"], key=sort_key) == [
        "Phường 1",
        "Phường 5",
        "Phường Đông",
        "Xã A",
    ]
    # code point order would put Đ after Z
    assert sorted(["Đầm Dơi", "Ủy ban", "Cà Mau", "Zeta"], key=sort_key) == [
        "Cà Mau",
        "Đầm Dơi",
        "Ủy ban",
        "Zeta",
    ]


def test_people_sort_by_given_name_first():
    names = ["Nguyễn Văn Cường", "Trần Thị Bình", "Lê Văn An", "Phạm An"]
    assert sorted(names, key=person_name_key) == [
        "Lê Văn An",
        "Phạm An",
        "Trần Thị Bình",
        "Nguyễn Văn Cường",
    ]


def test_fold_for_search():
    assert fold("Nguyễn Văn Đức") == "nguyen van duc"
    assert fold("  ỦY BAN  nhân dân ") == "uy ban nhan dan"
    assert has_diacritics("Nguyễn") and not has_diacritics("nguyen")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5.300", Decimal("5300")),
        ("1.234.567", Decimal("1234567")),
        ("1.234,5", Decimal("1234.5")),
        ("92,5", Decimal("92.5")),
        ("-2.500", Decimal("-2500")),
        ("12", Decimal("12")),
        (" 1 500 ", Decimal("1500")),
        ("1\u00a0500,25", Decimal("1500.25")),
    ],
)
def test_numbers_are_read_as_vietnamese_write_them(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize(
    "text", ["12.5", "0.500", "1,234.5", "1.23", "5.300.", "", "nhiều", "1,2,3"]
)
def test_what_is_not_written_the_vietnamese_way_is_no_vietnamese_number(text):
    assert parse_number(text) is None


def test_an_import_cell_is_read_the_vietnamese_way_first_then_as_a_machine_writes_it():
    # "5.300" from a clerk is five thousand three hundred, not 5.3; a machine's "12.5" stays 12.5
    assert to_float("5.300") == 5300.0
    assert to_float("92,5") == 92.5
    assert to_float("12.5") == "12.5"  # left to the model, which reads it as 12.5
    assert to_float(" ") is None and to_float(7.5) == 7.5
