"""The progress service's domain core: pure functions and records, free of I/O.

No database, bus, HTTP or clock here: "today" and every record come in as parameters, so the
service layer decides when and where, and tests control time. Measured values are Decimal
(see `decimals`). The names below are what the service layer calls.
"""

from services.progress.domain.aggregate import (
    UnitTally,
    finished_early,
    reported_on_time,
    unit_completion,
    unit_stats,
)
from services.progress.domain.completion import Completion, completion, is_met, weighted
from services.progress.domain.dashboard import Dashboard, campaign_dashboard
from services.progress.domain.deadlines import DueNotice, due_notices, period_of
from services.progress.domain.decimals import as_decimal
from services.progress.domain.errors import FieldProblem, Rejected
from services.progress.domain.initiatives import SCOPE_OF_LEVEL, Initiative, check_initiative
from services.progress.domain.members import Membership, MergedResults, Plan, plan_rows
from services.progress.domain.model import Campaign, Report, Target
from services.progress.domain.ratings import (
    RatingEntry,
    apply_rating,
    check_rating,
    current_ratings,
)
from services.progress.domain.reports import (
    check_correction,
    check_report,
    check_unit_open,
    new_report,
)
from services.progress.domain.scoring import (
    Adjustment,
    Criterion,
    ScoreBreakdown,
    ScoringScheme,
    UnitStats,
    check_adjustment,
    score_unit,
)
from services.progress.domain.standings import (
    LeaderDecision,
    RankChange,
    Standing,
    determine_leader,
    ranking_changes,
    standings,
)
from services.progress.domain.tracking import (
    Achievement,
    Applied,
    HistoryRequired,
    SetAside,
    TargetState,
    apply_report,
    close_unit,
    current_report,
    judge,
    needs_history,
    rebuild,
    revise_target,
)

__all__ = [
    "SCOPE_OF_LEVEL",
    "Achievement",
    "Adjustment",
    "Applied",
    "Campaign",
    "Completion",
    "Criterion",
    "Dashboard",
    "DueNotice",
    "FieldProblem",
    "HistoryRequired",
    "Initiative",
    "LeaderDecision",
    "Membership",
    "MergedResults",
    "Plan",
    "RankChange",
    "RatingEntry",
    "Rejected",
    "Report",
    "ScoreBreakdown",
    "ScoringScheme",
    "SetAside",
    "Standing",
    "Target",
    "TargetState",
    "UnitStats",
    "UnitTally",
    "apply_rating",
    "apply_report",
    "as_decimal",
    "campaign_dashboard",
    "check_adjustment",
    "check_correction",
    "check_initiative",
    "check_rating",
    "check_report",
    "check_unit_open",
    "close_unit",
    "completion",
    "current_ratings",
    "current_report",
    "determine_leader",
    "due_notices",
    "finished_early",
    "is_met",
    "judge",
    "needs_history",
    "new_report",
    "period_of",
    "plan_rows",
    "ranking_changes",
    "rebuild",
    "reported_on_time",
    "revise_target",
    "score_unit",
    "standings",
    "unit_completion",
    "unit_stats",
    "weighted",
]
