-- 1. An initiative's kind (sáng kiến or đề tài khoa học) and how far its effect reaches, as
--    InitiativeRecognized now states them; scope null on events from before (read as the
--    level's reach, factstore).
-- 2. A nomination may be withdrawn before the council's vote (NominationWithdrawn). A withdrawn
--    nomination no longer holds its nominee's place for the award and year: it may be
--    nominated again.

ALTER TABLE rm_initiatives
    ADD COLUMN kind text NOT NULL DEFAULT 'initiative'
        CHECK (kind IN ('initiative', 'science_work')),
    ADD COLUMN scope text CHECK (scope IN ('unit', 'province', 'national'));

ALTER TABLE nominations DROP CONSTRAINT nominations_status_check;
ALTER TABLE nominations ADD CONSTRAINT nominations_status_check CHECK (status IN (
    'submitted', 'screened', 'on_notice', 'on_agenda', 'approved', 'rejected', 'decided',
    'revoked', 'withdrawn'));

DROP INDEX nominations_once;
CREATE UNIQUE INDEX nominations_once ON nominations (nominee_kind, nominee_id, award_code, year)
    WHERE status <> 'withdrawn';
