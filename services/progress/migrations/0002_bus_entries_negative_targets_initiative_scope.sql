-- What the bus now carries besides reports (see schemas/progress.py and schemas/registry.py):
-- 1. When the bloc head's scheme for a year was set: read back from the bus, an older setting
--    never replaces a newer one (votes have recorded_at, named schemes updated_at already).
-- 2. Targets whose reported values may fall below zero (TargetSpec.allow_negative).
-- 3. An initiative's kind (sáng kiến or đề tài khoa học) and how far its effect reaches; scope is
--    null on records from before it was stated.

ALTER TABLE blocs ADD COLUMN scheme_set_at timestamptz;

ALTER TABLE targets ADD COLUMN allow_negative boolean NOT NULL DEFAULT false;

ALTER TABLE initiatives
    ADD COLUMN kind text NOT NULL DEFAULT 'initiative'
        CHECK (kind IN ('initiative', 'science_work')),
    ADD COLUMN scope text CHECK (scope IN ('unit', 'province', 'national'));
