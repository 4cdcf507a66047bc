"""A sort key for Vietnamese names, following the Vietnamese alphabet rather than code points.

Letters: a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y — so "Đ" sorts after "D"
(code points would put it after "Z") and "Ư" after "U". Tone marks only break ties between
otherwise equal words, in the dictionary order: none, huyền (`), hỏi (?), ngã (~), sắc (´),
nặng (.). Case comes last. This matches CLDR's Vietnamese collation for the letters people use in
unit names, without needing ICU.
"""

from __future__ import annotations

import unicodedata

_BREVE, _CIRCUMFLEX, _HORN = "\u0306", "\u0302", "\u031b"
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_LETTER_MARKS = {_BREVE: 1, _CIRCUMFLEX: 2, _HORN: 3}


def vietnamese_key(text: str) -> tuple[tuple[tuple[str, int], ...], tuple[int, ...], str]:
    """Primary: base letters with their letter marks (ă after a, â after ă, đ after d);
    secondary: tones, word by word; tertiary: the NFC text itself (case, then anything left)."""
    letters: list[tuple[str, int]] = []
    tones: list[int] = []
    for ch in unicodedata.normalize("NFD", text.strip()):
        if ch in _TONES:
            if tones:
                tones[-1] = _TONES[ch]
            continue
        if ch in _LETTER_MARKS:
            if letters:
                base, _ = letters[-1]
                letters[-1] = (base, _LETTER_MARKS[ch])
            continue
        lower = ch.lower()
        if lower == "đ":
            letters.append(("d", 9))
        else:
            letters.append((lower, 0))
        tones.append(0)
    return (tuple(letters), tuple(tones), unicodedata.normalize("NFC", text))
