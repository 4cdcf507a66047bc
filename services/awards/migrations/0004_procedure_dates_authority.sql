-- 1. Every act of the procedure carries its own date (services/awards/domain/order.py checks
--    their order): a session may last several days (ends_on, inclusive; null: one day), and the
--    vote is opened and closed on days of the session (opened_on, closed_on), which may differ
--    from the day the secretary entered them. A ballot's day is checked, never stored (secret
--    ballot: nothing may order ballots).
-- 2. A decision records its signer's authority and, for a unit's head or a locality's
--    chairman, the unit they head (services/awards/domain/authority.py checks each line).
-- 3. Awards decided above the province (Thủ tướng Chính phủ, Chủ tịch nước) are proposed in a
--    submission (tờ trình) and end conferred or not by the central level.

ALTER TABLE council_sessions
    ADD COLUMN ends_on date,
    ADD COLUMN opened_on date,
    ADD COLUMN closed_on date,
    ADD CONSTRAINT council_sessions_days CHECK (ends_on IS NULL OR ends_on >= held_on);

-- Sessions whose vote was opened or closed before these columns existed: the day it happened.
UPDATE council_sessions SET opened_on = (opened_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
 WHERE opened_at IS NOT NULL;
UPDATE council_sessions SET closed_on = (closed_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
 WHERE closed_at IS NOT NULL;

ALTER TABLE decisions
    ADD COLUMN signer_authority text NOT NULL DEFAULT 'province_chairman',
    ADD COLUMN signer_unit_id uuid;

ALTER TABLE nominations DROP CONSTRAINT nominations_status_check;
ALTER TABLE nominations ADD CONSTRAINT nominations_status_check CHECK (status IN (
    'submitted', 'screened', 'on_notice', 'on_agenda', 'approved', 'rejected', 'decided',
    'revoked', 'withdrawn', 'proposed', 'conferred', 'not_conferred'));
ALTER TABLE nominations ADD COLUMN proposal_id uuid;

CREATE TABLE proposals (
    proposal_id  uuid PRIMARY KEY,
    number       text NOT NULL UNIQUE,      -- the submission's number, e.g. 45/TTr-UBND
    submitted_on date NOT NULL,
    signer_name  text NOT NULL,
    signer_title text NOT NULL,
    submitted_by text NOT NULL,
    submitted_at timestamptz NOT NULL DEFAULT now()
);

-- One line per nomination proposed, and the central level's answer once known.
CREATE TABLE proposal_lines (
    proposal_id     uuid NOT NULL REFERENCES proposals,
    position        integer NOT NULL,
    nomination_id   uuid NOT NULL UNIQUE,
    award_code      text NOT NULL,
    authority       text NOT NULL,          -- who decides: prime_minister, president
    conferred       boolean,                -- null: no answer yet
    decision_number text,
    decided_on      date,
    recorded_by     text,
    PRIMARY KEY (proposal_id, position)
);

ALTER TABLE award_history DROP CONSTRAINT award_history_source_check;
ALTER TABLE award_history ADD CONSTRAINT award_history_source_check
    CHECK (source IN ('decision', 'import', 'central'));
