-- The awards service's own tables.
--
-- 1. Its read model (rm_*): units, people and their status periods, blocs per year, campaigns,
--    yearly ratings, recognised initiatives, bloc leaders. Fed by registry and progress events
--    (services/awards/readmodel.py); rebuilt by replaying the topics into an empty database.
-- 2. The award history: titles and forms conferred, by this service's decisions or imported for
--    the years before it existed.
-- 3. What it owns: nominations and their dossier, screening results with per-rule reasons,
--    annual bulk screening runs, public notices and objections, councils, sessions, the secret
--    ballot, decisions, revocations.
--
-- The domain core (services/awards/domain) holds the rules; constraints here are a backstop.

-- ---- read model -------------------------------------------------------------------------------

CREATE TABLE rm_units (
    unit_id     uuid PRIMARY KEY,
    code        text NOT NULL,
    name        text NOT NULL,
    kind        text NOT NULL,
    level       text NOT NULL,
    parent_id   uuid,
    valid_from  date NOT NULL,
    valid_to    date,            -- exclusive; set by UnitClosed and UnitMerged too
    merged_into uuid
);
CREATE INDEX rm_units_parent ON rm_units (parent_id);
CREATE INDEX rm_units_code ON rm_units (code);

-- Minimal personal data: the name (decisions list awardees by name), gender (R16), unit and
-- position. No birth date, no citizen id.
CREATE TABLE rm_people (
    person_id  uuid PRIMARY KEY,
    full_name  text NOT NULL,
    gender     text NOT NULL CHECK (gender IN ('female', 'male')),
    unit_id    uuid NOT NULL,
    position   text NOT NULL,
    valid_from date NOT NULL
);
CREATE INDEX rm_people_unit ON rm_people (unit_id);

-- Discipline, investigation, inspection, complaint periods (R14, R05/R06 member discipline).
CREATE TABLE rm_person_statuses (
    status_id        uuid PRIMARY KEY,
    person_id        uuid NOT NULL,
    kind             text NOT NULL,
    discipline_level text,
    start_on         date NOT NULL,
    end_on           date
);
CREATE INDEX rm_person_statuses_person ON rm_person_statuses (person_id);

-- Blocs and clusters per year: how many there are is the base of the CO_CP quota (R10).
CREATE TABLE rm_blocs (
    bloc_id uuid    NOT NULL,
    year    integer NOT NULL,
    code    text    NOT NULL,
    name    text    NOT NULL,
    kind    text    NOT NULL,
    PRIMARY KEY (bloc_id, year)
);

CREATE TABLE rm_bloc_leaders (
    bloc_id        uuid    NOT NULL,
    year           integer NOT NULL,
    leader_unit_id uuid    NOT NULL,
    score          double precision NOT NULL,
    by_vote        boolean NOT NULL,
    PRIMARY KEY (bloc_id, year)
);

CREATE TABLE rm_campaigns (
    campaign_id uuid PRIMARY KEY,
    code        text NOT NULL,
    title       text NOT NULL,
    kind        text NOT NULL,
    regime      text NOT NULL CHECK (regime IN ('2013', '2022')),
    start_on    date NOT NULL,
    end_on      date NOT NULL,
    closed_on   date
);

-- A later rating of the same subject and year replaces the earlier one.
CREATE TABLE rm_ratings (
    subject_kind text    NOT NULL CHECK (subject_kind IN ('person', 'collective')),
    subject_id   uuid    NOT NULL,
    year         integer NOT NULL,
    rating       text    NOT NULL CHECK (rating IN ('HTXSNV', 'HTTNV', 'HTNV', 'KHTNV')),
    unit_id      uuid    NOT NULL,
    PRIMARY KEY (subject_kind, subject_id, year)
);
CREATE INDEX rm_ratings_year ON rm_ratings (year);

CREATE TABLE rm_initiatives (
    initiative_id uuid PRIMARY KEY,
    title         text   NOT NULL,
    level         text   NOT NULL CHECK (level IN ('grassroots', 'provincial', 'national')),
    recognised_on date   NOT NULL,
    author_ids    uuid[] NOT NULL,
    unit_id       uuid   NOT NULL
);
CREATE INDEX rm_initiatives_authors ON rm_initiatives USING gin (author_ids);

