import unicodedata
from decimal import Decimal as D

import pytest

from servicekit.vietnamese import sort_key
from services.progress.domain import as_decimal


def test_floats_convert_through_their_shortest_repr():
    assert as_decimal(95.1) == D("95.1")
    assert as_decimal(5250) == D(5250)
    assert str(as_decimal(-0.0)) == "0.0"


@pytest.mark.parametrize("bad", ["1", True, None, b"1"])
def test_non_numbers_are_type_errors(bad):
    with pytest.raises(TypeError):
        as_decimal(bad)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), D("-Infinity"), D("sNaN")])
def test_non_finite_numbers_are_value_errors(bad):
    with pytest.raises(ValueError):
        as_decimal(bad)


def test_vietnamese_alphabet_order():
    names = ["Ủy ban", "Đoàn", "Ăn", "Dân", "Ân", "An", "Ưu", "Zeta", "Uy"]
    assert sorted(names, key=sort_key) == [
        "An",
        "Ăn",
        "Ân",
        "Dân",
        "Đoàn",
        "Uy",
        "Ủy ban",
        "Ưu",
        "Zeta",
    ]


def test_tones_break_ties_in_dictionary_order():
    words = ["mạ", "má", "mã", "mả", "mà", "ma"]
    assert sorted(words, key=sort_key) == ["ma", "mà", "mả", "mã", "má", "mạ"]


def test_composed_and_decomposed_spellings_sort_as_one():
    nfd = unicodedata.normalize("NFD", "Sở Tài chính")
    assert nfd != "Sở Tài chính"
    assert sort_key(nfd) == sort_key("Sở Tài chính")
