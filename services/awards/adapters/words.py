"""Vietnamese names of the awards and words the printed documents use, and Vietnamese ordering of
names."""

from __future__ import annotations

import unicodedata

AWARD_NAMES = {
    "LDTT": "Lao động tiên tiến",
    "CSTDCS": "Chiến sĩ thi đua cơ sở",
    "CSTD_TINH": "Chiến sĩ thi đua cấp tỉnh",
    "CSTD_TQ": "Chiến sĩ thi đua toàn quốc",
    "TTLDTT": "Tập thể lao động tiên tiến",
    "TTLDXS": "Tập thể lao động xuất sắc",
    "CO_TINH": "Cờ thi đua của Ủy ban nhân dân tỉnh",
    "CO_CP": "Cờ thi đua của Chính phủ",
    "GIAY_KHEN": "Giấy khen",
    "BK_TINH": "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh",
    "BK_TTG": "Bằng khen của Thủ tướng Chính phủ",
}

EMULATION_TITLES = frozenset(
    {"LDTT", "CSTDCS", "CSTD_TINH", "CSTD_TQ", "TTLDTT", "TTLDXS", "CO_TINH", "CO_CP"}
)

KIND_NAMES = {"person": "Cá nhân", "collective": "Tập thể"}

# Vietnamese alphabetical order: a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y, tones
# after the letters (ngang, huyền, hỏi, ngã, sắc, nặng).
_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_RANK = {c: i for i, c in enumerate(_LETTERS)}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def _letters(word: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    base: list[int] = []
    tones: list[int] = []
    for ch in unicodedata.normalize("NFC", word.lower()):
        if ch == "đ":
            base.append(_RANK["đ"])
            tones.append(0)
            continue
        decomposed = unicodedata.normalize("NFD", ch)
        letter, marks = decomposed[0], decomposed[1:]
        tone = 0
        for m in marks:
            if m in _TONES:
                tone = _TONES[m]
            elif m == "\u0306":
                letter = "ă"
            elif m == "\u0302":
                letter = {"a": "â", "e": "ê", "o": "ô"}.get(letter, letter)
            elif m == "\u031b":
                letter = {"o": "ơ", "u": "ư"}.get(letter, letter)
        base.append(_RANK.get(letter, 100 + ord(letter)))
        tones.append(tone)
    return tuple(base), tuple(tones)


def name_key(full_name: str) -> tuple:
    """Sort key of a Vietnamese personal name: by given name (the last word), then the rest
    from the family name on, letters before tones."""
    words = full_name.split()
    if not words:
        return ((), ())
    ordered = [words[-1], *words[:-1]]
    keys = [_letters(w) for w in ordered]
    return tuple(k[0] for k in keys), tuple(k[1] for k in keys)


def text_key(text: str) -> tuple:
    """Sort key of a Vietnamese text (a unit's name) word by word from the start."""
    keys = [_letters(w) for w in text.split()]
    return tuple(k[0] for k in keys), tuple(k[1] for k in keys)


def money(vnd: int) -> str:
    """1.490.000 — Vietnamese thousands separator."""
    return f"{vnd:,}".replace(",", ".")


def day(d) -> str:
    """Ngày 30 tháng 12 năm 2020."""
    return f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"
