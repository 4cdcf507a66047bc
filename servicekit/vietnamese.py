"""Vietnamese text, shared by every service: NFC spelling, a collation key that sorts names the way
Vietnamese readers expect, and an accent-insensitive form for search. Pure functions, no locale,
so domain cores may use them.

The C locale (and a naive sort of Unicode strings) puts "Đ" after "Z" and "Ă", "Â" far from "A".
Vietnamese orders letters a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y (with f, j,
w, z of foreign words slotted in the Latin order), and tones come second: a word is compared on
its letters first, then on its tones (ngang, huyền, hỏi, ngã, sắc, nặng), then on letter case, like
the multi-level comparison of the Unicode Collation Algorithm.

The key is a plain string: comparing two keys by code point (Python's `<`, PostgreSQL's
`COLLATE "C"`) gives the Vietnamese order, so the database can sort and paginate on a stored key.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

# Base letters in Vietnamese alphabetical order. A letter with a breve, circumflex or horn, and
# đ, is a letter of its own; f j w z are not Vietnamese but appear in names of organisations.
_ALPHABET = [
    "a",
    "ă",
    "â",
    "b",
    "c",
    "d",
    "đ",
    "e",
    "ê",
    "f",
    "g",
    "h",
    "i",
    "j",
    "k",
    "l",
    "m",
    "n",
    "o",
    "ô",
    "ơ",
    "p",
    "q",
    "r",
    "s",
    "t",
    "u",
    "ư",
    "v",
    "w",
    "x",
    "y",
    "z",
]

# Combining marks that make a base letter another letter (kept with the letter).
_LETTER_MARKS = {"\u0306": "breve", "\u0302": "circumflex", "\u031b": "horn"}
# Tone marks, in the dictionary order of the tones (0 = ngang, no mark).
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}

_WORD_SEPARATOR = '"'  # below every letter: "An Bình" before "Anh"
_LEVEL_SEPARATOR = "!"  # below the word separator: "An" before "An Bình"
_FIRST_DIGIT = 0x23  # '#': digits come before letters
_FIRST_LETTER = _FIRST_DIGIT + 10
_RANK = {letter: chr(_FIRST_LETTER + i) for i, letter in enumerate(_ALPHABET)}
_OTHER = chr(_FIRST_LETTER + len(_ALPHABET))  # letters of other scripts: after z, by code point


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _letters(text: str) -> list[tuple[str, int, bool]]:
    """(base letter with its letter marks, tone, is upper case) for each letter or digit; any
    run of other characters (spaces, punctuation) becomes one word separator ("", 0, False)."""
    out: list[tuple[str, int, bool]] = []
    for ch in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", ch)
        base, marks = decomposed[0], decomposed[1:]
        if not base.isalnum():
            if out and out[-1][0] != "":
                out.append(("", 0, False))
            continue
        tone = 0
        letter = base.lower()
        for mark in marks:
            if mark in _TONES:
                tone = _TONES[mark]
            elif mark in _LETTER_MARKS:
                letter = unicodedata.normalize("NFC", letter + mark)
        out.append((letter, tone, ch != ch.lower()))
    while out and out[-1][0] == "":
        out.pop()
    return out


def _primary(letter: str) -> str:
    if letter == "":
        return _WORD_SEPARATOR
    if letter.isdigit() and letter.isascii():
        return chr(_FIRST_DIGIT + int(letter))
    rank = _RANK.get(letter)
    if rank is not None:
        return rank
    plain = unicodedata.normalize("NFD", letter)[0]  # e.g. "ç" sorts as "c"
    return _RANK.get(plain) or (_OTHER + letter)


def sort_key(text: str) -> str:
    """The collation key of a text: letters, then tones, then case."""
    units = _letters(text)
    primary = "".join(_primary(letter) for letter, _, _ in units)
    tones = "".join(str(tone) for letter, tone, _ in units if letter)
    case = "".join("1" if upper else "0" for letter, _, upper in units if letter)
    return primary + _LEVEL_SEPARATOR + tones + _LEVEL_SEPARATOR + case


def person_name_key(full_name: str) -> str:
    """How Vietnamese lists of people are sorted: by given name (the last word), then by the
    family and middle names. "Trần Thị Bình" sorts before "Nguyễn Văn Cường"."""
    words = nfc(full_name).split()
    if len(words) <= 1:
        return sort_key(full_name)
    return sort_key(words[-1]) + _LEVEL_SEPARATOR + sort_key(" ".join(words[:-1]))


def fold(text: str) -> str:
    """Lower case without any diacritic (đ → d): "Nguyễn Văn Ấn" → "nguyen van an". Used to
    search whatever the user typed, with or without accents."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())


def has_diacritics(text: str) -> bool:
    return fold(text) != " ".join(text.lower().split())


# A number as Vietnamese write it: dots group thousands, a comma marks decimals ("5.300" is five
# thousand three hundred, "12,5" twelve and a half). A first group starting with 0 ("0.500") is
# no thousands group, so it is not read as one.
_GROUPED = re.compile(r"^[+-]?[1-9]\d{0,2}(\.\d{3})+(,\d+)?$")
_PLAIN = re.compile(r"^[+-]?\d+(,\d+)?$")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def parse_number(text: str) -> Decimal | None:
    """The number a Vietnamese writer means by `text` (spaces, also non-breaking, ignored);
    None when it is not written the Vietnamese way (e.g. "12.5" or "1,234.5")."""
    t = _SPACES.sub("", text)
    if not (_GROUPED.match(t) or _PLAIN.match(t)):
        return None
    try:
        return Decimal(t.replace(".", "").replace(",", "."))
    except InvalidOperation:
        return None
