"""The awards service's domain core, free of I/O: eligibility screening and the procedure's
arithmetic. Time is always a parameter; nothing here reads the clock, a database or the bus.

Entry points:
- `screen(nomination, facts, config)` and `screen_batch(nominations, facts, config)`
- `screen_year(facts, year, scope, config, as_of=..., regime=...)`; `as_of`, like
  `Nomination.considered_on`, is the consideration date every rule reads the facts as of
- `notice_end(start, working_days)`, `tally(ballot, council_size, threshold)`,
  `award_money(code, kind, decided_on, config)`
- `regime_for(period_end, override)`; `authority.deciding(code, regime, setting, on)`,
  `authority.check_signer(...)`; `order` (the procedure's dates)
"""

from services.awards.domain.annual import AnnualScreening, Candidate, screen_year
from services.awards.domain.facts import (
    AwardRecord,
    Collective,
    Facts,
    FactsBuilder,
    Initiative,
    Person,
    RatingRecord,
    StatusPeriod,
)
from services.awards.domain.nomination import Nomination
from services.awards.domain.policy import DEFAULT_CONFIG, ScreeningConfig
from services.awards.domain.procedure import (
    Ballot,
    Tally,
    award_money,
    is_working_day,
    notice_end,
    notice_end_for,
    tally,
)
from services.awards.domain.regime import (
    Regime,
    regime_for,
    two_level_government,
)
from services.awards.domain.rules import RULEBOOK, Rule, rules_for
from services.awards.domain.screening import RuleResult, ScreeningResult, screen, screen_batch

__all__ = [
    "DEFAULT_CONFIG",
    "RULEBOOK",
    "AnnualScreening",
    "AwardRecord",
    "Ballot",
    "Candidate",
    "Collective",
    "Facts",
    "FactsBuilder",
    "Initiative",
    "Nomination",
    "Person",
    "RatingRecord",
    "Regime",
    "Rule",
    "RuleResult",
    "ScreeningConfig",
    "ScreeningResult",
    "StatusPeriod",
    "Tally",
    "award_money",
    "is_working_day",
    "notice_end",
    "notice_end_for",
    "regime_for",
    "rules_for",
    "screen",
    "screen_batch",
    "screen_year",
    "tally",
    "two_level_government",
]
