-- Supervision findings (kiến nghị giám sát) of the Fatherland Front on the emulation and
-- commendation work, against a campaign, a unit, a nomination or a decision, and their answer by
-- the unit concerned or the province (services/awards/findings.py).
CREATE TABLE supervision_findings (
    finding_id         uuid PRIMARY KEY,
    subject_kind       text NOT NULL
        CHECK (subject_kind IN ('campaign', 'unit', 'nomination', 'decision')),
    subject_id         uuid NOT NULL,
    unit_id            uuid,          -- the unit concerned, which may answer; null: the province
    supervisor_unit_id uuid NOT NULL, -- the Front body that raised it
    raised_by          text NOT NULL, -- the supervisor's token subject
    raised_on          date NOT NULL,
    raised_at          timestamptz NOT NULL DEFAULT now(),
    content            text NOT NULL,
    documents          text[] NOT NULL DEFAULT '{}',
    objection_id       uuid REFERENCES objections,
    status             text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered')),
    answer             text,
    answer_documents   text[] NOT NULL DEFAULT '{}',
    answered_by        text,
    answered_by_province boolean,
    answered_on        date
);
CREATE INDEX supervision_findings_unit ON supervision_findings (unit_id, raised_at);
CREATE INDEX supervision_findings_subject ON supervision_findings (subject_kind, subject_id);

-- An objection the Front raised as a finding during the public notice (null: received otherwise).
ALTER TABLE objections ADD COLUMN finding_id uuid;
