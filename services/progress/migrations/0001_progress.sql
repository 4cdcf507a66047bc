-- The progress service's own tables.
--
-- 1. Its read model of the registry (units, people's units, blocs with their yearly members,
--    campaigns, targets), fed by registry events and rebuilt by replaying them.
-- 2. What it owns: progress reports (insert-only), each target's state (current and first
--    report), achievements, reminders sent, bloc scoring (schemes, bonus/penalty, votes,
--    standings, leaders), ratings and initiatives.
--
-- The domain core (services/progress/domain) holds the rules; constraints here are a backstop.
-- Measured values are numeric (the domain computes in Decimal).

-- ---- read model of the registry ---------------------------------------------------------------

CREATE TABLE units (
    unit_id     uuid PRIMARY KEY,
    code        text NOT NULL,
    name        text NOT NULL,
    kind        text NOT NULL,
    level       text NOT NULL,
    parent_id   uuid,
    valid_from  date NOT NULL,
    valid_to    date,              -- exclusive; set by UnitClosed too
    merged_into uuid
);

-- Only what ratings need: which unit a person works in. No name or other personal data.
CREATE TABLE people (
    person_id  uuid PRIMARY KEY,
    unit_id    uuid NOT NULL,
    valid_from date NOT NULL
);
CREATE INDEX people_unit ON people (unit_id);

CREATE TABLE campaigns (
    campaign_id            uuid PRIMARY KEY,
    code                   text NOT NULL,
    title                  text NOT NULL,
    kind                   text NOT NULL,
    regime                 text NOT NULL,
    start_date             date NOT NULL,
    end_date               date NOT NULL,
    state                  text NOT NULL CHECK (state IN ('launched', 'closed')),
    closed_on              date,
    participating_unit_ids uuid[] NOT NULL DEFAULT '{}',
    bloc_ids               uuid[] NOT NULL DEFAULT '{}'
);

-- A target at its latest revision, and its progress (services.progress.domain.TargetState):
-- the current live report and the first report to arrive. The achievement is kept apart
-- (achievements) because the bus may deliver it before the target on a replay.
CREATE TABLE targets (
    target_id         uuid PRIMARY KEY,
    campaign_id       uuid NOT NULL,
    unit_id           uuid NOT NULL,
    name              text NOT NULL,
    metric            text NOT NULL,
    unit_of_measure   text NOT NULL,
    target_value      numeric NOT NULL,
    direction         text NOT NULL CHECK (direction IN ('higher_is_better', 'lower_is_better')),
    weight            numeric NOT NULL CHECK (weight >= 0),
    deadline          date NOT NULL,
    indicator_code    text,
    revision          integer NOT NULL CHECK (revision >= 1),
    current_report_id uuid,
    first_report_id   uuid
) WITH (fillfactor = 70);  -- room for HOT updates of the progress columns
CREATE INDEX targets_campaign ON targets (campaign_id, unit_id);
CREATE INDEX targets_unit ON targets (unit_id, deadline);
CREATE INDEX targets_unreported ON targets (deadline) WHERE first_report_id IS NULL;

-- ---- reports and achievements -----------------------------------------------------------------

-- Never updated: a correction is a new row naming the report it supersedes.
CREATE TABLE reports (
    report_id   uuid PRIMARY KEY,
    target_id   uuid NOT NULL,
    campaign_id uuid NOT NULL,
    unit_id     uuid NOT NULL,
    value       numeric NOT NULL,
    as_of       date NOT NULL,
    reported_at timestamptz NOT NULL,
    note        text,
    evidence    text[] NOT NULL DEFAULT '{}',
    supersedes  uuid
);
CREATE INDEX reports_target ON reports (target_id, reported_at);
-- corrections form a chain: a report is corrected at most once
CREATE UNIQUE INDEX reports_corrected_once ON reports (supersedes) WHERE supersedes IS NOT NULL;

-- A target is achieved once (services.progress.domain.Achievement); it stands.
CREATE TABLE achievements (
    target_id   uuid PRIMARY KEY,
    campaign_id uuid NOT NULL,
    unit_id     uuid NOT NULL,
    report_id   uuid NOT NULL,
    achieved_on date NOT NULL,
    deadline    date NOT NULL,
    completion  numeric NOT NULL
);

-- ReportDueSoon / ReportOverdue sent: once per (target, kind, period), whichever instance sends.
CREATE TABLE notices_sent (
    target_id uuid NOT NULL,
    kind      text NOT NULL CHECK (kind IN ('due_soon', 'overdue')),
    period    text NOT NULL,
    sent_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (target_id, kind, period)
);

