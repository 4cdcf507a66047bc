-- Occasions achievements are dedicated to (congresses, anniversaries), kept by the province, and
-- the occasions each campaign is dedicated to.
CREATE TABLE occasions (
    id         uuid PRIMARY KEY,
    code       text NOT NULL UNIQUE,
    name       text NOT NULL,
    starts_on  date NOT NULL,
    ends_on    date,                           -- inclusive; NULL for a single day
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);

ALTER TABLE campaigns ADD COLUMN occasion_ids uuid[] NOT NULL DEFAULT '{}';
