"""Reminders for targets not yet reported: ReportDueSoon, then ReportOverdue.

Periods: one deadline per target, so the period is the deadline itself, as an ISO date
("2020-12-31"). A revised deadline is a new period and may be reminded of afresh.

A target counts as reported once any report on it exists, whatever its as_of (a late report
stops further reminders). Timing, with lead time L days:
- due_soon on the days deadline − L … deadline (days_left L … 0), if no report yet;
- overdue from the day after the deadline (days_overdue ≥ 1), if no report yet.
Each (kind, target, period) is sent once: the caller passes the keys already sent (the
`DueNotice.key` of each) and records the new ones with the events, in one transaction. If the
scheduler did not run during the due-soon window, only the overdue notice goes out.

The caller passes the targets of launched campaigns only: a closed campaign takes no reports.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal
from uuid import UUID

from services.progress.domain.model import Report, Target

NoticeKind = Literal["due_soon", "overdue"]
NoticeKey = tuple[str, UUID, str]
DEFAULT_LEAD_DAYS = 7


@dataclass(frozen=True, slots=True)
class DueNotice:
    kind: NoticeKind
    target: Target
    period: str
    days: int
    """days_left for due_soon (≥ 0), days_overdue for overdue (≥ 1)."""

    @property
    def key(self) -> NoticeKey:
        return (self.kind, self.target.id, self.period)


def period_of(target: Target) -> str:
    return target.deadline.isoformat()


def due_notices(
    targets: Iterable[Target],
    reports: Iterable[Report] | Collection[UUID],
    today: date,
    lead_days: int = DEFAULT_LEAD_DAYS,
    already_sent: Collection[NoticeKey] = frozenset(),
) -> list[DueNotice]:
    """`reports`: the reports made so far, or just the ids of the targets that have one.
    Returns the notices to send today, ordered by deadline then target id."""
    if lead_days < 0:
        raise ValueError("lead_days must not be negative")
    reported = {r.target_id if isinstance(r, Report) else r for r in reports}
    notices = []
    for target in targets:
        if target.id in reported:
            continue
        days_left = (target.deadline - today).days
        if days_left < 0:
            notice = DueNotice("overdue", target, period_of(target), -days_left)
        elif days_left <= lead_days:
            notice = DueNotice("due_soon", target, period_of(target), days_left)
        else:
            continue
        if notice.key not in already_sent:
            notices.append(notice)
    notices.sort(key=lambda n: (n.target.deadline, str(n.target.id), n.kind))
    return notices