-- ---- blocs and their scoring ------------------------------------------------------------------

CREATE TABLE blocs (
    bloc_id        uuid NOT NULL,
    year           integer NOT NULL,
    code           text NOT NULL,
    name           text NOT NULL,
    kind           text NOT NULL,
    scheme_ref     text,          -- BlocFormed.scoring_scheme_ref: a named scheme
    scheme         jsonb,         -- the scheme the bloc head set for the year, if any
    head_unit_id   uuid,
    deputy_unit_id uuid,
    PRIMARY KEY (bloc_id, year)
);

CREATE TABLE bloc_members (
    bloc_id uuid NOT NULL,
    year    integer NOT NULL,
    unit_id uuid NOT NULL,
    PRIMARY KEY (bloc_id, year, unit_id)
);
CREATE INDEX bloc_members_unit ON bloc_members (unit_id, year);

-- Named scoring schemes (thang điểm) a bloc can refer to; set by a province administrator.
CREATE TABLE scoring_schemes (
    ref        text PRIMARY KEY,
    scheme     jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Bonus (điểm thưởng) and penalty (điểm trừ) points given by the bloc head.
CREATE TABLE score_adjustments (
    adjustment_id uuid PRIMARY KEY,
    bloc_id       uuid NOT NULL,
    year          integer NOT NULL,
    unit_id       uuid NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('bonus', 'penalty')),
    points        numeric NOT NULL CHECK (points > 0),
    reason        text NOT NULL,
    entered_at    timestamptz NOT NULL
);
CREATE INDEX score_adjustments_bloc ON score_adjustments (bloc_id, year);

-- The members' vote (suy tôn) as recorded by the bloc head: the latest record replaces the last.
CREATE TABLE bloc_votes (
    bloc_id     uuid NOT NULL,
    year        integer NOT NULL,
    unit_id     uuid NOT NULL,
    votes       integer NOT NULL CHECK (votes >= 0),
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (bloc_id, year, unit_id)
);

-- The latest ranking of each bloc and year; `version` grows with each published change.
CREATE TABLE standings (
    bloc_id     uuid NOT NULL,
    year        integer NOT NULL,
    version     integer NOT NULL DEFAULT 0,
    ranking     jsonb NOT NULL DEFAULT '[]',
    computed_on date,
    PRIMARY KEY (bloc_id, year)
);

-- Blocs whose standings must be recomputed. Append-only (no unique key), so marking never waits
-- for the recomputation that deletes the rows it handled.
CREATE TABLE standings_dirty (
    id      bigserial PRIMARY KEY,
    bloc_id uuid NOT NULL,
    year    integer NOT NULL
);

CREATE TABLE bloc_leaders (
    bloc_id        uuid NOT NULL,
    year           integer NOT NULL,
    leader_unit_id uuid NOT NULL,
    score          numeric NOT NULL,
    by_vote        boolean NOT NULL,
    PRIMARY KEY (bloc_id, year)
);

-- ---- ratings and initiatives ------------------------------------------------------------------

-- Every rating entered (history); the entry id is the PerformanceRated event's id.
CREATE TABLE rating_entries (
    entry_id     uuid PRIMARY KEY,
    subject_kind text NOT NULL CHECK (subject_kind IN ('person', 'collective')),
    subject_id   uuid NOT NULL,
    year         integer NOT NULL,
    rating       text NOT NULL CHECK (rating IN ('HTXSNV', 'HTTNV', 'HTNV', 'KHTNV')),
    unit_id      uuid NOT NULL,
    entered_at   timestamptz NOT NULL
);

-- The rating in force per subject and year.
CREATE TABLE ratings (
    subject_kind text NOT NULL,
    subject_id   uuid NOT NULL,
    year         integer NOT NULL,
    rating       text NOT NULL,
    unit_id      uuid NOT NULL,
    entry_id     uuid NOT NULL,
    entered_at   timestamptz NOT NULL,
    PRIMARY KEY (subject_kind, subject_id, year)
);
CREATE INDEX ratings_unit ON ratings (unit_id, year);

CREATE TABLE initiatives (
    initiative_id uuid PRIMARY KEY,
    title         text NOT NULL,
    level         text NOT NULL CHECK (level IN ('grassroots', 'provincial', 'national')),
    recognised_on date NOT NULL,
    author_ids    uuid[] NOT NULL,
    unit_id       uuid NOT NULL
);
CREATE INDEX initiatives_unit ON initiatives (unit_id, recognised_on);
