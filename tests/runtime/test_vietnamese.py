"""Vietnamese collation keys and accent-insensitive folding."""

from __future__ import annotations

from servicekit.vietnamese import fold, has_diacritics, person_name_key, sort_key


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
