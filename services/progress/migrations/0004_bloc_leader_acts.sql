-- The year's leader is an act (the bloc head's or the province's, or the scheduler's after the
-- year's assessment closes), never a side effect of reports arriving.
--
-- formed_at: when the registry published BlocFormed (its event time, so a rebuild agrees). Only a
-- bloc formed before its year's assessment closed was assessed live, and only such a bloc has its
-- leader determined automatically at the closing date; a year recorded after the fact waits for
-- its bloc head. Blocs stored before this column are taken as formed now.
ALTER TABLE blocs ADD COLUMN formed_at timestamptz;
UPDATE blocs SET formed_at = now();

-- A determined leader reopened by the province, with the reason (BlocLeaderReopened). A reopened
-- year is determined again by an explicit act only.
CREATE TABLE bloc_leader_reopenings (
    bloc_id                 uuid NOT NULL,
    year                    integer NOT NULL,
    reopened_at             timestamptz NOT NULL,
    previous_leader_unit_id uuid NOT NULL,
    reason                  text NOT NULL,
    PRIMARY KEY (bloc_id, year, reopened_at)
);