-- ---- award history ----------------------------------------------------------------------------

-- Titles and forms held: from this service's decisions (source 'decision') or imported from
-- the province's records of earlier years (source 'import'). A revoked award stays, marked.
CREATE TABLE award_history (
    award_id        uuid PRIMARY KEY,
    subject_kind    text NOT NULL CHECK (subject_kind IN ('person', 'collective')),
    subject_id      uuid NOT NULL,
    award_code      text NOT NULL,
    period_start    date NOT NULL,
    period_end      date NOT NULL CHECK (period_end >= period_start),
    decided_on      date,
    decision_number text,
    source          text NOT NULL CHECK (source IN ('decision', 'import')),
    decision_id     uuid,
    nomination_id   uuid UNIQUE,
    import_id       uuid,
    revoked_on      date,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX award_history_subject ON award_history (subject_id);
CREATE INDEX award_history_code_year ON award_history (award_code, period_end);
-- The same award on the same decision is one record (an import re-run finds it).
CREATE UNIQUE INDEX award_history_unique ON award_history
    (subject_kind, subject_id, award_code, period_end, coalesce(decision_number, ''));

CREATE TABLE award_history_imports (
    import_id   uuid PRIMARY KEY,
    sha256      text NOT NULL,
    mode        text NOT NULL,
    imported_by text NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now(),
    report      jsonb NOT NULL
);
CREATE UNIQUE INDEX award_history_imports_sha ON award_history_imports (sha256, mode);

-- ---- nominations ------------------------------------------------------------------------------

CREATE TABLE nominations (
    nomination_id    uuid PRIMARY KEY,
    nominee_kind     text    NOT NULL CHECK (nominee_kind IN ('person', 'collective')),
    nominee_id       uuid    NOT NULL,
    award_code       text    NOT NULL,
    year             integer NOT NULL,   -- the achievement year, or the year the period ends
    period_start     date,
    period_end       date,
    proposer_unit_id uuid    NOT NULL,
    campaign_id      uuid,
    regime_override  text,               -- the campaign's regime when it differs from the date's
    status           text    NOT NULL CHECK (status IN (
                         'submitted', 'screened', 'on_notice', 'on_agenda', 'approved',
                         'rejected', 'decided', 'revoked')),
    verdict          text CHECK (verdict IN ('eligible', 'ineligible', 'incomplete', 'blocked')),
    regime           text,
    screening_id     uuid,               -- the latest screening
    notice_id        uuid,
    session_id       uuid,
    decision_id      uuid,
    seq              bigserial,          -- submission order: batches are screened in it
    submitted_on     date    NOT NULL,
    submitted_by     text    NOT NULL,
    submitted_at     timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
-- One nomination of a nominee for an award and year.
CREATE UNIQUE INDEX nominations_once ON nominations (nominee_kind, nominee_id, award_code, year);
CREATE INDEX nominations_year ON nominations (year, status);
CREATE INDEX nominations_proposer ON nominations (proposer_unit_id);

CREATE TABLE nomination_documents (
    nomination_id uuid NOT NULL REFERENCES nominations ON DELETE CASCADE,
    position      integer NOT NULL,
    type          text NOT NULL,
    ref           text NOT NULL,
    added_by      text NOT NULL,
    added_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (nomination_id, position)
);

CREATE TABLE nomination_initiatives (
    nomination_id uuid NOT NULL REFERENCES nominations ON DELETE CASCADE,
    initiative_id uuid NOT NULL,
    PRIMARY KEY (nomination_id, initiative_id)
);

-- R11: the nomination an initiative supports. Taken when a nomination relying on it is screened
-- eligible, given back when that nomination is rejected or screened otherwise, final once a
-- decision confers the award.
CREATE TABLE initiative_uses (
    initiative_id uuid PRIMARY KEY,
    nomination_id uuid NOT NULL,
    final         boolean NOT NULL DEFAULT false,
    since         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX initiative_uses_nomination ON initiative_uses (nomination_id);

-- Every state change of a nomination, who made it and when (the audit trail of the procedure;
-- the request-level audit_log of servicekit records the calls themselves).
CREATE TABLE nomination_log (
    id            bigserial PRIMARY KEY,
    nomination_id uuid NOT NULL,
    at            timestamptz NOT NULL DEFAULT now(),
    actor         text NOT NULL,
    action        text NOT NULL,
    status        text NOT NULL,
    detail        text
);
CREATE INDEX nomination_log_nomination ON nomination_log (nomination_id, id);

-- ---- screening --------------------------------------------------------------------------------

CREATE TABLE screenings (
    screening_id  uuid PRIMARY KEY,
    nomination_id uuid NOT NULL REFERENCES nominations,
    batch_id      uuid NOT NULL,
    screened_on   date NOT NULL,
    screened_by   text NOT NULL,
    screened_at   timestamptz NOT NULL DEFAULT now(),
    regime        text NOT NULL,
    verdict       text NOT NULL,
    failing       text[] NOT NULL,
    initiative_ids uuid[] NOT NULL DEFAULT '{}'
);
CREATE INDEX screenings_nomination ON screenings (nomination_id, screened_at);

CREATE TABLE screening_rules (
    screening_id uuid    NOT NULL REFERENCES screenings ON DELETE CASCADE,
    position     integer NOT NULL,
    rule_id      text    NOT NULL,
    passed       boolean NOT NULL,
    citation     text    NOT NULL,
    facts        jsonb   NOT NULL,
    reason       text    NOT NULL,
    effect       text,
    PRIMARY KEY (screening_id, position)
);

-- Annual bulk screening: one run for a year and a scope; its candidates with their reasons.
CREATE TABLE annual_runs (
    run_id      uuid PRIMARY KEY,
    year        integer NOT NULL,
    scope_unit_id uuid,                  -- none: the whole province
    regime      text NOT NULL,
    as_of       date NOT NULL,
    campaign_id uuid,
    run_by      text NOT NULL,
    run_at      timestamptz NOT NULL DEFAULT now(),
    people      integer NOT NULL,
    collectives integer NOT NULL,
    screened    integer NOT NULL,
    candidates  integer NOT NULL,
    reasons_stored boolean NOT NULL,
    timings     jsonb NOT NULL DEFAULT '{}'
);

-- The candidates of a run. Not a foreign key to annual_runs on purpose: rows are COPYed in bulk
-- before the run's row. `reasons` lists, in rule order, the numbers of the candidate's rule
-- results in annual_reasons (null when the run stored no reasons).
CREATE TABLE annual_candidates (
    run_id         uuid    NOT NULL,
    award_code     text    NOT NULL,
    position       integer NOT NULL,
    subject_kind   text    NOT NULL,
    subject_id     uuid    NOT NULL,
    unit_id        uuid,
    over_quota     boolean NOT NULL,
    quota_rank     integer,
    verdict        text    NOT NULL,
    initiative_ids uuid[]  NOT NULL,
    reasons        integer[],
    PRIMARY KEY (run_id, award_code, position)
);

-- Each distinct rule result of a run once ({rule_id, passed, citation, facts, reason}): most
-- candidates share most of theirs. json, not jsonb: written once, read whole.
CREATE TABLE annual_reasons (
    run_id    uuid    NOT NULL,
    reason_no integer NOT NULL,
    result    json    NOT NULL,
    PRIMARY KEY (run_id, reason_no)
);

-- ---- public notice ----------------------------------------------------------------------------

CREATE TABLE notices (
    notice_id    uuid PRIMARY KEY,
    title        text NOT NULL,
    start_on     date NOT NULL,
    end_on       date NOT NULL,   -- the last day of the notice, inclusive
    working_days integer NOT NULL,
    posted_by    text NOT NULL,
    posted_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE notice_items (
    notice_id     uuid NOT NULL REFERENCES notices,
    nomination_id uuid NOT NULL UNIQUE,
    PRIMARY KEY (notice_id, nomination_id)
);

CREATE TABLE objections (
    objection_id  uuid PRIMARY KEY,
    notice_id     uuid NOT NULL REFERENCES notices,
    nomination_id uuid NOT NULL,
    received_on   date NOT NULL,
    content       text NOT NULL,       -- what is objected; the objector's identity is not stored
    recorded_by   text NOT NULL,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'upheld', 'dismissed')),
    resolution    text,
    resolved_by   text,
    resolved_on   date
);
CREATE INDEX objections_nomination ON objections (nomination_id);

-- ---- council ----------------------------------------------------------------------------------

CREATE TABLE councils (
    council_id uuid PRIMARY KEY,
    name       text NOT NULL,
    term_start date NOT NULL,
    term_end   date NOT NULL CHECK (term_end >= term_start),
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A member is known to the system by the subject (`sub`) of their token.
CREATE TABLE council_members (
    member_id  uuid PRIMARY KEY,
    council_id uuid NOT NULL REFERENCES councils,
    subject    text NOT NULL,
    full_name  text NOT NULL,
    title      text NOT NULL,
    role       text NOT NULL CHECK (role IN ('chair', 'vice_chair', 'secretary', 'member')),
    UNIQUE (council_id, subject)
);

CREATE TABLE council_sessions (
    session_id uuid PRIMARY KEY,
    council_id uuid NOT NULL REFERENCES councils,
    title      text NOT NULL,
    held_on    date NOT NULL,
    status     text NOT NULL CHECK (status IN ('planned', 'voting', 'closed')),
    members_total integer,             -- fixed when the vote opens
    opened_by  text,
    opened_at  timestamptz,
    closed_by  text,
    closed_at  timestamptz,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE session_agenda (
    session_id    uuid NOT NULL REFERENCES council_sessions,
    nomination_id uuid NOT NULL,
    position      integer NOT NULL,
    threshold     double precision NOT NULL,
    -- filled when the vote closes
    approved      boolean,
    votes_for     integer,
    votes_against integer,
    abstained     integer,
    required      integer,
    PRIMARY KEY (session_id, nomination_id)
);

-- The secret ballot. Two tables that share nothing but the session:
--  * session_voters: WHO voted (for the quorum, and so nobody votes twice), with how (at the
--    meeting, or in writing when absent). No time, no choice.
--  * ballot_counts: WHAT was chosen, as running totals per agenda item. No member, no row per
--    vote, no time: nothing orders or identifies a single ballot, so no read of any table links a
--    member to a choice. One statement adds a whole ballot (the choices are its parameters, so
--    the statement text, which traces record, is the same whatever the choice). The totals are
--    shown only once the vote is closed.
CREATE TABLE session_voters (
    session_id uuid NOT NULL REFERENCES council_sessions,
    member_id  uuid NOT NULL REFERENCES council_members,
    mode       text NOT NULL CHECK (mode IN ('in_person', 'written')),
    PRIMARY KEY (session_id, member_id)
);

CREATE TABLE ballot_counts (
    session_id    uuid    NOT NULL,
    nomination_id uuid    NOT NULL,
    yes           integer NOT NULL DEFAULT 0,
    no            integer NOT NULL DEFAULT 0,
    abstain       integer NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, nomination_id),
    FOREIGN KEY (session_id, nomination_id) REFERENCES session_agenda
);

-- ---- decisions --------------------------------------------------------------------------------

CREATE TABLE decisions (
    decision_id     uuid PRIMARY KEY,
    number          text NOT NULL UNIQUE,
    signed_on       date NOT NULL,
    signer_name     text NOT NULL,
    signer_title    text NOT NULL,
    base_salary_vnd bigint NOT NULL,
    total_vnd       bigint NOT NULL,
    issued_by       text NOT NULL,
    issued_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE decision_lines (
    decision_id   uuid    NOT NULL REFERENCES decisions,
    position      integer NOT NULL,
    nomination_id uuid    NOT NULL UNIQUE,
    nominee_kind  text    NOT NULL,
    nominee_id    uuid    NOT NULL,
    award_code    text    NOT NULL,
    multiplier    numeric NOT NULL,
    amount_vnd    bigint  NOT NULL,
    revoked_on    date,
    revocation_id uuid,
    PRIMARY KEY (decision_id, position)
);

CREATE TABLE revocations (
    revocation_id     uuid PRIMARY KEY,
    decision_id       uuid NOT NULL REFERENCES decisions,
    nomination_ids    uuid[] NOT NULL,
    revoked_on        date NOT NULL,
    revocation_number text,
    reason            text NOT NULL,
    amount_to_recover_vnd bigint NOT NULL,
    revoked_by        text NOT NULL,
    revoked_at        timestamptz NOT NULL DEFAULT now()
);
