"""Vietnamese names of the codes more than one service prints: the award and title codes of
`schemas.awards` (awards prints them on decisions and exports, notify in its messages)."""

from __future__ import annotations

AWARD_NAMES: dict[str, str] = {
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

KIND_NAMES: dict[str, str] = {"person": "Cá nhân", "collective": "Tập thể"}
