-- The registry's own tables: units over time, people (minimal data) and their statuses, blocs
-- with their yearly membership, campaigns, targets and their revisions, and import records.
-- Ranges of days are half-open [valid_from, valid_to); NULL valid_to means "still valid".
-- The domain (services/registry/domain) enforces the rules; the constraints here are a backstop.

CREATE EXTENSION IF NOT EXISTS btree_gist;  -- trusted: the database owner may create it

CREATE TABLE units (
    id         uuid PRIMARY KEY,
    code       text NOT NULL UNIQUE,          -- electronic code (mã định danh điện tử)
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE unit_versions (
    unit_id     uuid NOT NULL REFERENCES units (id),
    valid_from  date NOT NULL,
    valid_to    date,
    name        text NOT NULL,
    name_key    text COLLATE "C" NOT NULL,    -- Vietnamese collation key (domain/text.py)
    name_search text NOT NULL,                -- lower case, no diacritics
    kind        text NOT NULL CHECK (kind IN ('department', 'mass_organisation',
                    'central_agency', 'college', 'enterprise', 'provincial_committee',
                    'district', 'commune')),
    level       text NOT NULL CHECK (level IN ('province', 'district', 'commune')),
    parent_id   uuid REFERENCES units (id),
    PRIMARY KEY (unit_id, valid_from),
    CHECK (valid_to IS NULL OR valid_to > valid_from),
    CHECK (parent_id IS DISTINCT FROM unit_id),
    EXCLUDE USING gist (unit_id WITH =, daterange(valid_from, valid_to) WITH &&)
);
CREATE INDEX unit_versions_parent ON unit_versions (parent_id);
CREATE INDEX unit_versions_name ON unit_versions (name_key, unit_id);

CREATE TABLE unit_closures (
    unit_id       uuid PRIMARY KEY REFERENCES units (id),
    closed_on     date NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('closed', 'merged', 'split')),
    reason        text,
    successor_ids uuid[] NOT NULL DEFAULT '{}'
);

CREATE TABLE people (
    id              uuid PRIMARY KEY,
    code            text UNIQUE,               -- personnel code, optional
    gender          text NOT NULL CHECK (gender IN ('female', 'male')),
    birth_year      integer NOT NULL CHECK (birth_year BETWEEN 1900 AND 2100),
    citizen_id_hash bytea UNIQUE,              -- keyed HMAC-SHA256 of the citizen id; never the id
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE person_versions (
    person_id   uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    valid_from  date NOT NULL,
    valid_to    date,
    full_name   text NOT NULL,
    name_key    text COLLATE "C" NOT NULL,     -- given name first (domain/text.py)
    name_search text NOT NULL,
    unit_id     uuid NOT NULL REFERENCES units (id),
    position    text NOT NULL,
    PRIMARY KEY (person_id, valid_from),
    CHECK (valid_to IS NULL OR valid_to > valid_from),
    EXCLUDE USING gist (person_id WITH =, daterange(valid_from, valid_to) WITH &&)
);
CREATE INDEX person_versions_unit ON person_versions (unit_id);
CREATE INDEX person_versions_name ON person_versions (name_key, person_id);

CREATE TABLE person_statuses (
    id               uuid PRIMARY KEY,
    person_id        uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    kind             text NOT NULL CHECK (kind IN ('discipline', 'investigation', 'inspection',
                         'complaint')),
    discipline_level text CHECK (discipline_level IN ('reprimand', 'warning', 'demotion',
                         'dismissal')),
    start_date       date NOT NULL,
    end_date         date,                     -- exclusive; NULL while pending or in force
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (end_date IS NULL OR end_date >= start_date),
    CHECK ((kind = 'discipline') = (discipline_level IS NOT NULL))
);
CREATE INDEX person_statuses_person ON person_statuses (person_id);

CREATE TABLE blocs (
    id          uuid PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    name        text NOT NULL,
    name_key    text COLLATE "C" NOT NULL,
    name_search text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('bloc', 'cluster')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE bloc_years (
    bloc_id            uuid NOT NULL REFERENCES blocs (id),
    year               integer NOT NULL CHECK (year BETWEEN 1945 AND 2100),
    formed_on          date NOT NULL,
    head_unit_id       uuid REFERENCES units (id),
    deputy_unit_id     uuid REFERENCES units (id),
    scoring_scheme_ref text,
    PRIMARY KEY (bloc_id, year),
    CHECK (head_unit_id IS DISTINCT FROM deputy_unit_id OR head_unit_id IS NULL)
);

CREATE TABLE bloc_members (
    bloc_id   uuid NOT NULL,
    year      integer NOT NULL,
    unit_id   uuid NOT NULL REFERENCES units (id),
    joined_on date NOT NULL,
    left_on   date,                            -- exclusive
    PRIMARY KEY (bloc_id, year, unit_id, joined_on),
    FOREIGN KEY (bloc_id, year) REFERENCES bloc_years (bloc_id, year) ON DELETE CASCADE,
    CHECK (left_on IS NULL OR left_on > joined_on)
);
CREATE INDEX bloc_members_unit ON bloc_members (unit_id, year);

CREATE TABLE campaigns (
    id                uuid PRIMARY KEY,
    code              text NOT NULL UNIQUE,
    title             text NOT NULL,
    title_key         text COLLATE "C" NOT NULL,
    title_search      text NOT NULL,
    theme             text NOT NULL,
    goals             text[] NOT NULL DEFAULT '{}',
    kind              text NOT NULL CHECK (kind IN ('regular', 'special', 'thematic')),
    start_date        date NOT NULL,
    end_date          date NOT NULL,
    launched_by       uuid NOT NULL REFERENCES units (id),
    regime            text NOT NULL CHECK (regime IN ('2013', '2022')),
    regime_overridden boolean NOT NULL DEFAULT false,
    state             text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'launched',
                          'closed')),
    launched_on       date,
    closed_on         date,
    summary           text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (end_date >= start_date)
);

