-- Status periods of units (collectives), like person_statuses: a pending discipline,
-- investigation, inspection or complaint blocks the collective's nominations (DOMAIN R14).
-- A unit's discipline is a reprimand or a warning (demotion and dismissal are a person's).
CREATE TABLE unit_statuses (
    id               uuid PRIMARY KEY,
    unit_id          uuid NOT NULL REFERENCES units (id),
    kind             text NOT NULL CHECK (kind IN ('discipline', 'investigation', 'inspection',
                         'complaint')),
    discipline_level text CHECK (discipline_level IN ('reprimand', 'warning')),
    start_date       date NOT NULL,
    end_date         date,                     -- exclusive; NULL while pending or in force
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (end_date IS NULL OR end_date >= start_date),
    CHECK ((kind = 'discipline') = (discipline_level IS NOT NULL)),
    -- backstop of the domain's rule: periods of the same kind do not overlap
    EXCLUDE USING gist (unit_id WITH =, kind WITH =, daterange(start_date, end_date) WITH &&)
);
CREATE INDEX unit_statuses_unit ON unit_statuses (unit_id);
