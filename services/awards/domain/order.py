"""The order of the procedure's acts: each act has its own date, and a later
step cannot predate the one it rests on.

    screening ≤ notice start;  notice end < council session;
    vote opened, ballots cast, vote closed: on a day of the session, opened ≤ closed;
    decision or submission to the central level: on or after the day the vote closed.

The notice's end is its last day (inclusive) and the council votes once it has run, so the
session comes after it, not on it (`notice_end`). Each check returns what is out of order, naming
both acts and their dates in Vietnamese, or None; the commands turn it into a problem and store
nothing. Pure: dates come in as parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


def vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


@dataclass(frozen=True, slots=True)
class OutOfOrder:
    """Two acts whose dates contradict the procedure's order."""

    act: str
    on: date
    earlier_act: str
    earlier_on: date
    detail: str

    def dates(self) -> dict[str, str]:
        """For the problem document: each act's date."""
        return {self.act: self.on.isoformat(), self.earlier_act: self.earlier_on.isoformat()}


def _check(
    act: str, on: date, earlier_act: str, earlier_on: date, detail: str, ok: bool
) -> OutOfOrder | None:
    return None if ok else OutOfOrder(act, on, earlier_act, earlier_on, detail)


def notice_after_screening(screened_on: date, start_on: date) -> OutOfOrder | None:
    """Only a screened nomination goes on notice: the notice starts on or after its screening."""
    return _check(
        "notice_start", start_on, "screening", screened_on,
        f"Ngày bắt đầu công khai {vn(start_on)} trước ngày thẩm định hồ sơ {vn(screened_on)}.",
        start_on >= screened_on,
    )  # fmt: skip


def session_after_notice(notice_end: date, held_on: date) -> OutOfOrder | None:
    """The council considers a nomination after its public notice has run in full."""
    return _check(
        "session", held_on, "notice_end", notice_end,
        f"Phiên họp Hội đồng ngày {vn(held_on)} không sau ngày kết thúc công khai "
        f"{vn(notice_end)}: Hội đồng chỉ xét sau khi hết thời gian công khai.",
        held_on > notice_end,
    )  # fmt: skip


VOTE_ACTS = {
    "vote_opened": "mở biểu quyết",
    "ballot": "bỏ phiếu",
    "vote_closed": "kết thúc biểu quyết",
}


def within_session(act: str, on: date, held_on: date, ends_on: date | None) -> OutOfOrder | None:
    """A vote is opened, cast and closed at the council's session: on one of its days."""
    last = ends_on or held_on
    days = vn(held_on) if last == held_on else f"từ {vn(held_on)} đến {vn(last)}"
    earlier = "session" if on < held_on else "session_end"
    return _check(
        act, on, earlier, held_on if on < held_on else last,
        f"Ngày {VOTE_ACTS[act]} {vn(on)} nằm ngoài ngày họp của Hội đồng ({days}).",
        held_on <= on <= last,
    )  # fmt: skip


def closed_after_opened(opened_on: date, closed_on: date) -> OutOfOrder | None:
    return _check(
        "vote_closed", closed_on, "vote_opened", opened_on,
        f"Ngày kết thúc biểu quyết {vn(closed_on)} trước ngày mở biểu quyết {vn(opened_on)}.",
        closed_on >= opened_on,
    )  # fmt: skip


def signed_after_vote(signed_on: date, closed_on: date, act: str = "decision") -> OutOfOrder | None:
    """A decision (or a submission to the central level) follows the council's vote: on or after
    the day the vote closed, which is a day of the session."""
    what = "ký quyết định" if act == "decision" else "ký tờ trình"
    return _check(
        act, signed_on, "vote_closed", closed_on,
        f"Ngày {what} {vn(signed_on)} trước ngày Hội đồng biểu quyết thông qua {vn(closed_on)}.",
        signed_on >= closed_on,
    )  # fmt: skip


def not_in_future(act: str, on: date, today: date) -> OutOfOrder | None:
    """An act is recorded on or after the day it happened, never before."""
    return _check(
        act, on, "today", today,
        f"Ngày {vn(on)} là ngày trong tương lai (hôm nay là {vn(today)}).",
        on <= today,
    )  # fmt: skip