CREATE TABLE campaign_units (
    campaign_id uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    unit_id     uuid NOT NULL REFERENCES units (id),
    position    integer NOT NULL,
    PRIMARY KEY (campaign_id, unit_id)
);
CREATE INDEX campaign_units_unit ON campaign_units (unit_id);

CREATE TABLE campaign_blocs (
    campaign_id uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    bloc_id     uuid NOT NULL REFERENCES blocs (id),
    position    integer NOT NULL,
    PRIMARY KEY (campaign_id, bloc_id)
);

CREATE TABLE targets (
    id              uuid PRIMARY KEY,
    campaign_id     uuid NOT NULL REFERENCES campaigns (id),
    unit_id         uuid NOT NULL REFERENCES units (id),
    revision        integer NOT NULL DEFAULT 1 CHECK (revision >= 1),   -- the current one
    name            text NOT NULL,
    metric          text NOT NULL,
    unit_of_measure text NOT NULL,
    target_value    double precision NOT NULL,
    direction       text NOT NULL CHECK (direction IN ('higher_is_better', 'lower_is_better')),
    weight          double precision NOT NULL DEFAULT 1 CHECK (weight >= 0),
    deadline        date NOT NULL,
    indicator_code  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (campaign_id, unit_id, name)
);
CREATE INDEX targets_unit ON targets (unit_id);

-- Every published revision of a target (a draft's edits replace revision 1 in place).
CREATE TABLE target_revisions (
    target_id       uuid NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
    revision        integer NOT NULL,
    name            text NOT NULL,
    metric          text NOT NULL,
    unit_of_measure text NOT NULL,
    target_value    double precision NOT NULL,
    direction       text NOT NULL,
    weight          double precision NOT NULL,
    deadline        date NOT NULL,
    indicator_code  text,
    reason          text,
    revised_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (target_id, revision)
);

-- Files imported, so that importing the same file again changes nothing and answers the same.
CREATE TABLE import_files (
    kind        text NOT NULL,
    sha256      text NOT NULL,
    mode        text NOT NULL,
    report      jsonb NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, sha256, mode)
);
